import { Testing } from 'cdk8s';
import { buildSockShop } from '../examples/sock-shop/app';
import { EncryptedConfig, HardenedChart, PolicyPack, SecureApp, StatefulApp, Worker } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { acknowledgementLines, checkerErrors, checkerTest, strayApiObjects, withJsonPatchCount } from './helpers/example';
import { check } from './policy-helpers';

/**
 * Sock Shop (microservices-demo/microservices-demo, deploy/kubernetes/complete-demo.yaml at
 * 9dff06fae4981921caec6a62393a6ebfce4b3e3f) ported with no escape hatch. The expected values
 * below are read from the original manifest, not from the port.
 */

function build() {
  const app = Testing.app();
  const chart = buildSockShop(app);
  const objects: any[] = Testing.synth(chart);
  return { app, chart, objects };
}

const LIBRARY_CONSTRUCTS = [SecureApp, StatefulApp, Worker, EncryptedConfig];

/** The original's containers: image, container ports and env names (complete-demo.yaml). */
const ORIGINAL_CONTAINERS: { [workload: string]: { [container: string]: { image: string; ports: number[]; env: string[] } } } = {
  'carts': { carts: { image: 'weaveworksdemos/carts:0.4.8', ports: [80], env: ['JAVA_OPTS'] } },
  'carts-db': { 'carts-db': { image: 'mongo', ports: [27017], env: [] } },
  'catalogue': { catalogue: { image: 'weaveworksdemos/catalogue:0.3.5', ports: [80], env: [] } },
  'catalogue-db': { 'catalogue-db': { image: 'weaveworksdemos/catalogue-db:0.3.0', ports: [3306], env: ['MYSQL_DATABASE', 'MYSQL_ROOT_PASSWORD'] } },
  'front-end': { 'front-end': { image: 'weaveworksdemos/front-end:0.3.12', ports: [8079], env: ['SESSION_REDIS'] } },
  'orders': { orders: { image: 'weaveworksdemos/orders:0.4.7', ports: [80], env: ['JAVA_OPTS'] } },
  'orders-db': { 'orders-db': { image: 'mongo', ports: [27017], env: [] } },
  'payment': { payment: { image: 'weaveworksdemos/payment:0.4.3', ports: [80], env: [] } },
  'queue-master': { 'queue-master': { image: 'weaveworksdemos/queue-master:0.3.1', ports: [80], env: ['JAVA_OPTS'] } },
  'rabbitmq': {
    'rabbitmq': { image: 'rabbitmq:3.6.8-management', ports: [5672, 15672], env: [] },
    'rabbitmq-exporter': { image: 'kbudde/rabbitmq-exporter', ports: [9090], env: [] },
  },
  'session-db': { 'session-db': { image: 'redis:alpine', ports: [6379], env: [] } },
  'shipping': { shipping: { image: 'weaveworksdemos/shipping:0.4.8', ports: [80], env: ['JAVA_OPTS', 'ZIPKIN'] } },
  'user': { user: { image: 'weaveworksdemos/user:0.4.7', ports: [80], env: ['mongo'] } },
  'user-db': { 'user-db': { image: 'weaveworksdemos/user-db:0.3.0', ports: [27017], env: [] } },
};

/** The original's Services: name -> port -> target port. */
const ORIGINAL_SERVICES: { [name: string]: { [port: number]: number } } = {
  'carts': { 80: 80 },
  'carts-db': { 27017: 27017 },
  'catalogue': { 80: 80 },
  'catalogue-db': { 3306: 3306 },
  'front-end': { 80: 8079 },
  'orders': { 80: 80 },
  'orders-db': { 27017: 27017 },
  'payment': { 80: 80 },
  'queue-master': { 80: 80 },
  'rabbitmq': { 5672: 5672, 9090: 9090 },
  'session-db': { 6379: 6379 },
  'shipping': { 80: 80 },
  'user': { 80: 80 },
  'user-db': { 27017: 27017 },
};

/** Every call the original makes, and no other (front-end's api/ endpoints, the services' DSNs and Spring configuration). */
const ORIGINAL_CALLS = [
  'carts -> carts-db 27017',
  'catalogue -> catalogue-db 3306',
  'front-end -> carts 80',
  'front-end -> catalogue 80',
  'front-end -> orders 80',
  'front-end -> session-db 6379',
  'front-end -> user 80',
  'orders -> carts 80',
  'orders -> orders-db 27017',
  'orders -> payment 80',
  'orders -> shipping 80',
  'orders -> user 80',
  'queue-master -> rabbitmq 5672',
  'shipping -> rabbitmq 5672',
  'user -> user-db 27017',
];

/** The services that listen on port 80 as uid 10001 (the original adds NET_BIND_SERVICE to each). */
const PORT_80_SERVICES = ['carts', 'catalogue', 'orders', 'payment', 'queue-master', 'shipping', 'user'];

/** The services with one HTTP health endpoint (front-end: /, the others /health). */
const ONE_ENDPOINT_SERVICES = [...PORT_80_SERVICES, 'front-end'];

describe('examples/sock-shop: Sock Shop ported with no escape hatch', () => {
  // The whole build and synth, with ApiObject.prototype.addJsonPatch counted while it runs.
  const { result: { app, chart, objects }, jsonPatches } = withJsonPatchCount(build);
  const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
  const podSpec = (name: string) => workloads.find((o) => o.metadata.name === name)?.spec.template.spec;

  test('no JSON patch and no raw ApiObject: every object belongs to a library construct', () => {
    expect(jsonPatches).toBe(0);
    expect(strayApiObjects(app, chart, LIBRARY_CONSTRUCTS)).toEqual([]);
    expect(chart).toBeInstanceOf(HardenedChart);
  });

  test('no acknowledgement: every container has honest probes', () => {
    const acks = acknowledgementLines(chart);
    expect(acks).toEqual([]);
  });

  test('NET_BIND_SERVICE on the seven services that listen on 80 as uid 10001, and nowhere else', () => {
    const adding = workloads.flatMap((w) => w.spec.template.spec.containers
      .filter((c: any) => c.securityContext.capabilities.add)
      .map((c: any) => `${w.metadata.name}/${c.name} ${c.securityContext.capabilities.add.join(',')} uid ${w.spec.template.spec.securityContext.runAsUser} port ${c.ports[0].containerPort}`));
    expect(adding.sort()).toEqual(PORT_80_SERVICES.map((n) => `${n}/${n} NET_BIND_SERVICE uid 10001 port 80`));
    for (const w of workloads) for (const c of w.spec.template.spec.containers) expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(chart.policyReport().findings.filter((f: any) => f.ruleId === 'HARDENED-CTR-003')).toEqual([]);
  });

  test('HTTP readiness with TCP liveness where an image has one health endpoint; the exporter sidecar on its own port', () => {
    for (const name of ONE_ENDPOINT_SERVICES) {
      const c = podSpec(name).containers[0];
      expect([name, c.readinessProbe.httpGet.path, c.livenessProbe.tcpSocket]).toEqual([name, name === 'front-end' ? '/' : '/health', { port: 'http' }]);
    }
    const [main, exporter] = podSpec('rabbitmq').containers;
    expect(main.ports).toEqual([{ name: 'rabbitmq', containerPort: 5672, protocol: 'TCP' }]);
    expect(exporter.ports).toEqual([{ name: 'exporter', containerPort: 9090, protocol: 'TCP' }]);
    expect(exporter.readinessProbe.httpGet).toEqual({ path: '/', port: 'exporter', scheme: 'HTTP' });
    expect(exporter.livenessProbe.tcpSocket).toEqual({ port: 'exporter' });
    expect(objects.find((o) => o.kind === 'ServiceMonitor').spec.endpoints[0].port).toBe('exporter');
  });

  test('the original\'s images (tags kept, untagged ones pinned), container ports and env names', () => {
    const found: typeof ORIGINAL_CONTAINERS = {};
    for (const w of workloads) {
      found[w.metadata.name] = {};
      for (const c of w.spec.template.spec.containers) {
        found[w.metadata.name][c.name] = {
          image: c.image.replace(/^(mongo):3\.4\.24$/, '$1').replace(/^(kbudde\/rabbitmq-exporter):v0\.29\.0$/, '$1'),
          ports: (c.ports ?? []).map((p: any) => p.containerPort).sort((a: number, b: number) => a - b),
          env: (c.env ?? []).map((e: any) => e.name).sort(),
        };
      }
    }
    // The management UI's 15672 is not declared (nothing in the app calls it; the exporter reaches
    // it on localhost).
    const expected = JSON.parse(JSON.stringify(ORIGINAL_CONTAINERS));
    expected.rabbitmq.rabbitmq.ports = [5672];
    expect(found).toEqual(expected);
    expect(podSpec('carts-db').containers[0].image).toBe('mongo:3.4.24');
  });

  test('the original\'s Service names and ports, so the services still find each other by DNS', () => {
    const services: typeof ORIGINAL_SERVICES = {};
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      services[s.metadata.name] = {};
      for (const p of s.spec.ports) {
        const target = typeof p.targetPort === 'number' ? p.targetPort
          : podSpec(s.metadata.name).containers.flatMap((c: any) => c.ports ?? []).find((cp: any) => cp.name === p.targetPort)?.containerPort;
        services[s.metadata.name][p.port] = target;
      }
    }
    expect(services).toEqual(ORIGINAL_SERVICES);
    expect(objects.filter((o) => o.kind === 'Service').every((s) => (s.spec.type ?? 'ClusterIP') === 'ClusterIP')).toBe(true);
  });

  test('no plaintext credential in env: the MySQL root password comes from the sealed Secret', () => {
    const env = podSpec('catalogue-db').containers[0].env;
    expect(env.find((e: any) => e.name === 'MYSQL_ROOT_PASSWORD')).toEqual({
      name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'catalogue-db-credentials', key: 'MYSQL_ROOT_PASSWORD' } },
    });
    expect(JSON.stringify(objects)).not.toContain('fake_password');
    expect(objects.find((o) => o.kind === 'SealedSecret').spec.encryptedData.MYSQL_ROOT_PASSWORD).toMatch(/^Ag/);
    // Pre-sealed: a second synth writes the same bytes, so GitOps diffs stay quiet.
    expect(build().objects).toEqual(objects);
  });

  test('the databases are StatefulSets with a volume per replica; front-end is published by an Ingress', () => {
    const sts = objects.filter((o) => o.kind === 'StatefulSet');
    expect(sts.map((s) => [s.metadata.name, s.spec.volumeClaimTemplates.length])).toEqual([
      ['carts-db', 1], ['orders-db', 1], ['user-db', 1], ['catalogue-db', 1],
    ]);
    const ingress = objects.find((o) => o.kind === 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'front-end', port: { number: 80 } });
  });

  test('no workload takes ingress from the whole namespace: only declared callers, the ingress controller and Prometheus', () => {
    const open = objects.filter((o) => o.kind === 'NetworkPolicy' && (o.spec.ingress ?? []).some((r: any) => (r.from ?? []).some((p: any) => p.podSelector && Object.keys(p.podSelector).length === 0 && !p.namespaceSelector)));
    expect(open.map((o) => o.metadata.name)).toEqual([]);
  });

  test('the allowed matrix between its workloads: exactly the original\'s calls', () => {
    const m = NetworkModel.fromObjects(objects);
    const short = (ref: string) => ref.replace(/^sock-shop\/(Deployment|StatefulSet)\//, '');
    // The single-replica databases have peering off, so no database may reach itself.
    expect(m.allowedMatrix().map((c) => `${short(c.from)} -> ${short(c.to)} ${c.port}`).sort()).toEqual([...ORIGINAL_CALLS].sort());
  });

  test('the connectivity lint passes, and the gate reports no error', () => {
    const findings = check(objects, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId.startsWith('HARDENED-NET-01'));
    expect(findings).toEqual([]);
    const report = chart.policyReport();
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
  });

  checkerTest('the independent checker (../shared/checks/run.sh): no error', () => {
    expect(checkerErrors(objects, 'sock-shop')).toEqual([]);
  }, 120_000);
});
