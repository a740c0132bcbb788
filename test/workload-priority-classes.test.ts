import { Chart, Testing } from 'cdk8s';
import { WorkloadClass, WorkloadPriorityClasses } from '../src';
import { schemaErrors, synth } from './helpers/k8s';

describe('WorkloadPriorityClasses', () => {
  test('one PriorityClass per workload class, ordered critical > standard > batch', () => {
    const chart = new Chart(Testing.app(), 'platform');
    const classes = new WorkloadPriorityClasses(chart, 'classes');
    const manifest = synth(chart);
    expect(manifest.map(o => o.metadata.name)).toEqual(['hardened-critical', 'hardened-standard', 'hardened-batch']);
    expect(manifest.map(o => o.value)).toEqual([100000, 1000, 100]);
    expect(manifest.every(o => o.globalDefault === false)).toBe(true);
    expect(classes.priorityClasses).toHaveLength(3);
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest).toMatchSnapshot();
  });

  test('batch never preempts; critical and standard may preempt lower classes', () => {
    const manifest = synth((() => { const c = new Chart(Testing.app(), 'p'); new WorkloadPriorityClasses(c, 'x'); return c; })());
    const byName = Object.fromEntries(manifest.map(o => [o.metadata.name, o]));
    expect(byName['hardened-batch'].preemptionPolicy).toBe('Never');
    expect(byName['hardened-critical'].preemptionPolicy).toBe('PreemptLowerPriority');
    expect(byName['hardened-standard'].preemptionPolicy).toBe('PreemptLowerPriority');
  });

  test('the names are the ones workloads refer to', () => {
    const chart = new Chart(Testing.app(), 'platform');
    new WorkloadPriorityClasses(chart, 'classes');
    const names = synth(chart).map(o => o.metadata.name);
    for (const c of WorkloadClass.all()) expect(names).toContain(c.priorityClassName);
  });

  test('cluster-scoped: no namespace even in a namespaced chart', () => {
    const chart = new Chart(Testing.app(), 'platform', { namespace: 'shop' });
    new WorkloadPriorityClasses(chart, 'classes');
    for (const o of synth(chart)) expect(o.metadata.namespace).toBeUndefined();
  });
});
