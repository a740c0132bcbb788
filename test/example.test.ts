import { Testing } from 'cdk8s';
import { buildExample } from '../src/main';
import { schemaErrors } from './helpers/k8s';

describe('example app (src/main.ts)', () => {
  const app = Testing.app();
  buildExample(app);
  const charts = Object.fromEntries(app.charts.map(c => [c.node.id, Testing.synth(c)]));

  test('synthesizes the platform and shop charts', () => {
    expect(Object.keys(charts).sort()).toEqual(['platform', 'shop']);
  });

  test('every document validates against the Kubernetes schemas', () => {
    expect(schemaErrors(Object.values(charts).flat())).toEqual([]);
  });

  test('every PriorityClass a pod names is deployed by the example', () => {
    const classes = new Set(charts.platform.filter(o => o.kind === 'PriorityClass').map(o => o.metadata.name));
    const named = charts.shop.filter(o => o.kind === 'Deployment').map(o => o.spec.template.spec.priorityClassName);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(classes).toContain(n);
  });

  test('every ServiceAccount, ConfigMap and PVC a pod refers to exists in the output', () => {
    const names = (kind: string) => new Set(charts.shop.filter(o => o.kind === kind).map(o => o.metadata.name));
    for (const d of charts.shop.filter(o => o.kind === 'Deployment')) {
      const spec = d.spec.template.spec;
      expect(names('ServiceAccount')).toContain(spec.serviceAccountName);
      for (const v of spec.volumes ?? []) {
        if (v.configMap) expect(names('ConfigMap')).toContain(v.configMap.name);
        if (v.persistentVolumeClaim) expect(names('PersistentVolumeClaim')).toContain(v.persistentVolumeClaim.claimName);
      }
    }
  });

  test('deterministic: two synths of the same input give byte-identical YAML', () => {
    const yaml = () => {
      const a = Testing.app();
      buildExample(a);
      return a.synthYaml();
    };
    const first = yaml();
    expect(first.length).toBeGreaterThan(10000);
    expect(yaml()).toBe(first);
  });

  test('snapshot', () => {
    expect(charts).toMatchSnapshot();
  });
});
