import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { BatchJob, HardenedChart, NamespaceRole, NetworkPeer, RoleRules, SecureApp, Subject } from '../src';

/** Every object name and instance label of a chart with the library's constructs, no names given. */
function namesOf(chart: Chart): string[] {
  const config = new kplus.ConfigMap(chart, 'settings', { data: { A: '1' } });
  // A role-bound app gets an API token, so it needs a route to the API server.
  const web = new SecureApp(chart, 'web', { image: 'ghcr.io/acme/web:1.4.2', config: [config], egressTo: [NetworkPeer.ipBlock('10.0.0.1/32', { ports: [6443] })] });
  new BatchJob(chart, 'report', { image: 'ghcr.io/acme/report:2.0.0', schedule: '0 3 * * *' });
  new NamespaceRole(chart, 'reader', { rules: RoleRules.readConfigMaps(config.name), subjects: [Subject.fromApp(web)] });
  return Testing.synth(chart).flatMap((d) => [d.metadata.name, d.metadata.labels?.['app.kubernetes.io/instance']]).filter((n) => n !== undefined);
}

test('disableResourceNameHashes on a HardenedChart: the constructs\' generated names have no hash', () => {
  const names = namesOf(new HardenedChart(Testing.app(), 'shop', { namespace: 'shop', disableResourceNameHashes: true }));
  expect(names).toEqual(expect.arrayContaining(['shop-web', 'shop-report', 'shop-reader']));
  expect(names.filter((n) => /-[0-9a-f]{8}$/.test(n))).toEqual([]);
});

test('disableResourceNameHashes on a plain Chart is honoured too', () => {
  const names = namesOf(new Chart(Testing.app(), 'shop', { namespace: 'shop', disableResourceNameHashes: true }));
  expect(names).toContain('shop-web');
  expect(names.filter((n) => /-[0-9a-f]{8}$/.test(n))).toEqual([]);
});

test('by default the generated names carry cdk8s\' hash', () => {
  const names = namesOf(new Chart(Testing.app(), 'shop', { namespace: 'shop' }));
  expect(names.filter((n) => /^shop-web-[0-9a-f]{8}$/.test(n)).length).toBeGreaterThan(0);
});
