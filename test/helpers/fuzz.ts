/*
 * Property-based testing of every construct and option struct with a seeded generator: each case
 * builds one construct from a valid base with some props (or nested struct fields) replaced by
 * edge values or values of the wrong type, the way a JavaScript caller, a jsii language or a
 * generated config could pass them. Every case must end in one of two ways:
 * - refused: the library's error (construct path, "invalid <prop> <value>", ". Fix: ") at
 *   construct time, or a policy gate's report at synth;
 * - accepted: the YAML synthesizes, passes the policy gate (a HardenedChart), and every object
 *   passes the Kubernetes schemas and the API server's name, label and namespace rules.
 * Anything else is a failure: an internal error (a TypeError, a serializer error, any message
 * without a fix) or an accepted object the API server would refuse.
 * Used by test/fuzz.test.ts (a few hundred cases) and scripts/fuzz.ts (`npm run fuzz`).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import * as yaml from 'yaml';
import {
  BatchJob, EncryptedConfig, HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, SealingCertificate, SecretType, SecureApp, SharedService, SpawnedPods,
  StatefulApp, Subject, Worker, WorkloadClass, WorkloadPriorityClasses, RoleRules, PodFailureRule, PolicyPack, SealingError,
} from '../../src';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../../src/hardening/validation';

/** Outcomes of a case. */
export type Outcome = 'refused clearly' | 'accepted valid' | 'internal error' | 'accepted invalid';

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Values of the wrong type or out of range, for any prop. */
function garbage(r: R): unknown {
  const g: Array<() => unknown> = [
    () => null, () => NaN, () => Infinity, () => -Infinity, () => -1, () => 0, () => 1.5, () => 2 ** 53, () => '', () => ' ', () => 'x',
    () => 'a'.repeat(64), () => 'a'.repeat(300), () => 'Bad_Name!', () => '../etc', () => '\u0000', () => true, () => false, () => 'yes',
    () => [], () => [null], () => [1, 'a'], () => ['a'.repeat(70)], () => ({}), () => ({ x: 1 }), () => new Date(0), () => new Map([['a', 'b']]),
    () => Buffer.from('abc'), () => new String('web'), () => (() => 1), () => Object.create(null), () => Duration.seconds(NaN),
    () => ({ toSeconds: () => NaN, toMilliseconds: () => NaN }), () => Symbol('s'), () => BigInt(10), () => [undefined, undefined],
  ];
  return pick(r, g)();
}

type Gen = (r: R) => unknown;
const oneOf = (...xs: unknown[]): Gen => (r) => pick(r, xs);
const IMAGE = 'registry.example.com/web:1.2.3';

const NAME = oneOf('web', 'api-2', 'a'.repeat(52), 'a'.repeat(53), 'a'.repeat(63), 'a'.repeat(64), 'Web', 'web-', '1web', 'web.v2');
const PORT = oneOf(8080, 80, 1, 65535, 0, 65536, 9090);
const QTY = oneOf('128Mi', '1Gi', '250m', '0', '-1', '1e3', 'lots', '1.5Gi');
const PATH = oneOf('/tmp', '/var/cache/app', '/', 'tmp', '/a/../b', '/a//b', '/data');
const PEERS = (r: R) => pick(r, [[NetworkPeer.sameNamespace()], [NetworkPeer.namespace('monitoring')], [NetworkPeer.ipBlock('10.0.0.0/8')], []]);

/** Replaces some fields of `base` (an object of generators) by generated or garbage values. */
function structOf(fields: Record<string, Gen>, base: Record<string, unknown> = {}): Gen {
  const entries = Object.entries(fields);
  const rate = Math.min(0.4, 2 / entries.length); // about two fields changed per struct
  return (r) => {
    const out: Record<string, unknown> = { ...base };
    for (const [k, gen] of entries) {
      const x = r() / rate;
      if (x >= 1) continue;
      if (x < 0.7) out[k] = gen(r);
      else if (x < 0.9) out[k] = garbage(r);
      else out[k] = undefined;
    }
    return out;
  };
}
const arrayOf = (item: Gen, max = 3): Gen => (r) => Array.from({ length: Math.floor(r() * (max + 1)) }, () => (r() < 0.1 ? garbage(r) : item(r)));
const mapOf = (value: Gen, keys: string[]): Gen => (r) => Object.fromEntries(keys.filter(() => r() < 0.5).map((k) => [k, r() < 0.1 ? garbage(r) : value(r)]));

const RESOURCES = structOf({
  cpu: structOf({ request: QTY, limit: QTY }, { request: '100m', limit: '500m' }),
  memory: structOf({ request: QTY, limit: QTY }, { request: '128Mi', limit: '256Mi' }),
  ephemeralStorage: structOf({ request: QTY, limit: QTY }, { request: '64Mi', limit: '1Gi' }),
});
const CONTAINER = structOf({
  name: NAME, image: oneOf(IMAGE, 'busybox:1.36', 'nginx'), command: arrayOf(oneOf('sh', '-c', 'true')), args: arrayOf(oneOf('--x', '')),
  env: mapOf(oneOf('1', ''), ['LEVEL', 'API_TOKEN', 'bad name']), resources: RESOURCES, writablePaths: arrayOf(PATH),
  healthCheck: oneOf(HealthCheck.exec(['true']), HealthCheck.tcp()), mountApiToken: oneOf(true, false),
}, { name: 'helper', image: 'busybox:1.36' });

const WORKLOAD: Record<string, Gen> = {
  image: oneOf(IMAGE, 'nginx', 'nginx:latest', `r.example.com/a@sha256:${'a'.repeat(64)}`, '', 'UPPER/x:1'),
  name: NAME,
  command: arrayOf(oneOf('/app', '')), args: arrayOf(oneOf('--port=8080', '')),
  env: mapOf(oneOf('info', '', 'x'.repeat(100)), ['LOG_LEVEL', 'DB_PASSWORD', 'lower', '1BAD']),
  resources: RESOURCES,
  writablePaths: arrayOf(PATH),
  writablePathSizeLimit: QTY,
  workloadClass: oneOf(WorkloadClass.CRITICAL, WorkloadClass.STANDARD, WorkloadClass.BATCH),
  priorityClassName: oneOf('high', 'Bad_Class', 'a'.repeat(254)),
  runAsUser: oneOf(10000, 65532, 0, 9999, 2147483648),
  runAsGroup: oneOf(10000, 65532, 0),
  egressTo: PEERS,
  initContainers: arrayOf(CONTAINER, 2),
  sidecars: arrayOf(CONTAINER, 2),
  nativeSidecars: oneOf(true, false),
};
const METRICS = structOf({ port: PORT, path: oneOf('/metrics', 'metrics', ''), scraper: oneOf(NetworkPeer.namespace('monitoring')), monitorLabels: mapOf(oneOf('prom', 'Bad Value'), ['release', 'bad key!']) },
  { port: 9100, scraper: NetworkPeer.namespace('monitoring') });
const WORKLOAD_PORT = structOf({ name: oneOf('http', 'grpc', 'a'.repeat(16), 'HTTP'), port: PORT, servicePort: PORT, protocol: oneOf('TCP', 'UDP', 'SCTP', 'ICMP'), appProtocol: oneOf('http', ''), ingressFrom: PEERS },
  { name: 'http', port: 8080 });
const SERVING: Record<string, Gen> = {
  port: PORT, servicePort: PORT,
  ports: arrayOf(WORKLOAD_PORT, 2),
  serviceType: oneOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
  externalAccess: structOf({ reason: oneOf('public API for partners', 'x'), clientRanges: arrayOf(oneOf('203.0.113.0/24', '0.0.0.0/0', 'nope')) }, { reason: 'public API for partners', clientRanges: ['203.0.113.0/24'] }),
  healthCheck: oneOf(HealthCheck.tcp(), HealthCheck.http('/ready'), HealthCheck.exec(['true'])),
  replicas: oneOf(1, 2, 0, 3, 10001),
  storage: arrayOf(structOf({ mountPath: PATH, size: QTY, storageClassName: oneOf('fast', 'Bad'), accessMode: oneOf('ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod', 'ReadOnlyMany', 'WriteOnly'), name: NAME },
    { mountPath: '/data', size: '1Gi' }), 2),
  ingressFrom: PEERS,
  metrics: METRICS,
};
const AUTOSCALING = structOf({
  enabled: oneOf(true, false), minReplicas: oneOf(1, 2, 0, 5), maxReplicas: oneOf(1, 3, 10, 100), cpuTargetUtilizationPercent: oneOf(50, 0, 101),
  memoryTargetUtilizationPercent: oneOf(80, 0), scaleDownStabilizationSeconds: oneOf(0, 300, 3601),
});
const DURATION = oneOf(Duration.seconds(30), Duration.minutes(5), Duration.hours(2), Duration.days(400), Duration.seconds(5), Duration.millis(1500));

/** One fuzzed construct: its name and how to build it in a chart with `props`. */
export interface Target {
  readonly name: string;
  /** Props (or options) of one case. */
  props(r: R): unknown;
  /** Builds the construct (and whatever it needs) in `chart`. */
  build(chart: Chart, props: any): void;
  /** The chart: a HardenedChart (with the gate) unless the target needs otherwise. */
  chart?(app: App, r: R): Chart;
}

let certificate: SealingCertificate | undefined;
function cert(): SealingCertificate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  certificate ??= SealingCertificate.fromPem(require('./keys').controllerCertificate().pem);
  return certificate;
}

const withFields = (fields: Record<string, Gen>, base: Record<string, unknown>): ((r: R) => unknown) => {
  const s = structOf(fields, base);
  return (r) => (r() < 0.03 ? garbage(r) : s(r));
};

/** Every construct and option struct under test. */
export const TARGETS: Target[] = [
  {
    name: 'SecureApp',
    props: withFields({ ...WORKLOAD, ...SERVING, autoscaling: AUTOSCALING }, { image: IMAGE }),
    build: (c, p) => new SecureApp(c, 'web', p),
  },
  {
    name: 'StatefulApp',
    props: withFields({ ...WORKLOAD, ...SERVING, persistentVolumeClaimRetentionPolicy: structOf({ whenDeleted: oneOf('Retain', 'Delete', 'Keep'), whenScaled: oneOf('Retain', 'Delete') }),
      podManagementPolicy: oneOf('OrderedReady', 'Parallel', 'Random') }, { image: IMAGE, storage: [{ mountPath: '/data', size: '1Gi' }] }),
    build: (c, p) => new StatefulApp(c, 'db', p),
  },
  {
    name: 'Worker',
    props: withFields({ ...WORKLOAD, healthCheck: oneOf(HealthCheck.exec(['true']), HealthCheck.tcp()), autoscaling: AUTOSCALING, replicas: oneOf(1, 2, 0), metrics: METRICS },
      { image: IMAGE, healthCheck: HealthCheck.exec(['true']) }),
    build: (c, p) => new Worker(c, 'worker', p),
  },
  {
    name: 'BatchJob',
    props: withFields({
      ...WORKLOAD, schedule: oneOf('0 3 * * *', '@daily', '61 * * * *', '', '* * *'), timeZone: oneOf('Europe/Paris', 'Mars/Base', ''),
      concurrencyPolicy: oneOf('Forbid', 'Allow', 'Replace', 'Sometimes'), startingDeadline: DURATION, successfulJobsHistoryLimit: oneOf(0, 3, 101),
      failedJobsHistoryLimit: oneOf(1, -1), suspend: oneOf(true, false), backoffLimit: oneOf(0, 3, 1001), activeDeadline: DURATION, ttlAfterFinished: DURATION,
      restartPolicy: oneOf('Never', 'OnFailure', 'Always'), parallelism: oneOf(1, 2, 0), completions: oneOf(1, 3, 0), completionMode: oneOf('NonIndexed', 'Indexed', 'Sorted'),
      podFailurePolicy: arrayOf((r) => pick(r, [PodFailureRule.failJobOnExitCodes([42]), PodFailureRule.ignoreDisruptions()]), 2),
    }, { image: IMAGE }),
    build: (c, p) => new BatchJob(c, 'report', p),
  },
  {
    name: 'SharedService',
    props: withFields({
      name: NAME,
      ports: arrayOf(structOf({ name: oneOf('http', 'grpc', 'HTTP'), port: PORT, protocol: oneOf('TCP', 'UDP', 'X'), appProtocol: oneOf('http', '') }, { name: 'http', port: 80 }), 2),
    }, { ports: [{ name: 'http', port: 80 }] }),
    build: (c, p) => {
      const s = new SharedService(c, 'shared', p);
      if (s.name) s.addMember?.(new SecureApp(c, 'member', { image: IMAGE }));
    },
  },
  {
    name: 'SpawnedPods',
    props: withFields({
      selector: mapOf(oneOf('singleuser-server', 'Bad Value', 'a'.repeat(64), ''), ['component', 'bad key!', 'app']),
      reason: oneOf('KubeSpawner creates one pod per user', 'short', ''),
      ports: arrayOf(WORKLOAD_PORT, 2),
      name: NAME,
    }, { selector: { component: 'singleuser-server' }, ports: [{ name: 'http', port: 8888 }] }),
    build: (c, p) => {
      const hub = new SecureApp(c, 'hub', { image: IMAGE });
      const users = new SpawnedPods(c, 'users', p && typeof p === 'object' && !Array.isArray(p) ? { spawnedBy: hub, ...p } : p);
      if (users.port !== undefined) {
        hub.connections.allowTo(users);
        users.connections.allowTo(hub);
      }
    },
  },
  {
    name: 'NamespaceRole',
    props: withFields({
      rules: (r) => pick(r, [RoleRules.readConfigMaps('web-config'), [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
        [{ apiGroups: oneOf([''], ['apps'], [], ['*'], [1])(r), resources: oneOf(['pods'], ['secrets'], [''], ['nodes'])(r), verbs: oneOf(['get'], ['*'], ['fly'], [])(r), resourceNames: oneOf(undefined, ['x'], [''])(r) }]]),
      subjects: (r) => pick(r, [[Subject.group('devs')], [Subject.user('jane@example.com')], [Subject.group('system:masters')], [Subject.user(' ')], []]),
      namespace: oneOf('shop', 'Bad_Namespace!', 'a'.repeat(64)),
      name: oneOf('reader', 'a'.repeat(63), 'a'.repeat(64), `${'a'.repeat(60)}.example`, 'Bad_Name'),
      acknowledge: arrayOf(structOf({ ruleId: oneOf('HARDENED-RBAC-SECRETS', 'NOPE'), reason: oneOf('the operator needs it', 'short') }), 1),
    }, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], subjects: [Subject.group('devs')] }),
    build: (c, p) => new NamespaceRole(c, 'reader', p),
  },
  {
    name: 'EncryptedConfig',
    props: withFields({
      name: NAME, namespace: oneOf('shop', 'Bad_Namespace!', 'a'.repeat(64)), scope: oneOf('strict', 'namespace-wide', 'cluster-wide', 'global'),
      values: mapOf(oneOf('s3cret', '', 'AgB'.repeat(40)), ['password', 'tls.crt', 'tls.key', 'bad key!', 'username']),
      binaryValues: mapOf(oneOf('aGVsbG8=', 'not base64!', Buffer.from('x')), ['blob', 'ssh-privatekey']),
      sealedValues: mapOf(oneOf('AgB' + 'A'.repeat(400), 'plain'), ['sealed']),
      type: (r) => pick(r, [SecretType.OPAQUE, SecretType.TLS, SecretType.BASIC_AUTH, SecretType.of('example.com/x'), SecretType.of(5 as unknown as string), SecretType.of('')]),
      labels: mapOf(oneOf('a', 'Bad Value', 'a'.repeat(64)), ['team', 'bad key!']),
      annotations: mapOf(oneOf('anything at all', ''), ['note', 'bad key!']),
      immutable: oneOf(true, false, 'yes'),
    }, { values: { password: 's3cret' }, certificate: undefined }),
    build: (c, p) => new EncryptedConfig(c, 'db', p && typeof p === 'object' && !Array.isArray(p) && !('certificate' in p && p.certificate !== undefined) ? { ...p, certificate: cert() } : p),
  },
  {
    name: 'HardenedChart',
    props: withFields({
      namespace: oneOf('shop', 'Bad_Namespace!', 'a'.repeat(64)), labels: mapOf(oneOf('a', 'Bad Value'), ['team', 'bad key!']), disableResourceNameHashes: oneOf(true, false),
      createNamespace: oneOf(true, false), podSecurityVersion: oneOf('v1.28', 'latest', 'v2', '1.28'), quota: mapOf(oneOf('10', '1Gi', 'lots'), ['requests.cpu', 'pods']),
      limitRange: structOf({ defaultRequest: mapOf(oneOf('100m', 'x'), ['cpu']), max: mapOf(oneOf('2', '1Gi'), ['cpu', 'memory']) }),
      policyPacks: arrayOf(oneOf(PolicyPack.WORKLOAD, PolicyPack.RBAC), 2), printWarnings: oneOf(false),
    }, { namespace: 'shop', printWarnings: false }),
    chart: (app) => new Chart(app, 'holder'),
    build: (c, p) => {
      const hc = new HardenedChart(c, 'hardened', p);
      new SecureApp(hc, 'web', { image: IMAGE });
    },
  },
  {
    name: 'WorkloadPriorityClasses',
    props: () => ({}),
    build: (c) => new WorkloadPriorityClasses(c, 'classes'),
  },
  {
    name: 'ConnectionOptions',
    props: withFields({ port: PORT, portName: oneOf('http', 'metrics', 'nope', 'HTTP') }, {}),
    build: (c, p) => {
      const web = new SecureApp(c, 'web', { image: IMAGE });
      const api = new SecureApp(c, 'api', { image: IMAGE });
      web.connections.allowTo(api, p);
    },
  },
  {
    name: 'IngressExposureOptions',
    props: withFields({
      host: oneOf('shop.example.com', '*.example.com', 'Bad_Host', '', 'a'.repeat(254)), path: oneOf('/', '/api', 'api', ''), className: oneOf('nginx', 'Bad_Class'),
      tlsSecretName: oneOf('shop-tls', 'Bad_Name'), controller: oneOf(NetworkPeer.namespace('ingress-nginx')),
    }, { host: 'shop.example.com', controller: NetworkPeer.namespace('ingress-nginx') }),
    build: (c, p) => new SecureApp(c, 'web', { image: IMAGE }).exposeViaIngress(p),
  },
  {
    name: 'HttpRouteExposureOptions',
    props: withFields({
      gateway: structOf({ name: oneOf('public', 'Bad_Gw'), namespace: oneOf('gateways', 'Bad_Ns'), sectionName: oneOf('https', '') }, { name: 'public' }),
      hostnames: arrayOf(oneOf('shop.example.com', 'Bad_Host', '')), path: oneOf('/', 'x'), controller: oneOf(NetworkPeer.namespace('gateways')),
    }, { gateway: { name: 'public', namespace: 'gateways' }, hostnames: ['shop.example.com'], controller: NetworkPeer.namespace('gateways') }),
    build: (c, p) => new SecureApp(c, 'web', { image: IMAGE }).exposeViaHttpRoute(p),
  },
  {
    name: 'NetworkPeer',
    props: withFields({
      factory: oneOf('pods', 'namespace', 'namespaces', 'ipBlock', 'apiServer', 'sameNamespace', 'allNamespaces'),
      arg: oneOf({ app: 'x' }, 'monitoring', '10.0.0.0/8', '203.0.113.7:6443', 'Bad_Ns', { 'bad key!': 'x' }, '::1/128'),
      options: structOf({ ports: arrayOf(PORT), protocol: oneOf('TCP', 'ICMP'), namespace: oneOf('shop', 'Bad_Ns'), except: arrayOf(oneOf('10.1.0.0/16', 'x')) }),
      use: oneOf('ingressFrom', 'egressTo'),
    }, { factory: 'pods', arg: { app: 'x' }, options: {}, use: 'egressTo' }),
    build: (c, p) => {
      if (typeof p?.factory !== 'string' || typeof (NetworkPeer as any)[p.factory] !== 'function') p = { ...(p && typeof p === 'object' ? p : {}), factory: 'pods' };
      const make = (NetworkPeer as any)[p.factory];
      const peer = ['sameNamespace', 'allNamespaces'].includes(p.factory) ? make.call(NetworkPeer, p.options) : make.call(NetworkPeer, p.arg, p.options);
      new SecureApp(c, 'web', { image: IMAGE, [p.use === 'ingressFrom' ? 'ingressFrom' : 'egressTo']: [peer] });
    },
  },
  {
    name: 'HealthCheck',
    props: withFields({
      factory: oneOf('http', 'tcp', 'exec'),
      arg: oneOf('/ready', 'ready', ['true'], [], '', ['a'.repeat(10)]),
      options: structOf({
        startupProbe: oneOf(true, false), startupTimeoutSeconds: oneOf(60, 0, 1e9), periodSeconds: oneOf(10, 0, -1), timeoutSeconds: oneOf(1, 100, 0),
        livenessPath: oneOf('/healthz', 'healthz'), https: oneOf(true, false), livenessCommand: arrayOf(oneOf('true', '')),
      }),
    }, { factory: 'tcp', arg: '/ready', options: {} }),
    build: (c, p) => {
      if (typeof p?.factory !== 'string' || typeof (HealthCheck as any)[p.factory] !== 'function') p = { ...(p && typeof p === 'object' ? p : {}), factory: 'tcp' };
      const make = (HealthCheck as any)[p.factory];
      const hc = p.factory === 'tcp' ? make.call(HealthCheck, p.options) : make.call(HealthCheck, p.arg, p.options);
      new SecureApp(c, 'web', { image: IMAGE, healthCheck: hc });
    },
  },
];

/** The chart of a case: mostly a HardenedChart (with the gate); sometimes a plain Chart, with a bad namespace now and then. */
function chartFor(app: App, r: R, t: Target): Chart {
  if (t.chart) return t.chart(app, r);
  const x = r();
  if (x < 0.75) return new HardenedChart(app, 'shop', { namespace: 'shop', printWarnings: false });
  return new Chart(app, 'shop', { namespace: pick(r, ['shop', 'shop', 'Bad_Namespace!', 'a'.repeat(64), undefined as unknown as string]) });
}

/** Whether `e` is the library's error: path, "invalid <prop> <value>: <problem>. Fix: <fix>." or a gate's report. */
export function isLibraryError(e: unknown): boolean {
  if (!(e instanceof Error) || (e.constructor !== Error && !(e instanceof SealingError))) return false;
  const m = e.message;
  if (/^Validation failed with the following errors:/.test(m)) return /(policy gate of|HARDENED-[A-Z]+-\d+|invalid .* Fix: )/.test(m);
  return /^[^\n]*: (invalid [^\n]*|[^\n]*) Fix: [^]+\.$/.test(m) || /Fix: /.test(m) && /^[\w./-]+: /.test(m);
}

/** The API server's rules this library's output must meet (names, labels, namespaces). */
export function apiServerProblems(objects: any[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const md = o?.metadata ?? {};
    const where = `${o?.kind}/${md.name}`;
    const nameOk = ['Namespace', 'Service', 'NetworkPolicy'].includes(o?.kind) ? isDnsLabel(md.name ?? '') : isDnsSubdomain(md.name ?? '');
    if (!nameOk) out.push(`${where}: metadata.name is not a valid ${o?.kind} name`);
    if (o?.kind === 'CronJob' && String(md.name).length > 52) out.push(`${where}: a CronJob name has at most 52 characters`);
    if (md.namespace !== undefined && !isDnsLabel(md.namespace)) out.push(`${where}: metadata.namespace ${JSON.stringify(md.namespace)} is not a DNS-1123 label`);
    const labelSets = [md.labels, o?.spec?.template?.metadata?.labels, o?.spec?.jobTemplate?.spec?.template?.metadata?.labels, o?.spec?.selector?.matchLabels];
    for (const labels of labelSets) {
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (!isLabelKey(k) || typeof v !== 'string' || !isLabelValue(v)) out.push(`${where}: label ${k}=${JSON.stringify(v)} is not valid`);
      }
    }
    for (const k of Object.keys(md.annotations ?? {})) if (!isLabelKey(k)) out.push(`${where}: annotation key ${JSON.stringify(k)} is not valid`);
    if (o?.kind === 'SealedSecret' && o.spec?.template?.immutable !== undefined && typeof o.spec.template.immutable !== 'boolean') out.push(`${where}: immutable is not a boolean`);
    if (o?.kind === 'SealedSecret' && o.spec?.template?.type !== undefined && typeof o.spec.template.type !== 'string') out.push(`${where}: type is not a string`);
  }
  return out;
}

/** The result of one case. */
export interface CaseResult {
  readonly target: string;
  readonly outcome: Outcome;
  /** The error message, or the problems of an accepted-invalid case. */
  readonly detail?: string;
  /** The synthesized objects of an accepted case (for schema validation). */
  readonly objects?: any[];
}

/** Runs one case of `target` with seed `seed`. */
export function runCase(target: Target, seed: number): CaseResult {
  const r = rng(seed);
  const app = new App();
  let yamlText: string;
  try {
    const chart = chartFor(app, r, target);
    target.build(chart, target.props(r));
  } catch (e) {
    return { target: target.name, outcome: isLibraryError(e) ? 'refused clearly' : 'internal error', detail: describe(e) };
  }
  try {
    yamlText = app.synthYaml();
  } catch (e) {
    return { target: target.name, outcome: isLibraryError(e) ? 'refused clearly' : 'internal error', detail: describe(e) };
  }
  const objects = yaml.parseAllDocuments(yamlText).map((d) => d.toJSON()).filter((o) => o);
  const problems = apiServerProblems(objects);
  if (problems.length) return { target: target.name, outcome: 'accepted invalid', detail: problems.join('; '), objects };
  return { target: target.name, outcome: 'accepted valid', objects };
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const at = isLibraryError(e) ? '' : ` (${(e.stack ?? '').split('\n').find((l) => l.includes('/src/'))?.trim() ?? ''})`;
    return `${e.constructor.name}: ${e.message.split('\n').slice(0, 3).join(' | ').slice(0, 400)}${at}`;
  }
  return String(e);
}

/** Schema errors of the accepted cases (one validator process for all); accepted-valid cases with errors become accepted-invalid. */
export function withSchemaValidation(results: CaseResult[]): CaseResult[] {
  const accepted = results.map((x, i) => [x, i] as const).filter(([x]) => x.outcome === 'accepted valid');
  const out = [...results];
  for (let start = 0; start < accepted.length; start += 500) {
    const chunk = accepted.slice(start, start + 500);
    const res = spawnSync(process.execPath, [path.join(__dirname, 'validate-schema.mjs')], {
      input: JSON.stringify({ cases: chunk.map(([x]) => x.objects) }), encoding: 'utf8', maxBuffer: 1 << 28,
    });
    if (res.status !== 0) throw new Error(`schema validator failed: ${res.stderr}`);
    const errors: string[][] = JSON.parse(res.stdout);
    chunk.forEach(([x, i], j) => {
      if (errors[j].length) out[i] = { ...x, outcome: 'accepted invalid', detail: errors[j].join('; ') };
    });
  }
  return out.map(({ objects: _, ...rest }) => rest);
}

/** Runs `perTarget` cases of every target from `seed`; returns the results (schema-validated). */
export function fuzz(perTarget: number, seed: number, targets: Target[] = TARGETS): CaseResult[] {
  const results: CaseResult[] = [];
  // The gates' warnings (printed to stderr) are not what this measures.
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    targets.forEach((t, ti) => {
      for (let i = 0; i < perTarget; i++) results.push(runCase(t, seed + ti * 1_000_003 + i * 7919));
    });
  } finally {
    process.stderr.write = write;
  }
  return withSchemaValidation(results);
}

/** Counts per target and outcome. */
export function tally(results: CaseResult[]): Record<string, Record<Outcome, number>> {
  const t: Record<string, Record<Outcome, number>> = {};
  for (const x of results) {
    t[x.target] ??= { 'refused clearly': 0, 'accepted valid': 0, 'internal error': 0, 'accepted invalid': 0 };
    t[x.target][x.outcome]++;
  }
  return t;
}
