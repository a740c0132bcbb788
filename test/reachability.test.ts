import { Chart, Testing } from 'cdk8s';
import { HealthCheck, NetworkPeer, SecureApp, StatefulApp, Worker } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { app, deployment, namespace, policy, service, workload } from './network-fixtures';

/** Two namespaces: `a` (client, server) and `b` (other), `b` labelled team=blue. */
function base(): any[] {
  return [
    namespace('a', { team: 'red' }),
    namespace('b', { team: 'blue' }),
    deployment('client', 'a', app('client')),
    deployment('server', 'a', { ...app('server'), tier: 'backend' }, [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }, { name: 'dns', port: 5353, protocol: 'UDP' }]),
    deployment('other', 'b', app('other'), [{ name: 'http', port: 8080 }]),
  ];
}

function model(extra: any[], objects = base()) {
  const m = NetworkModel.fromObjects([...objects, ...extra]);
  const w = (name: string) => m.workload(name)!;
  return { m, w, can: (from: string, to: string, port: number | string, protocol = 'TCP') => m.allowed(w(from), w(to), port, protocol) };
}

describe('isolation', () => {
  test('no policy: everything is open both ways', () => {
    const { can } = model([]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('other', 'server', 1234)).toBe(true);
  });

  test('a policy isolates only the pods it selects, in its own namespace', () => {
    const { m, w, can } = model([policy('deny-server', 'a', { podSelector: { matchLabels: app('server') }, policyTypes: ['Ingress'] })]);
    expect(can('client', 'server', 8080)).toBe(false);
    expect(can('server', 'client', 8080)).toBe(true);
    expect(m.isIsolated(w('server'), 'Ingress')).toBe(true);
    expect(m.isIsolated(w('server'), 'Egress')).toBe(false);
    expect(m.isIsolated(w('other'), 'Ingress')).toBe(false);
  });

  test('an empty podSelector selects every pod of the namespace', () => {
    const { can } = model([policy('deny-all', 'a', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
    expect(can('client', 'server', 8080)).toBe(false);
    expect(can('server', 'client', 8080)).toBe(false);
    expect(can('other', 'server', 8080)).toBe(false); // server's ingress
    expect(can('client', 'other', 8080)).toBe(false); // client's egress
  });

  test('policyTypes absent: Ingress only, unless the policy has egress rules', () => {
    const ingressOnly = model([policy('p', 'a', { podSelector: {}, egress: [] })]);
    expect(ingressOnly.can('client', 'server', 8080)).toBe(false);
    expect(ingressOnly.m.isIsolated(ingressOnly.w('client'), 'Egress')).toBe(false);
    expect(ingressOnly.can('client', 'other', 8080)).toBe(true);
    const withEgress = model([policy('p', 'a', { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] })]);
    expect(withEgress.m.isIsolated(withEgress.w('client'), 'Egress')).toBe(true);
    expect(withEgress.can('client', 'other', 8080)).toBe(false);
  });

  test('policyTypes [Egress] does not isolate ingress', () => {
    const { can } = model([policy('p', 'a', { podSelector: {}, policyTypes: ['Egress'] })]);
    expect(can('other', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 8080)).toBe(false);
  });

  test('both sides must allow: the caller\'s egress and the callee\'s ingress', () => {
    const egressOk = policy('client-out', 'a', { podSelector: { matchLabels: app('client') }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: app('server') } }] }] });
    const ingressDeny = policy('server-in', 'a', { podSelector: { matchLabels: app('server') }, policyTypes: ['Ingress'] });
    const { m, w } = model([egressOk, ingressDeny]);
    const v = m.check(w('client'), w('server'), 8080);
    expect(v).toEqual({ allowed: false, egress: { isolated: true, allowed: true, policies: ['a/client-out'] }, ingress: { isolated: true, allowed: false, policies: ['a/server-in'] } });
  });

  test('policies are additive: any policy that allows is enough', () => {
    const deny = policy('deny', 'a', { podSelector: {}, policyTypes: ['Ingress'] });
    const allow = policy('allow', 'a', { podSelector: { matchLabels: { tier: 'backend' } }, ingress: [{ from: [{ podSelector: { matchLabels: app('client') } }] }] });
    const { can } = model([deny, allow]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('server', 'client', 1)).toBe(false);
  });

  test('matchExpressions in the podSelector of the policy', () => {
    const p = policy('p', 'a', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, policyTypes: ['Ingress'] });
    const { can } = model([p]);
    expect(can('client', 'server', 8080)).toBe(false);
    expect(can('server', 'client', 8080)).toBe(true);
  });
});

describe('peers', () => {
  const serverIngress = (from: any[], ports?: any[]) => policy('server', 'a', {
    podSelector: { matchLabels: app('server') }, policyTypes: ['Ingress'], ingress: [{ from, ...(ports ? { ports } : {}) }],
  });

  test('podSelector alone: pods of the policy\'s namespace only', () => {
    const { can } = model([serverIngress([{ podSelector: {} }])]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('other', 'server', 8080)).toBe(false);
  });

  test('namespaceSelector alone: every pod of the selected namespaces', () => {
    const { can } = model([serverIngress([{ namespaceSelector: { matchLabels: { team: 'blue' } } }])]);
    expect(can('other', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 8080)).toBe(false);
  });

  test('an empty namespaceSelector selects every namespace', () => {
    const { can } = model([serverIngress([{ namespaceSelector: {} }])]);
    expect(can('other', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 8080)).toBe(true);
  });

  test('namespaceSelector + podSelector in ONE peer: an AND', () => {
    const { can } = model([serverIngress([{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: app('client') } }])]);
    expect(can('other', 'server', 8080)).toBe(false); // right namespace, wrong pods
    expect(can('client', 'server', 8080)).toBe(false); // right pods, wrong namespace
  });

  test('namespaceSelector and podSelector as TWO peers: an OR', () => {
    const { can } = model([serverIngress([{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: app('client') } }])]);
    expect(can('other', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 8080)).toBe(true);
  });

  test('namespaces are matched by kubernetes.io/metadata.name even without that label in the manifest', () => {
    const { can } = model([serverIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }])]);
    expect(can('other', 'server', 8080)).toBe(true);
  });

  test('namespaceSelector matchExpressions', () => {
    const { can } = model([serverIngress([{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['red'] }] } }])]);
    expect(can('other', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 8080)).toBe(false);
  });

  test('a namespace not in the output is known by its name only (unless told to assume its labels)', () => {
    const objects = base().filter((o) => !(o.kind === 'Namespace' && o.metadata.name === 'b'));
    const extra = [serverIngress([{ namespaceSelector: { matchLabels: { team: 'blue' } } }])];
    expect(model(extra, objects).can('other', 'server', 8080)).toBe(false);
    const optimistic = NetworkModel.fromObjects([...objects, ...extra], { assumeUnlistedNamespaceLabels: true });
    expect(optimistic.allowed(optimistic.workload('other')!, optimistic.workload('server')!, 8080)).toBe(true);
    // ... but the name label is still checked
    const byName = [serverIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'c', 'team': 'blue' } } }])];
    const o2 = NetworkModel.fromObjects([...objects, ...byName], { assumeUnlistedNamespaceLabels: true });
    expect(o2.allowed(o2.workload('other')!, o2.workload('server')!, 8080)).toBe(false);
  });

  test('a rule with no from (or an empty one) admits every source', () => {
    expect(model([serverIngress([])]).can('other', 'server', 8080)).toBe(true);
    const noFrom = policy('server', 'a', { podSelector: { matchLabels: app('server') }, ingress: [{ ports: [{ port: 8080 }] }] });
    expect(model([noFrom]).can('other', 'server', 8080)).toBe(true);
    expect(model([noFrom]).can('other', 'server', 9100)).toBe(false);
  });

  test('an ipBlock matches no pod, except one covering every address', () => {
    expect(model([serverIngress([{ ipBlock: { cidr: '10.0.0.0/8' } }])]).can('client', 'server', 8080)).toBe(false);
    expect(model([serverIngress([{ ipBlock: { cidr: '0.0.0.0/0' } }])]).can('client', 'server', 8080)).toBe(true);
  });

  test('optionally, an ipBlock overlapping a private range may hold pods (the lint\'s reading)', () => {
    const at = (cidr: string) => {
      const objects = [...base(), serverIngress([{ ipBlock: { cidr } }])];
      const m = NetworkModel.fromObjects(objects, { privateIpBlocksMatchPods: true });
      return m.allowed(m.workload('client')!, m.workload('server')!, 8080);
    };
    expect(at('10.244.0.0/16')).toBe(true);
    expect(at('172.20.0.0/16')).toBe(true);
    expect(at('192.168.1.0/24')).toBe(true);
    expect(at('100.96.0.0/11')).toBe(true);
    expect(at('8.0.0.0/7')).toBe(false);
    expect(at('172.32.0.0/16')).toBe(false);
    expect(at('203.0.113.0/24')).toBe(false);
    expect(at('fd00:10::/64')).toBe(true);
    expect(at('2001:db8::/32')).toBe(false);
    expect(model([serverIngress([{ ipBlock: { cidr: '10.244.0.0/16' } }])]).can('client', 'server', 8080)).toBe(false); // strict by default
  });

  test('a peer that selects nothing (invalid) matches nothing', () => {
    expect(model([serverIngress([{}])]).can('client', 'server', 8080)).toBe(false);
  });
});

describe('ports', () => {
  const serverIngress = (ports: any[]) => policy('server', 'a', {
    podSelector: { matchLabels: app('server') }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports }],
  });

  test('a number, TCP by default', () => {
    const { can } = model([serverIngress([{ port: 8080 }])]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 9100)).toBe(false);
    expect(can('client', 'server', 8080, 'UDP')).toBe(false);
  });

  test('a protocol without a port: every port of that protocol', () => {
    const { can } = model([serverIngress([{ protocol: 'UDP' }])]);
    expect(can('client', 'server', 5353, 'UDP')).toBe(true);
    expect(can('client', 'server', 8080)).toBe(false);
  });

  test('a range with endPort', () => {
    const { can } = model([serverIngress([{ port: 8000, endPort: 8100 }])]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('client', 'server', 9100)).toBe(false);
  });

  test('a named port resolves on the destination pod (ingress: the policy\'s own pod)', () => {
    const { can } = model([serverIngress([{ port: 'metrics' }])]);
    expect(can('client', 'server', 9100)).toBe(true);
    expect(can('client', 'server', 'metrics')).toBe(true);
    expect(can('client', 'server', 8080)).toBe(false);
    expect(can('client', 'server', 'nope')).toBe(false);
  });

  test('a named port in an egress rule resolves on the destination, not the caller', () => {
    const p = policy('client', 'a', { podSelector: { matchLabels: app('client') }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] });
    const { can } = model([p]);
    expect(can('client', 'server', 8080)).toBe(true);
    expect(can('client', 'other', 8080)).toBe(true);
    expect(can('client', 'server', 9100)).toBe(false);
  });

  test('the same name on another number does not match', () => {
    const objects = [...base(), deployment('alt', 'a', app('alt'), [{ name: 'http', port: 9000 }])];
    const p = policy('client', 'a', { podSelector: { matchLabels: app('client') }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    const { can } = model([p], objects);
    expect(can('client', 'alt', 9000)).toBe(true);
    expect(can('client', 'alt', 8080)).toBe(false);
  });
});

describe('workload kinds and Services', () => {
  test('every pod-bearing kind is a workload, by its pod template labels', () => {
    const kinds = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'];
    const objects = kinds.map((k) => workload(k, k.toLowerCase(), 'a', app(k.toLowerCase()), [{ port: 80 }]));
    const m = NetworkModel.fromObjects([...objects, policy('p', 'a', { podSelector: { matchLabels: app('cronjob') }, policyTypes: ['Ingress'] })]);
    expect(m.workloads.map((w) => w.id)).toEqual(kinds.map((k) => `a/${k}/${k.toLowerCase()}`).sort());
    expect(m.isIsolated(m.workload('cronjob')!, 'Ingress')).toBe(true);
    expect(m.isIsolated(m.workload('job')!, 'Ingress')).toBe(false);
  });

  test('objects without a namespace are in default', () => {
    const d = deployment('x', 'default', app('x'));
    delete d.metadata.namespace;
    const m = NetworkModel.fromObjects([d]);
    expect(m.workload('default/x')?.id).toBe('default/Deployment/x');
  });

  test('Service ports resolve to target ports, named ones on each backend', () => {
    const objects = [
      deployment('v1', 'a', { app: 'api', version: 'v1' }, [{ name: 'http', port: 8080 }]),
      deployment('v2', 'a', { app: 'api', version: 'v2' }, [{ name: 'http', port: 9090 }]),
      service('api', 'a', { app: 'api' }, [{ port: 80, targetPort: 'http' }, { port: 81 }]),
      service('external', 'a', undefined, [{ port: 80 }]),
      service('db', 'a', { app: 'api' }, [{ port: 5432 }], { clusterIP: 'None' }),
    ];
    const m = NetworkModel.fromObjects(objects);
    const api = m.service('a', 'api')!;
    expect(m.backendsOf(api).map((w) => w.name)).toEqual(['v1', 'v2']);
    expect(m.targetsOf(api, 80).map((t) => [t.workload.name, t.port])).toEqual([['v1', 8080], ['v2', 9090]]);
    expect(m.targetsOf(api, 81).map((t) => [t.workload.name, t.port])).toEqual([['v1', 81], ['v2', 81]]);
    expect(m.targetsOf(api, 82)).toEqual([]);
    expect(m.backendsOf(m.service('a', 'external')!)).toEqual([]);
    // one port number, two protocols (DNS): a target per protocol
    const dns = NetworkModel.fromObjects([deployment('dns', 'a', app('dns'), [{ port: 53, protocol: 'UDP' }, { port: 53 }]), service('dns', 'a', app('dns'), [{ name: 'udp', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53 }])]);
    expect(dns.targetsOf(dns.service('a', 'dns')!, 53).map((t) => `${t.port}/${t.protocol}`)).toEqual(['53/UDP', '53/TCP']);
    // headless: the client connects to the pod port it names
    expect(m.targetsOf(m.service('a', 'db')!, 8080).map((t) => t.port)).toEqual([8080, 8080]);
  });
});

test('the allowed matrix lists every allowed caller, callee and declared port', () => {
  const { m } = model([
    policy('deny', 'a', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('client', 'a', { podSelector: { matchLabels: app('client') }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: app('server') } }], ports: [{ port: 'http' }] }] }),
    policy('server', 'a', { podSelector: { matchLabels: app('server') }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: app('client') } }, { namespaceSelector: { matchLabels: { team: 'blue' } } }] }] }),
  ]);
  expect(m.allowedMatrix()).toEqual([
    { from: 'a/Deployment/client', to: 'a/Deployment/server', port: 8080, protocol: 'TCP' },
    // other (namespace b, no policy) may reach server on every port server's ingress allows
    { from: 'b/Deployment/other', to: 'a/Deployment/server', port: 5353, protocol: 'UDP' },
    { from: 'b/Deployment/other', to: 'a/Deployment/server', port: 8080, protocol: 'TCP' },
    { from: 'b/Deployment/other', to: 'a/Deployment/server', port: 9100, protocol: 'TCP' },
    { from: 'b/Deployment/other', to: 'b/Deployment/other', port: 8080, protocol: 'TCP' },
  ]);
});

test('egress to an address: an ipBlock or a rule without peers on the port', () => {
  const m = (egress: any[]) => {
    const n = NetworkModel.fromObjects([...base(), policy('c', 'a', { podSelector: { matchLabels: app('client') }, policyTypes: ['Egress'], egress })]);
    return n.egressToAddress(n.workload('client')!, [443, 6443]).allowed;
  };
  expect(m([])).toBe(false);
  expect(m([{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 6443 }] }])).toBe(true);
  expect(m([{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 5432 }] }])).toBe(false);
  expect(m([{ ports: [{ port: 443 }] }])).toBe(true);
  expect(m([{ to: [{ namespaceSelector: {} }], ports: [{ port: 443 }] }])).toBe(false);
  const open = NetworkModel.fromObjects(base());
  expect(open.egressToAddress(open.workload('client')!, [443]).allowed).toBe(true);
});

describe('red team (issue 16): sidecar ports, health ports and peering in the library output', () => {
  const IMAGE = 'ghcr.io/acme/web:1.0.0';
  function libraryModel() {
    const c = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const web = new SecureApp(c, 'web', {
      image: IMAGE,
      sidecars: [{ name: 'proxy', image: IMAGE, healthCheck: HealthCheck.tcp(), ports: [{ name: 'admin', port: 9901, servicePort: 19901, ingressFrom: [NetworkPeer.namespace('ops')] }] }],
    });
    const worker = new Worker(c, 'consumer', { image: IMAGE, healthCheck: HealthCheck.http('/healthz', { port: 8081, liveness: HealthCheck.tcp({ port: 8081 }) }) });
    const single = new StatefulApp(c, 'cache', { image: IMAGE, peering: false });
    const cluster = new StatefulApp(c, 'db', { image: IMAGE, replicas: 3 });
    const objects = [...Testing.synth(c), namespace('shop'), namespace('ops'), deployment('tool', 'ops', app('tool')), deployment('client', 'shop', app('client'))];
    const m = NetworkModel.fromObjects(objects);
    const w = (name: string) => m.workload(name)!;
    return { m, can: (from: string, to: string, port: number | string) => m.allowed(w(from), w(to), port, 'TCP'), web: web.deployment.name, worker: worker.deployment.name, single: single.statefulSet.name, cluster: cluster.statefulSet.name };
  }

  test('a sidecar port: the named port resolves on the sidecar, the Service port maps to it, and only its declared peers reach it', () => {
    const { m, can, web } = libraryModel();
    expect(can('tool', web, 'admin')).toBe(true);
    expect(can('tool', web, 9901)).toBe(true);
    expect(can('tool', web, 8080)).toBe(false); // the main port keeps its own peers (the app's namespace)
    expect(can('client', web, 9901)).toBe(false);
    expect(can('client', web, 8080)).toBe(true);
    const service = m.service('shop', m.workload(web)!.name)!;
    expect(m.targetsOf(service, 19901).map((t) => t.port)).toEqual([9901]);
  });

  test('a Worker\'s health port takes no connection; peering off leaves a StatefulApp\'s pods unable to reach each other, on leaves them able', () => {
    const { can, worker, single, cluster } = libraryModel();
    expect(can('client', worker, 8081)).toBe(false);
    expect(can('tool', worker, 8081)).toBe(false);
    expect(can(single, single, 8080)).toBe(false);
    expect(can('client', single, 8080)).toBe(true);
    expect(can(cluster, cluster, 8080)).toBe(true);
  });
});
