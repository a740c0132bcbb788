import { Testing } from 'cdk8s';
import { buildEmojivoto } from '../examples/emojivoto/app';
import { HardenedChart, PolicyPack, SecureApp, Worker } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { acknowledgementLines, checkerErrors, checkerTest, strayApiObjects, withJsonPatchCount } from './helpers/example';
import { schemaErrors } from './helpers/k8s';
import { check } from './policy-helpers';

/**
 * Emojivoto (BuoyantIO/emojivoto, kustomize/deployment/ at
 * e490d5789086e75933a474b22f9723fbfa0b29ba) ported with no escape hatch. The expected values
 * below are read from the original manifests, not from the port.
 */

function build() {
  const app = Testing.app();
  const chart = buildEmojivoto(app);
  const objects: any[] = Testing.synth(chart);
  return { app, chart, objects };
}

const LIBRARY_CONSTRUCTS = [SecureApp, Worker];

/**
 * The original's containers, by container name (emoji.yml, voting.yml, web.yml, vote-bot.yml):
 * image, command, container ports and env (names and values: the values are the DNS names and
 * ports the services find each other by).
 */
const ORIGINAL_CONTAINERS: { [container: string]: { image: string; command?: string[]; ports: number[]; env: { [name: string]: string } } } = {
  'emoji-svc': { image: 'docker.l5d.io/buoyantio/emojivoto-emoji-svc:v11', ports: [8080, 8801], env: { GRPC_PORT: '8080', PROM_PORT: '8801' } },
  'voting-svc': { image: 'docker.l5d.io/buoyantio/emojivoto-voting-svc:v11', ports: [8080, 8801], env: { GRPC_PORT: '8080', PROM_PORT: '8801' } },
  'web-svc': {
    image: 'docker.l5d.io/buoyantio/emojivoto-web:v11',
    ports: [8080],
    env: { WEB_PORT: '8080', EMOJISVC_HOST: 'emoji-svc.emojivoto:8080', VOTINGSVC_HOST: 'voting-svc.emojivoto:8080', INDEX_BUNDLE: 'dist/index_bundle.js' },
  },
  'vote-bot': { image: 'docker.l5d.io/buoyantio/emojivoto-web:v11', command: ['emojivoto-vote-bot'], ports: [], env: { WEB_HOST: 'web-svc.emojivoto:80' } },
};

/** The original's Services: name -> port -> target port (all ClusterIP). */
const ORIGINAL_SERVICES: { [name: string]: { [port: number]: number } } = {
  'emoji-svc': { 8080: 8080, 8801: 8801 },
  'voting-svc': { 8080: 8080, 8801: 8801 },
  'web-svc': { 80: 8080 },
};

/** The original's Service port names (Linkerd and dashboards read them). */
const ORIGINAL_SERVICE_PORT_NAMES: { [name: string]: string[] } = {
  'emoji-svc': ['grpc', 'prom'],
  'voting-svc': ['grpc', 'prom'],
  'web-svc': ['http'],
};

/** The original's Deployments: name -> ServiceAccount and container (the Services are named apart: `emoji-svc` in front of `emoji`). */
const ORIGINAL_DEPLOYMENTS: { [name: string]: { serviceAccount: string; container: string } } = {
  'emoji': { serviceAccount: 'emoji', container: 'emoji-svc' },
  'voting': { serviceAccount: 'voting', container: 'voting-svc' },
  'web': { serviceAccount: 'web', container: 'web-svc' },
  'vote-bot': { serviceAccount: 'vote-bot', container: 'vote-bot' },
};

/** The Deployment behind each of the original's Services. */
const ORIGINAL_BACKENDS: { [service: string]: string } = { 'emoji-svc': 'emoji', 'voting-svc': 'voting', 'web-svc': 'web' };

/** Every call the original makes, and no other (Deployment to Deployment, pod ports): web's EMOJISVC_HOST and VOTINGSVC_HOST, vote-bot's WEB_HOST. */
const ORIGINAL_CALLS = [
  'vote-bot -> web 8080',
  'web -> emoji 8080',
  'web -> voting 8080',
];

const PROMETHEUS_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };
const INGRESS_NGINX_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } };
/** The pods of a workload of the app: `app.kubernetes.io/instance` is the Deployment's name, `app.kubernetes.io/name` the container's. */
const appPeer = (instance: string, name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'emojivoto' } }, podSelector: { matchLabels: { 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/name': name } } });

describe('examples/emojivoto: Emojivoto ported with no escape hatch', () => {
  // The whole build and synth, with ApiObject.prototype.addJsonPatch counted while it runs.
  const { result: { app, chart, objects }, jsonPatches } = withJsonPatchCount(build);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const podSpec = (name: string) => deployments.find((o) => o.metadata.name === name)?.spec.template.spec;
  const policy = (name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name).spec;

  test('no JSON patch and no raw ApiObject: every object belongs to a library construct', () => {
    expect(jsonPatches).toBe(0);
    expect(strayApiObjects(app, chart, LIBRARY_CONSTRUCTS)).toEqual([]);
    expect(chart).toBeInstanceOf(HardenedChart);
  });

  test('no acknowledgement: every workload meets every rule', () => {
    const acks = acknowledgementLines(chart);
    expect(acks).toEqual([]);
  });

  test('the original\'s Deployment, ServiceAccount and container names', () => {
    expect(Object.fromEntries(deployments.map((d) => [d.metadata.name, {
      serviceAccount: d.spec.template.spec.serviceAccountName, container: d.spec.template.spec.containers[0].name,
    }]))).toEqual(ORIGINAL_DEPLOYMENTS);
    expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name).sort()).toEqual(['emoji', 'vote-bot', 'voting', 'web']);
  });

  test('the original\'s images, command, container ports and env (names and values)', () => {
    const found: typeof ORIGINAL_CONTAINERS = {};
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        found[c.name] = {
          image: c.image,
          ...(c.command ? { command: c.command } : {}),
          ports: (c.ports ?? []).map((p: any) => p.containerPort).sort((a: number, b: number) => a - b),
          env: Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value])),
        };
      }
    }
    expect(found).toEqual(ORIGINAL_CONTAINERS);
    // The original's pod labels are kept (beside the library's app.kubernetes.io/* labels).
    expect(Object.fromEntries(deployments.map((d) => [d.metadata.name, [d.spec.template.metadata.labels.app, d.spec.template.metadata.labels.version]]))).toEqual({
      'emoji': ['emoji-svc', 'v11'], 'voting': ['voting-svc', 'v11'], 'web': ['web-svc', 'v11'], 'vote-bot': ['vote-bot', 'v11'],
    });
    // One container per pod, as the original.
    expect(deployments.map((d) => d.spec.template.spec.containers.length)).toEqual([1, 1, 1, 1]);
  });

  test('the original\'s Service names and ports, so the services still find each other by DNS', () => {
    const services: typeof ORIGINAL_SERVICES = {};
    const backends: { [service: string]: string } = {};
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      // The Deployment the Service selects (by its selector, not by name).
      const selected = deployments.filter((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(selected).toHaveLength(1);
      backends[s.metadata.name] = selected[0].metadata.name;
      services[s.metadata.name] = {};
      for (const p of s.spec.ports) {
        const target = typeof p.targetPort === 'number' ? p.targetPort
          : selected[0].spec.template.spec.containers.flatMap((c: any) => c.ports ?? []).find((cp: any) => cp.name === p.targetPort)?.containerPort;
        services[s.metadata.name][p.port] = target;
      }
    }
    expect(services).toEqual(ORIGINAL_SERVICES);
    expect(backends).toEqual(ORIGINAL_BACKENDS);
    expect(objects.filter((o) => o.kind === 'Service').every((s) => s.spec.type === 'ClusterIP')).toBe(true);
    // The ports keep their names (Linkerd and clients see "grpc", dashboards "prom"); web's stays "http".
    expect(Object.fromEntries(objects.filter((o) => o.kind === 'Service').map((s) => [s.metadata.name, s.spec.ports.map((p: any) => p.name)]))).toEqual(ORIGINAL_SERVICE_PORT_NAMES);
  });

  test('vote-bot is a Worker: no Service, no container port, no ingress at all; one bot as the original', () => {
    const bot = deployments.find((d) => d.metadata.name === 'vote-bot');
    expect(bot.spec.replicas).toBe(1);
    expect(bot.spec.template.spec.containers[0].ports).toBeUndefined();
    expect(objects.filter((o) => o.metadata.name === 'vote-bot').map((o) => o.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount']);
    expect(policy('vote-bot').policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy('vote-bot').ingress).toBeUndefined();
  });

  test('voting keeps its votes in memory: exactly one replica and no autoscaler; emoji and web autoscale', () => {
    expect(deployments.find((d) => d.metadata.name === 'voting').spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name).sort()).toEqual(['emoji', 'web']);
  });

  test('honest probes: the gRPC services are called for real (they register no grpc.health.v1), liveness is a different check', () => {
    const probes = (name: string) => {
      const c = podSpec(name).containers[0];
      return { readiness: c.readinessProbe, liveness: c.livenessProbe };
    };
    for (const [name, method] of [['emoji', 'emojivoto.v1.EmojiService/ListAll'], ['voting', 'emojivoto.v1.VotingService/Results']]) {
      const { readiness, liveness } = probes(name);
      expect(readiness.grpc).toBeUndefined();
      expect(readiness.exec.command.join(' ')).toContain(`--http2-prior-knowledge`);
      expect(readiness.exec.command.join(' ')).toContain(`http://127.0.0.1:8080/${method} `);
      // Liveness: the kubelet GETs the process's own metrics endpoint, on the port declared as "prom" (8801).
      expect(liveness.exec).toBeUndefined();
      expect(liveness.httpGet).toEqual({ path: '/metrics', port: 'prom', scheme: 'HTTP' });
      expect(podSpec(name).containers[0].ports).toContainEqual({ name: 'prom', containerPort: 8801, protocol: 'TCP' });
    }
    expect(probes('web').readiness.httpGet).toEqual({ path: '/api/list', port: 'http', scheme: 'HTTP' });
    expect(probes('web').liveness.httpGet).toEqual({ path: '/', port: 'http', scheme: 'HTTP' });
    // vote-bot: ready while web answers, alive while its vote loop writes (state kept in its /tmp).
    const bot = probes('vote-bot');
    expect(bot.readiness.exec.command).toEqual(['sh', '-c', 'curl -sf --max-time 1 -o /dev/null "http://$WEB_HOST/api/list"']);
    expect(bot.liveness.exec.command[2]).toContain('/proc/1/io');
    expect(bot.liveness.periodSeconds).toBe(20);
    expect(podSpec('vote-bot').containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp']);
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      expect(c.readinessProbe).not.toEqual(c.livenessProbe);
    }
  });

  test('metrics: the prom port 8801 is scraped by a ServiceMonitor, and only Prometheus may reach it', () => {
    for (const name of ['emoji', 'voting']) {
      const monitor = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === name);
      expect(monitor.spec.endpoints).toEqual([{ path: '/metrics', port: 'prom', scheme: 'http' }]);
      expect(policy(name).ingress).toEqual([
        { from: [PROMETHEUS_PEER], ports: [{ port: 8801, protocol: 'TCP' }] },
        { from: [appPeer('web', 'web-svc')], ports: [{ port: 8080, protocol: 'TCP' }] },
      ]);
    }
    expect(objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor').map((o) => o.metadata.name).sort()).toEqual(['emoji', 'voting']);
  });

  test('web-svc is published by an Ingress, reached only by the ingress controller and vote-bot', () => {
    const ingress = objects.find((o) => o.kind === 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].host).toBe('emojivoto.example.com');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'web-svc', port: { number: 80 } });
    expect(policy('web').ingress).toEqual([
      { from: [INGRESS_NGINX_PEER], ports: [{ port: 8080, protocol: 'TCP' }] },
      { from: [appPeer('vote-bot', 'vote-bot')], ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  test('the allowed matrix between its workloads: exactly the original\'s calls', () => {
    const m = NetworkModel.fromObjects(objects);
    const short = (ref: string) => ref.replace(/^emojivoto\/Deployment\//, '');
    expect(m.allowedMatrix().map((c) => `${short(c.from)} -> ${short(c.to)} ${c.port}`).sort()).toEqual(ORIGINAL_CALLS);
  });

  test('the connectivity lint passes, the gate reports no error, the objects validate against the Kubernetes schemas', () => {
    const findings = check(objects, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId.startsWith('HARDENED-NET-01'));
    expect(findings).toEqual([]);
    const report = chart.policyReport();
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  checkerTest('the independent checker (../shared/checks/run.sh): no error', () => {
    expect(checkerErrors(objects, 'emojivoto')).toEqual([]);
  }, 120_000);
});
