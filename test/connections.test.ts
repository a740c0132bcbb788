import { App, Chart, Testing } from 'cdk8s';
import {
  BatchJob, HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, PolicyPack, RoleRules, SecureApp, SharedService, StatefulApp, Subject, Worker,
} from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { one, schemaErrors } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/app:1.0.0';
const exec = HealthCheck.exec(['/app/health'], { livenessCommand: ['/app/alive'] });
const matrix = (objects: any[]) => NetworkModel.fromObjects(objects).allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`);
const policy = (objects: any[], name: string) => one(objects, 'NetworkPolicy', name).spec;

/**
 * A shop of five workloads whose calls go both ways (web ⇄ api, api ⇄ orders over gRPC), and
 * whose callers are defined before their callees: every connection is declared after
 * construction, some from the caller's side (allowTo) and some from the callee's (allowFrom).
 */
function shop(opts: { skip?: string } = {}) {
  const app = new App();
  const chart = new HardenedChart(app, 'shop', { namespace: 'shop', policyPacks: [PolicyPack.NETWORK] });
  const web = new SecureApp(chart, 'web', { name: 'web', image: IMAGE, port: 8080, env: { API_URL: 'http://api:9090/v1' } });
  const report = new BatchJob(chart, 'report', { name: 'report', image: IMAGE, schedule: '0 3 * * *', env: { API_URL: 'http://api.shop.svc.cluster.local:9090/r' } });
  const events = new Worker(chart, 'events', { name: 'events', image: IMAGE, healthCheck: exec, env: { ORDERS_ADDR: 'orders.shop:50051' } });
  const api = new SecureApp(chart, 'api', {
    name: 'api', image: IMAGE, port: 9090, env: { ORDERS_URL: 'grpc://orders:50051', WEB_CALLBACK_URL: 'http://web:8080/hooks' },
  });
  const orders = new SecureApp(chart, 'orders', {
    name: 'orders', image: IMAGE,
    ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'grpc', port: 50051, appProtocol: 'grpc' }],
    env: { API_URL: 'http://api.shop:9090/v1' },
  });
  const calls: [string, () => void][] = [
    ['web->api', () => web.connections.allowTo(api)],
    ['api->web', () => web.connections.allowFrom(api)],
    ['api->orders', () => api.connections.allowTo(orders, { portName: 'grpc' })],
    ['orders->api', () => api.connections.allowFrom(orders)],
    ['report->api', () => report.connections.allowTo(api, { port: 9090 })],
    ['events->orders', () => orders.connections.allowFrom(events, { portName: 'grpc' })],
  ];
  for (const [name, call] of calls) if (name !== opts.skip) call();
  return { app, chart, web, api, orders, report, events };
}

describe('connections: one call opens both sides, in any order', () => {
  test('the allowed matrix is exactly the declared calls, each on the port named', () => {
    const { chart } = shop();
    expect(matrix(Testing.synth(chart))).toEqual([
      'shop/CronJob/report -> shop/Deployment/api 9090/TCP',
      'shop/Deployment/api -> shop/Deployment/orders 50051/TCP',
      'shop/Deployment/api -> shop/Deployment/web 8080/TCP',
      'shop/Deployment/events -> shop/Deployment/orders 50051/TCP',
      'shop/Deployment/orders -> shop/Deployment/api 9090/TCP',
      'shop/Deployment/web -> shop/Deployment/api 9090/TCP',
    ]);
  });

  test('the caller\'s egress and the callee\'s ingress name each other\'s pods on that port', () => {
    const objects = Testing.synth(shop().chart);
    const apiPeer = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } };
    expect(policy(objects, 'web').egress).toContainEqual({ to: [apiPeer], ports: [{ port: 9090, protocol: 'TCP' }] });
    const webPeer = { ...apiPeer, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } } };
    expect(policy(objects, 'api').ingress).toContainEqual({ from: [webPeer], ports: [{ port: 9090, protocol: 'TCP' }] });
    // the gRPC call opens only the gRPC port of orders, not its main port
    expect(policy(objects, 'api').egress).toContainEqual({ to: [{ ...apiPeer, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/instance': 'orders' } } }], ports: [{ port: 50051, protocol: 'TCP' }] });
  });

  test('the same call declared from both sides renders one rule per side', () => {
    const { chart, web, api } = shop();
    api.connections.allowFrom(web);
    web.connections.allowTo(api, { port: 9090 });
    const objects = Testing.synth(chart);
    expect(policy(objects, 'web').egress.filter((r: any) => r.ports?.[0]?.port === 9090)).toHaveLength(1);
    expect(policy(objects, 'api').ingress.filter((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/instance'] === 'web')).toHaveLength(1);
  });

  test('the lint fails the synth for a blocked call, and passes once the connection is declared', () => {
    const broken = shop({ skip: 'orders->api' });
    expect(() => broken.app.synth()).toThrow(/HARDENED-NET-010[\s\S]*env API_URL of container "orders"[\s\S]*fix: orders\.connections\.allowTo\(api, \{ port: 9090 \}\)/);
    const fixed = shop({ skip: 'orders->api' });
    fixed.orders.connections.allowTo(fixed.api, { port: 9090 }); // the line the finding suggests
    expect(() => Testing.synth(fixed.chart)).not.toThrow();
  });

  test('calls into another namespace select it by kubernetes.io/metadata.name', () => {
    const app = Testing.app();
    const payments = new Chart(app, 'payments', { namespace: 'payments' });
    const shopChart = new Chart(app, 'shop', { namespace: 'shop' });
    const pay = new SecureApp(payments, 'pay', { name: 'pay', image: IMAGE, port: 7000 });
    const web = new SecureApp(shopChart, 'web', { name: 'web', image: IMAGE });
    web.connections.allowTo(pay);
    const objects = app.charts.flatMap((c) => Testing.synth(c));
    expect(policy(objects, 'web').egress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pay', 'app.kubernetes.io/instance': 'pay' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } } }],
      ports: [{ port: 7000, protocol: 'TCP' }],
    });
    expect(matrix(objects)).toContain('shop/Deployment/web -> payments/Deployment/pay 7000/TCP');
  });
});

describe('connections: peers', () => {
  const build = () => {
    const chart = Testing.chart();
    return { chart, app: new SecureApp(chart, 'app', { name: 'app', image: IMAGE, ports: [{ name: 'http', port: 8080 }, { name: 'webhook', port: 9443 }] }) };
  };

  test('namespaces by labels, every namespace, pods by labels, IP blocks', () => {
    const { chart, app } = build();
    app.connections.allowFrom(NetworkPeer.namespaces({ 'team': 'payments' }));
    app.connections.allowFrom(NetworkPeer.allNamespaces(), { portName: 'webhook' });
    app.connections.allowTo(NetworkPeer.pods({ 'app.kubernetes.io/name': 'cache' }), { port: 6379 });
    app.connections.allowTo(NetworkPeer.ipBlock('203.0.113.0/24', { ports: [443] }));
    const spec = policy(Testing.synth(chart), 'app');
    expect(spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { team: 'payments' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(spec.ingress).toContainEqual({ from: [{ namespaceSelector: {} }], ports: [{ port: 9443, protocol: 'TCP' }] });
    expect(spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cache' } } }], ports: [{ port: 6379, protocol: 'TCP' }] });
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] });
  });

  test('NetworkPeer.apiServer: the endpoint address on 443 and 6443', () => {
    const { chart, app } = build();
    app.connections.allowTo(NetworkPeer.apiServer('10.0.0.10'));
    app.connections.allowTo(NetworkPeer.apiServer('fd00::1', { ports: [6443] }));
    const spec = policy(Testing.synth(chart), 'app');
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] });
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: 'fd00::1/128' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
  });

  test('a role-bound app passes HARDENED-NET-011 once it reaches the API server with NetworkPeer.apiServer', () => {
    const build2 = (open: boolean) => {
      const chart = new HardenedChart(new App(), 'shop', { namespace: 'shop', policyPacks: [PolicyPack.NETWORK] });
      const web = new SecureApp(chart, 'web', { name: 'web', image: IMAGE });
      new NamespaceRole(chart, 'reader', { rules: RoleRules.readConfigMaps('settings'), subjects: [Subject.fromApp(web)] });
      if (open) web.connections.allowTo(NetworkPeer.apiServer('10.0.0.10'));
      return chart;
    };
    expect(() => Testing.synth(build2(false))).toThrow(/HARDENED-NET-011[\s\S]*fix: web\.connections\.allowTo\(NetworkPeer\.apiServer\('<API server endpoint address>'\)\)/);
    expect(() => Testing.synth(build2(true))).not.toThrow();
  });

  test('a SharedService: several versions behind one label set, each member\'s ingress opens (members added later too)', () => {
    const chart = Testing.chart();
    const v1 = new SecureApp(chart, 'reviews-v1', { name: 'reviews-v1', image: IMAGE, ports: [{ name: 'http', port: 9080 }] });
    const v2 = new SecureApp(chart, 'reviews-v2', { name: 'reviews-v2', image: IMAGE, ports: [{ name: 'http', port: 9081 }] });
    const reviews = new SharedService(chart, 'reviews', { name: 'reviews', ports: [{ name: 'http', port: 9080 }], members: [v1] });
    const page = new SecureApp(chart, 'page', { name: 'page', image: IMAGE });
    page.connections.allowTo(reviews);
    reviews.addMember(v2);
    const objects = Testing.synth(chart);
    expect(policy(objects, 'page').egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'service.hardened.cdk8s.io/reviews': 'member' } } }], ports: [{ port: 'http', protocol: 'TCP' }] });
    for (const name of ['reviews-v1', 'reviews-v2']) {
      expect(policy(objects, name).ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'page', 'app.kubernetes.io/instance': 'page' } } }], ports: [{ port: 'http', protocol: 'TCP' }] });
    }
    expect(matrix(objects).filter((c) => c.startsWith('default/Deployment/page'))).toEqual([
      'default/Deployment/page -> default/Deployment/reviews-v1 9080/TCP',
      'default/Deployment/page -> default/Deployment/reviews-v2 9081/TCP',
    ]);
  });

  test('ingressFrom / egressTo props keep working beside connections', () => {
    const chart = Testing.chart();
    const app = new SecureApp(chart, 'app', { name: 'app', image: IMAGE, ingressFrom: [NetworkPeer.namespace('edge')], egressTo: [NetworkPeer.ipBlock('198.51.100.0/24', { ports: [5432] })] });
    app.connections.allowTo(NetworkPeer.ipBlock('203.0.113.0/24', { ports: [443] }));
    const spec = policy(Testing.synth(chart), 'app');
    expect(spec.ingress[0]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(spec.egress.map((r: any) => r.to[0].ipBlock?.cidr).filter(Boolean)).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
  });
});

describe('connections: nonsense is refused at call time, naming path, prop, value and fix', () => {
  const chart = () => Testing.chart();
  test('allowTo a Worker (it serves no port)', () => {
    const c = chart();
    const worker = new Worker(c, 'events', { image: IMAGE, healthCheck: exec });
    const web = new SecureApp(c, 'web', { image: IMAGE });
    expect(() => web.connections.allowTo(worker)).toThrow(/^test\/web: invalid connections\.allowTo "test\/events": the callee serves no port.*Fix: connect the other way round/);
  });
  test('allowFrom on a BatchJob', () => {
    const c = chart();
    const job = new BatchJob(c, 'job', { image: IMAGE });
    expect(() => job.connections.allowFrom(NetworkPeer.sameNamespace())).toThrow(/test\/job: invalid connections\.allowFrom "test\/job": the callee serves no port/);
  });
  test('a port the callee does not declare', () => {
    const c = chart();
    const api = new SecureApp(c, 'api', { image: IMAGE, port: 9090 });
    const web = new SecureApp(c, 'web', { image: IMAGE });
    expect(() => web.connections.allowTo(api, { port: 80 })).toThrow(/test\/web: invalid connections\.allowTo port 80: test\/api does not listen on it \(its ports: http \(9090\/TCP\)\)\. Fix: give one of its container ports \(not a Service port\)/);
    expect(() => web.connections.allowTo(api, { portName: 'grpc' })).toThrow(/invalid connections\.allowTo portName "grpc": test\/api has no port of that name/);
    expect(() => web.connections.allowTo(api, { port: 9090, portName: 'http' })).toThrow(/both port and portName are given/);
  });
  test('a peer with egress ports in allowFrom, and something that is not a peer', () => {
    const c = chart();
    const api = new SecureApp(c, 'api', { image: IMAGE });
    expect(() => api.connections.allowFrom(NetworkPeer.namespace('x', { ports: [80] }))).toThrow(/invalid connections\.allowFrom "namespace x": the peer's `ports` apply to egress only/);
    expect(() => api.connections.allowTo({} as any)).toThrow(/invalid connections\.allowTo .*not a network peer/);
  });
  test('bad peers', () => {
    const c = chart();
    const api = new SecureApp(c, 'api', { image: IMAGE });
    expect(() => api.connections.allowFrom(NetworkPeer.namespaces({}))).toThrow(/invalid NetworkPeer\.namespaces \{\}: an empty label set selects every namespace\. Fix: .*NetworkPeer\.allNamespaces\(\)/);
    expect(() => api.connections.allowTo(NetworkPeer.apiServer('kubernetes.default'))).toThrow(/invalid NetworkPeer\.apiServer "kubernetes\.default": not an IP address or CIDR/);
  });
});

test('a StatefulApp is a peer and has connections too; objects validate', () => {
  const chart = Testing.chart();
  const db = new StatefulApp(chart, 'db', { name: 'db', image: IMAGE, ports: [{ name: 'tcp-postgres', port: 5432 }] });
  const api = new SecureApp(chart, 'api', { name: 'api', image: IMAGE });
  api.connections.allowTo(db);
  const objects = Testing.synth(chart);
  expect(matrix(objects)).toContain('default/Deployment/api -> default/StatefulSet/db 5432/TCP');
  expect(schemaErrors(objects)).toEqual([]);
});

test('a SharedService call names one of its ports', () => {
  const chart = Testing.chart();
  const v1 = new SecureApp(chart, 'v1', { name: 'v1', image: IMAGE, ports: [{ name: 'http', port: 9080 }, { name: 'grpc', port: 9090 }] });
  const svc = new SharedService(chart, 'svc', { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 90 }], members: [v1] });
  const caller = new SecureApp(chart, 'caller', { image: IMAGE });
  expect(() => caller.connections.allowTo(svc, { port: 9080 })).toThrow(/test\/caller: invalid connections\.allowTo port 9080: test\/svc has no such Service port \(its ports: http \(80\/TCP\), grpc \(90\/TCP\)\)/);
  caller.connections.allowTo(svc, { port: 90 });
  expect(policy(Testing.synth(chart), 'v1').ingress).toContainEqual(expect.objectContaining({ ports: [{ port: 'grpc', protocol: 'TCP' }] }));
});
