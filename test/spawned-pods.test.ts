import { Chart, Testing } from 'cdk8s';
import { HardenedChart, NetworkPeer, Policy, SecureApp, SpawnedPods, SpawnedPodsProps } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { one, schemaErrors, synth } from './helpers/k8s';

/** The labels a spawner (KubeSpawner here) puts on the pods it creates. */
const SELECTOR = { component: 'singleuser-server', app: 'lab' };
const DNS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
};
const INTERNET = NetworkPeer.ipBlock('0.0.0.0/0', { except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.169.254/32'] });
const inLab = (labels: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'lab' } },
  podSelector: { matchLabels: labels },
});
const HUB_PODS = inLab({ 'app.kubernetes.io/name': 'hub', 'app.kubernetes.io/instance': 'hub' });

function setup(chart: Chart = new Chart(Testing.app(), 'lab', { namespace: 'lab' }), props: Partial<SpawnedPodsProps> = {}) {
  const hub = new SecureApp(chart, 'hub', { name: 'hub', image: 'ghcr.io/acme/hub:5.5.0', port: 8081, ingressFrom: [] });
  const users = new SpawnedPods(chart, 'users', { name: 'users', selector: SELECTOR, spawnedBy: hub, ports: [{ name: 'http', port: 8888 }], ...props });
  return { chart, hub, users };
}

/** Hub calls the user servers on 8888; they call the hub on 8081 and the internet (not the cluster). */
function wired(chart?: Chart) {
  const s = setup(chart);
  s.hub.connections.allowTo(s.users);
  s.users.connections.allowTo(s.hub);
  s.users.connections.allowTo(INTERNET);
  return s;
}

function expectError(props: Partial<SpawnedPodsProps>, ...fragments: string[]) {
  const chart = new Chart(Testing.app(), 'lab', { namespace: 'lab' });
  const hub = new SecureApp(chart, 'hub', { image: 'ghcr.io/acme/hub:5.5.0' });
  let message = '';
  try {
    new SpawnedPods(chart, 'users', { selector: SELECTOR, spawnedBy: hub, ...props } as SpawnedPodsProps);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('lab/users');
  for (const f of fragments) expect(message).toContain(f);
  expect(message).toContain('Fix:');
}

describe('SpawnedPods output', () => {
  test('one NetworkPolicy selecting exactly the spawner\'s labels, default-deny both ways, DNS egress only', () => {
    const { chart } = setup();
    const manifest = synth(chart).filter((o) => o.metadata.name === 'users');
    expect(manifest.map((o) => o.kind)).toEqual(['NetworkPolicy']);
    const spec = manifest[0].spec;
    expect(spec.podSelector).toEqual({ matchLabels: SELECTOR });
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toBeUndefined(); // no rule: every ingress denied
    expect(spec.egress).toEqual([DNS]);
  });

  test('the YAML of a wired SpawnedPods (snapshot)', () => {
    const { chart } = wired();
    expect(one(synth(chart), 'NetworkPolicy', 'users')).toMatchSnapshot();
  });

  test('connections open exactly the calls made, on both sides', () => {
    const { chart } = wired();
    const manifest = synth(chart);
    const users = one(manifest, 'NetworkPolicy', 'users').spec;
    const hub = one(manifest, 'NetworkPolicy', 'hub').spec;
    const userPods = inLab(SELECTOR);
    expect(users.ingress).toEqual([{ from: [HUB_PODS], ports: [{ port: 8888, protocol: 'TCP' }] }]);
    expect(users.egress).toEqual([
      DNS,
      { to: [HUB_PODS], ports: [{ port: 8081, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.169.254/32'] } }] },
    ]);
    expect(hub.ingress).toEqual([{ from: [userPods], ports: [{ port: 8081, protocol: 'TCP' }] }]);
    expect(hub.egress).toEqual([DNS, { to: [userPods], ports: [{ port: 8888, protocol: 'TCP' }] }]);
  });

  test('a peer wherever workloads are: allowFrom, egressTo and a port by name resolve to its selector', () => {
    const { chart, hub, users } = setup();
    hub.connections.allowFrom(users); // the hub's main port
    const api = new SecureApp(chart, 'api', { name: 'api', image: 'ghcr.io/acme/api:1.0.0', egressTo: [users.toNetworkPeer()] });
    api.connections.allowTo(users, { portName: 'http' });
    const manifest = synth(chart);
    expect(one(manifest, 'NetworkPolicy', 'hub').spec.ingress).toEqual([{ from: [inLab(SELECTOR)], ports: [{ port: 8081, protocol: 'TCP' }] }]);
    expect(one(manifest, 'NetworkPolicy', 'users').spec.egress).toContainEqual({ to: [HUB_PODS], ports: [{ port: 8081, protocol: 'TCP' }] });
    // egressTo: the pods' selector, on their main port (one-sided, as for a workload).
    expect(one(manifest, 'NetworkPolicy', 'api').spec.egress[1]).toEqual({ to: [inLab(SELECTOR)], ports: [{ port: 8888, protocol: 'TCP' }] });
    expect(one(manifest, 'NetworkPolicy', 'users').spec.ingress).toEqual([{ from: [inLab({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' })], ports: [{ port: 8888, protocol: 'TCP' }] }]);
    expect(users.podSelectorLabels).toEqual(SELECTOR);
    expect(users.port).toBe(8888);
    expect(users.namespace).toBe('lab');
  });

  test('a port\'s ingressFrom admits that peer on that port only', () => {
    const { chart } = setup(undefined, { ports: [{ name: 'http', port: 8888 }, { name: 'metrics', port: 9100, ingressFrom: [NetworkPeer.namespace('monitoring')] }] });
    expect(one(synth(chart), 'NetworkPolicy', 'users').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9100, protocol: 'TCP' }] },
    ]);
  });

  test('the manifests validate against the Kubernetes schemas', () => {
    expect(schemaErrors(synth(wired().chart))).toEqual([]);
  });
});

describe('the gate', () => {
  test('HARDENED-NET-002 (selects no pod) is acknowledged on the policy with the spawner\'s path; nothing else is reported on it', () => {
    const { chart, users } = wired(new HardenedChart(Testing.app(), 'lab', { namespace: 'lab' }));
    const report = (chart as HardenedChart).policyReport();
    const onPolicy = (f: any) => f.object.kind === 'NetworkPolicy' && f.object.name === 'users';
    expect(report.findings.filter(onPolicy)).toEqual([]);
    expect(report.suppressed.filter(onPolicy).map((f: any) => f.ruleId)).toEqual(['HARDENED-NET-002']);
    expect(report.unused).toEqual([]);
    expect(Policy.acknowledgementsOf(users.networkPolicy)).toEqual([{
      ruleId: 'HARDENED-NET-002', reason: 'pods created at runtime by lab/hub: none is in the output, so the policy selects no pod of it',
    }]);
    expect(one(synth(chart), 'NetworkPolicy', 'users').metadata.annotations['hardened.cdk8s.io/acknowledged'])
      .toBe('HARDENED-NET-002: pods created at runtime by lab/hub: none is in the output, so the policy selects no pod of it');
  });

  test('a reason is recorded with the spawner, or alone when the spawner is not in the app', () => {
    const { users } = setup(undefined, { reason: 'KubeSpawner creates one pod per user' });
    expect(users.reason).toBe('pods created at runtime by lab/hub (KubeSpawner creates one pod per user): none is in the output, so the policy selects no pod of it');
    const other = new SpawnedPods(new Chart(Testing.app(), 'ci', { namespace: 'ci' }), 'runners', { selector: { app: 'runner' }, reason: 'job pods created by the GitLab runner' });
    expect(other.reason).toBe('pods created at runtime (job pods created by the GitLab runner): none is in the output, so the policy selects no pod of it');
  });
});

describe('connection matrix with a stand-in pod', () => {
  const deployment = (name: string, labels: Record<string, string>, ports: number[]) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'lab' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'x:1', ports: ports.map((containerPort) => ({ containerPort })) }] } } },
  });

  test('the hub reaches the spawned pod on 8888, the pod the hub on 8081; another pod neither, and the pod reaches no other pod', () => {
    const s = setup();
    s.hub.connections.allowTo(s.users);
    s.users.connections.allowTo(s.hub);
    const m = NetworkModel.fromObjects([
      ...synth(s.chart),
      // A pod as the spawner creates it: its labels (and more).
      deployment('jupyter-alice', { ...SELECTOR, 'hub.jupyter.org/username': 'alice' }, [8888]),
      deployment('other', { app: 'other' }, [8888, 8081]),
    ]);
    const w = (name: string) => m.workload(`lab/Deployment/${name}`)!;
    const ports = [8081, 8888];
    const reach = (from: string, to: string) => ports.filter((port) => m.allowed(w(from), w(to), port));
    expect(reach('hub', 'jupyter-alice')).toEqual([8888]);
    expect(reach('jupyter-alice', 'hub')).toEqual([8081]);
    expect(reach('other', 'jupyter-alice')).toEqual([]);
    expect(reach('other', 'hub')).toEqual([]);
    expect(reach('jupyter-alice', 'other')).toEqual([]);
    expect(reach('hub', 'other')).toEqual([]);
  });
});

describe('refusals', () => {
  test('no selector', () => expectError({ selector: undefined }, 'selector', 'empty selector would select every pod'));
  test('an empty selector', () => expectError({ selector: {} }, 'selector', '{}'));
  test('a bad label key', () => expectError({ selector: { 'bad key': 'x' } }, 'selector', 'bad key'));
  test('a bad label value', () => expectError({ selector: { app: 'no spaces' } }, 'selector.app', 'no spaces'));
  test('neither spawnedBy nor reason', () => expectError({ spawnedBy: undefined }, 'spawnedBy', 'reason'));
  test('a short reason', () => expectError({ reason: 'spawned' }, 'reason', '"spawned"', 'at least 10 visible characters'));
  test('a reason of invisible characters', () => expectError({ reason: '\u200b'.repeat(12) }, 'reason', 'at least 10 visible characters'));
  test('spawnedBy not a construct', () => expectError({ spawnedBy: 'hub' as any }, 'spawnedBy', '"hub"'));
  test('a servicePort', () => expectError({ ports: [{ name: 'http', port: 8888, servicePort: 80 }] }, 'ports[0].servicePort', '80', 'no Service'));
  test('an appProtocol', () => expectError({ ports: [{ name: 'http', port: 8888, appProtocol: 'http' }] }, 'ports[0].appProtocol', 'no Service'));
  test('a bad port name', () => expectError({ ports: [{ name: 'HTTP', port: 8888 }] }, 'ports[0].name', '"HTTP"'));
  test('a port out of range', () => expectError({ ports: [{ name: 'http', port: 70000 }] }, 'ports[0].port', '70000'));
  test('a port twice', () => expectError({ ports: [{ name: 'http', port: 8888 }, { name: 'web', port: 8888 }] }, 'ports[1]', '8888'));
  test('an invalid name', () => expectError({ name: 'Users_1' }, 'name', 'Users_1'));
  test('a call to a port the pods do not listen on names the port and the pods', () => {
    const { hub, users } = setup();
    expect(() => hub.connections.allowTo(users, { port: 9999 })).toThrow(/lab\/hub: invalid connections\.allowTo port 9999: lab\/users does not listen on it \(its ports: http \(8888\/TCP\)\).*Fix:/);
  });
  test('a call to spawned pods that serve no port', () => {
    const { hub, users } = setup(undefined, { ports: undefined });
    expect(() => hub.connections.allowTo(users)).toThrow(/lab\/users.*serves no port.*Fix:/);
    expect(users.port).toBeUndefined();
  });
});

describe('a selector that also selects a workload of the output', () => {
  test('is refused at synth, naming the workload and the fix', () => {
    const chart = new Chart(Testing.app(), 'lab', { namespace: 'lab' });
    const hub = new SecureApp(chart, 'hub', { name: 'hub', image: 'ghcr.io/acme/hub:5.5.0', podLabels: { component: 'singleuser-server' } });
    new SpawnedPods(chart, 'users', { selector: { component: 'singleuser-server' }, spawnedBy: hub });
    expect(() => synth(chart)).toThrow(/lab\/users: invalid selector \{"component":"singleuser-server"\}: it also selects the pods of Deployment hub \(lab\/hub\/Resource\).*Fix: select by a label only the spawner/);
  });

  test('a workload in another namespace is not selected', () => {
    const app = Testing.app();
    const other = new Chart(app, 'other', { namespace: 'other' });
    new SecureApp(other, 'hub', { name: 'hub', image: 'ghcr.io/acme/hub:5.5.0', podLabels: { component: 'singleuser-server' } });
    const chart = new Chart(app, 'lab', { namespace: 'lab' });
    new SpawnedPods(chart, 'users', { selector: { component: 'singleuser-server' }, reason: 'pods of the lab operator' });
    expect(synth(chart).map((o) => o.kind)).toEqual(['NetworkPolicy']);
  });
});
