import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { buildPodinfo } from '../examples/podinfo/app';
import { BatchJob, EncryptedConfig, HardenedChart, PolicyPack, SecureApp, StatefulApp, Worker } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { acknowledgementLines, checkerErrors, checkerTest, strayApiObjects, withJsonPatchCount } from './helpers/example';
import { podSpec as podSpecOf, schemaErrors } from './helpers/k8s';
import { check } from './policy-helpers';

/**
 * podinfo (stefanprodan/podinfo at eec06d1ea459af4cb4e10e806f8be7c7bd58b361: deploy/overlays/production
 * over deploy/bases/{backend,frontend,cache,database}) ported with no escape hatch. The expected
 * values below are read from the original manifests, not from the port.
 */

function build() {
  const app = Testing.app();
  const chart = buildPodinfo(app);
  const objects: any[] = Testing.synth(chart);
  return { app, chart, objects };
}

/** Library constructs, and cdk8s-plus's ConfigMap (a typed L2, as in src/main.ts): no raw ApiObject. */
const LIBRARY_CONSTRUCTS = [SecureApp, StatefulApp, Worker, BatchJob, EncryptedConfig, kplus.ConfigMap];

const PODINFO = 'ghcr.io/stefanprodan/podinfo:6.14.1';

/** The original's pods: image, container ports and env names of each container (main first, then init containers). */
const ORIGINAL_PODS: { [workload: string]: Array<{ image: string; ports: number[]; env: string[] }> } = {
  'backend': [{ image: PODINFO, ports: [9797, 9898, 9999], env: ['PODINFO_UI_COLOR'] }],
  'backup-daily': [{ image: PODINFO, ports: [], env: ['BACKUP_EXIT'] }],
  'cache': [{ image: 'docker.io/redis:8.8.0', ports: [6379], env: [] }],
  'database-primary': [{ image: PODINFO, ports: [3306, 9797], env: [] }],
  'database-replica': [{ image: PODINFO, ports: [3306, 9797], env: [] }],
  'frontend': [{ image: PODINFO, ports: [9797, 9898, 9999], env: ['PODINFO_UI_COLOR'] }],
  'rollup-daily': [{ image: PODINFO, ports: [], env: ['ROLLUP_STEPS'] }],
  'rollup-weekly': [{ image: PODINFO, ports: [], env: ['ROLLUP_STEPS'] }],
  'warm-cache': [
    { image: PODINFO, ports: [], env: ['FRONTEND_URL'] },
    { image: PODINFO, ports: [], env: ['FRONTEND_URL'] }, // init container warm-cache-init
  ],
};

/** The original's Services: name -> port -> target (container) port. */
const ORIGINAL_SERVICES: { [name: string]: { [port: number]: number } } = {
  'backend': { 9898: 9898, 9999: 9999 },
  'cache': { 6379: 6379 },
  'database-primary': { 3306: 3306 },
  'database-replica': { 3306: 3306 },
  'frontend': { 80: 9898 },
};

/** The pods the original annotates with prometheus.io/scrape on port 9797. */
const SCRAPED = ['backend', 'database-primary', 'database-replica', 'frontend'];

/**
 * Every call the original makes, and no other: frontend's --backend-url=http://backend:9898/echo
 * and --cache-server=tcp://cache:6379, backend's --cache-server, the warm-cache job's curl to
 * $FRONTEND_URL (http://frontend, Service port 80 -> 9898), and the database jobs' scripts
 * (podcli check http database-replica:3306/readyz). Nothing calls database-primary.
 */
const ORIGINAL_CALLS = [
  'backend -> cache 6379',
  'backup-daily -> database-replica 3306',
  'frontend -> backend 9898',
  'frontend -> cache 6379',
  'rollup-daily -> database-replica 3306',
  'rollup-weekly -> database-replica 3306',
  'warm-cache -> frontend 9898',
];

/** The CronJobs as the original schedules them. */
const ORIGINAL_CRONJOBS = {
  'backup-daily': { schedule: '0 0 * * *', backoffLimit: 1, restartPolicy: 'Never', script: 'backup.sh', configMap: 'backup-script' },
  'rollup-daily': { schedule: '*/10 * * * *', backoffLimit: 3, restartPolicy: 'OnFailure', script: 'rollup.sh', configMap: 'rollup-script' },
  'rollup-weekly': { schedule: '*/30 * * * *', backoffLimit: 3, restartPolicy: 'OnFailure', script: 'rollup.sh', configMap: 'rollup-script' },
  'warm-cache': { schedule: '*/5 * * * *', backoffLimit: 3, restartPolicy: 'OnFailure', script: 'warm-cache.sh', configMap: 'warm-cache-script' },
};

/**
 * The checker's errors on the port that are library gaps, not choices of the port (README.md).
 * None today: the gaps this port found (README) draw no error from the checker.
 */
const KNOWN_GAP_ERRORS: string[] = [];

describe('examples/podinfo: podinfo\'s multi-tier deployment ported with no escape hatch', () => {
  // The whole build and synth, with ApiObject.prototype.addJsonPatch counted while it runs.
  const { result: { app, chart, objects }, jsonPatches } = withJsonPatchCount(build);
  const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'CronJob'].includes(o.kind));
  const workload = (name: string) => workloads.find((o) => o.metadata.name === name);
  const podSpec = (name: string) => podSpecOf(workload(name));
  const main = (name: string) => podSpec(name).containers[0];
  const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);

  test('no JSON patch and no raw ApiObject: every object belongs to a library construct', () => {
    expect(jsonPatches).toBe(0);
    expect(strayApiObjects(app, chart, LIBRARY_CONSTRUCTS)).toEqual([]);
    expect(chart).toBeInstanceOf(HardenedChart);
  });

  test('no acknowledgement: nothing in the app needs an exception', () => {
    const acks = acknowledgementLines(chart);
    expect(acks).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('hardened.cdk8s.io/acknowledged');
  });

  test('the original\'s images, container ports and env names', () => {
    const found: typeof ORIGINAL_PODS = {};
    for (const w of workloads) {
      const spec = podSpecOf(w);
      found[w.metadata.name] = [...spec.containers, ...(spec.initContainers ?? [])].map((c: any) => ({
        image: c.image,
        ports: (c.ports ?? []).map((p: any) => p.containerPort).sort((a: number, b: number) => a - b),
        env: (c.env ?? []).map((e: any) => e.name).sort(),
      }));
    }
    const expected = JSON.parse(JSON.stringify(ORIGINAL_PODS));
    // The frontend declared 9999 (grpc) but starts no gRPC server (no --grpc-port; the default is 0).
    expected.frontend[0].ports = [9797, 9898];
    // The tier addresses moved from flags to podinfo's PODINFO_* variables (from a ConfigMap).
    expected.frontend[0].env = ['PODINFO_BACKEND_URL', 'PODINFO_CACHE_SERVER', 'PODINFO_UI_COLOR'];
    expected.backend[0].env = ['PODINFO_CACHE_SERVER', 'PODINFO_UI_COLOR'];
    expect(found).toEqual(expected);
    expect(podSpec('warm-cache').initContainers.map((c: any) => c.name)).toEqual(['warm-cache-init']);
  });

  test('the original\'s Service names and ports; the scraped tiers also get the metrics port', () => {
    const services: typeof ORIGINAL_SERVICES = {};
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      services[s.metadata.name] = {};
      for (const p of s.spec.ports) {
        const target = typeof p.targetPort === 'number' ? p.targetPort
          : main(s.metadata.name).ports.find((cp: any) => cp.name === p.targetPort)?.containerPort;
        services[s.metadata.name][p.port] = target;
      }
    }
    const expected = JSON.parse(JSON.stringify(ORIGINAL_SERVICES));
    for (const name of SCRAPED) expected[name][9797] = 9797; // the ServiceMonitor scrapes the Service's metrics port
    expect(services).toEqual(expected);
    const service = (name: string) => objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
    expect(service('database-primary').spec.clusterIP).toBe('None');
    expect(objects.filter((o) => o.kind === 'Service').every((s) => (s.spec.type ?? 'ClusterIP') === 'ClusterIP')).toBe(true);
  });

  test('gRPC health on the backend: liveness asks the grpc.health.v1 server, readiness /readyz (503 once stopping)', () => {
    const backend = main('backend');
    expect(backend.command).toEqual(expect.arrayContaining(['--grpc-port=9999', '--grpc-service-name=backend']));
    expect(backend.ports).toContainEqual({ name: 'grpc', containerPort: 9999, protocol: 'TCP' });
    expect(backend.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http', scheme: 'HTTP' });
    // Liveness asks for the server's overall health (""), which podinfo's health server reports.
    expect(backend.livenessProbe.grpc).toEqual({ port: 9999 });
    // Redis: ready when it answers PONG (not LOADING), alive while it accepts connections, as the original.
    const redis = main('cache');
    expect(redis.readinessProbe.exec.command).toEqual(['sh', '-c', 'redis-cli ping | grep -q PONG']);
    expect(redis.livenessProbe.tcpSocket).toEqual({ port: 'redis' });
    // The other podinfo servers answer their own /readyz and /healthz on their HTTP port.
    for (const name of ['frontend', 'database-primary', 'database-replica']) {
      const c = main(name);
      expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/readyz', '/healthz']);
      expect(c.ports.find((p: any) => p.name === c.readinessProbe.httpGet.port)?.containerPort).toBe(name === 'frontend' ? 9898 : 3306);
    }
  });

  test('env from ConfigMaps: podinfo reads PODINFO_* variables, so the tiers\' addresses are checked by the connectivity lint', () => {
    const env = (name: string) => Object.fromEntries(main(name).env.map((e: any) => [e.name, e.valueFrom.configMapKeyRef]));
    expect(env('frontend')).toEqual({
      PODINFO_BACKEND_URL: { name: 'frontend-env', key: 'PODINFO_BACKEND_URL' },
      PODINFO_CACHE_SERVER: { name: 'frontend-env', key: 'PODINFO_CACHE_SERVER' },
      PODINFO_UI_COLOR: { name: 'frontend-env', key: 'PODINFO_UI_COLOR' },
    });
    expect(configMap('frontend-env').data).toEqual({ PODINFO_BACKEND_URL: 'http://backend:9898/echo', PODINFO_CACHE_SERVER: 'tcp://cache:6379', PODINFO_UI_COLOR: '#34577c' });
    expect(configMap('backend-env').data).toEqual({ PODINFO_CACHE_SERVER: 'tcp://cache:6379', PODINFO_UI_COLOR: '#34577c' });
    // A flag on the command line would win over the variable: the addresses are no longer flags.
    for (const name of ['frontend', 'backend']) expect(main(name).command.filter((a: string) => /--(backend-url|cache-server)/.test(a))).toEqual([]);
    // The pods roll when the ConfigMap changes.
    expect(workload('frontend').spec.template.metadata.annotations['hardened.cdk8s.io/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the Redis configuration comes from the redis-config ConfigMap, mounted read-only where redis-server reads it', () => {
    const cache = main('cache');
    expect(cache.command).toEqual(['redis-server', '/redis-master/redis.conf']);
    const mount = cache.volumeMounts.find((m: any) => m.mountPath === '/redis-master');
    expect(mount.readOnly).toBe(true);
    expect(podSpec('cache').volumes.find((v: any) => v.name === mount.name).configMap.name).toBe('redis-config');
    expect(configMap('redis-config').data['redis.conf'].split('\n').filter(Boolean)).toEqual(['maxmemory 64mb', 'maxmemory-policy allkeys-lru', 'save ""', 'appendonly no']);
  });

  test('the primary is a StatefulSet with a volume per replica at /data; the serving tiers are scaled by HPAs', () => {
    const sts = objects.filter((o) => o.kind === 'StatefulSet');
    expect(sts.map((s) => s.metadata.name)).toEqual(['database-primary']);
    const claim = sts[0].spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBe('1Gi');
    expect(main('database-primary').volumeMounts).toContainEqual({ name: claim.metadata.name, mountPath: '/data' });
    const hpas = Object.fromEntries(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => [h.metadata.name,
      [h.spec.minReplicas, h.spec.maxReplicas, h.spec.metrics.find((m: any) => m.resource.name === 'cpu').resource.target.averageUtilization]]));
    // The original's ranges and 99% CPU target; backend's minimum is 2 (it was 1) so a node drain keeps one.
    expect(hpas).toEqual({ 'backend': [2, 3, 99], 'database-replica': [2, 3, 99], 'frontend': [2, 4, 99] });
    expect(workload('cache').spec.replicas).toBe(1);
  });

  test('the CronJobs run their scripts from ConfigMaps mounted as files; warm-cache keeps its init step', () => {
    for (const [name, want] of Object.entries(ORIGINAL_CRONJOBS)) {
      const cj = workload(name);
      expect(cj.kind).toBe('CronJob');
      expect([cj.spec.schedule, cj.spec.concurrencyPolicy, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit])
        .toEqual([want.schedule, 'Forbid', 1, 1]);
      expect([cj.spec.jobTemplate.spec.backoffLimit, podSpec(name).restartPolicy]).toEqual([want.backoffLimit, want.restartPolicy]);
      const c = main(name);
      expect(c.command).toEqual(['/bin/sh', `/scripts/${want.script}`]);
      const mount = c.volumeMounts.find((m: any) => m.mountPath === '/scripts');
      expect(podSpec(name).volumes.find((v: any) => v.name === mount.name).configMap.name).toBe(want.configMap);
      const text = configMap(want.configMap).data[want.script];
      expect(text).toBe(fs.readFileSync(path.join(__dirname, '..', 'examples', 'podinfo', 'scripts', want.script), 'utf8'));
      execFileSync('sh', ['-n'], { input: text }); // parses as a POSIX shell script
    }
    // The scripts call exactly the peers the NetworkPolicies open for them.
    expect(configMap('rollup-script').data['rollup.sh']).toContain('podcli check http database-replica:3306/readyz');
    expect(configMap('backup-script').data['backup.sh']).toContain('podcli check http database-replica:3306/readyz');
    expect(configMap('warm-cache-script').data['warm-cache.sh']).toContain('${FRONTEND_URL:-http://frontend}');
    // The init container runs its own script from the same ConfigMap, through the same volume.
    const init = podSpec('warm-cache').initContainers[0];
    expect(init.command).toEqual(['/bin/sh', '/scripts/warm-cache-init.sh']);
    expect(init.volumeMounts).toEqual([main('warm-cache').volumeMounts.find((m: any) => m.mountPath === '/scripts')]);
    expect(podSpec('warm-cache').volumes.filter((v: any) => v.configMap)).toHaveLength(1);
    expect(configMap('warm-cache-script').data['warm-cache-init.sh']).toContain('curl -v "${FRONTEND_URL:-http://frontend}/api/info"');
    execFileSync('sh', ['-n'], { input: configMap('warm-cache-script').data['warm-cache-init.sh'] });
  });

  test('metrics: a ServiceMonitor on 9797 for each pod the original annotated for Prometheus, open to Prometheus only', () => {
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(SCRAPED);
    expect(monitors.every((m) => m.spec.endpoints[0].port === 'metrics' && m.spec.endpoints[0].path === '/metrics')).toBe(true);
    for (const name of SCRAPED) {
      expect(main(name).ports).toContainEqual({ name: 'metrics', containerPort: 9797, protocol: 'TCP' });
      const np = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name);
      const rule = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9797));
      expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
    }
  });

  test('no workload takes ingress from the whole namespace: only declared callers and Prometheus', () => {
    const open = objects.filter((o) => o.kind === 'NetworkPolicy' && (o.spec.ingress ?? []).some((r: any) => (r.from ?? []).length === 0
      || r.from.some((p: any) => p.podSelector && Object.keys(p.podSelector).length === 0 && !p.namespaceSelector)));
    expect(open.map((o) => o.metadata.name)).toEqual([]);
  });

  test('the allowed matrix between its workloads: exactly the original\'s calls', () => {
    const m = NetworkModel.fromObjects(objects);
    const short = (ref: string) => ref.replace(/^production\/(Deployment|StatefulSet|CronJob)\//, '');
    // database-primary (one replica, `peering: false`) does not reach itself.
    expect(m.allowedMatrix().map((c) => `${short(c.from)} -> ${short(c.to)} ${c.port}`).sort()).toEqual([...ORIGINAL_CALLS].sort());
  });

  test('the connectivity lint passes, the gate reports no error, the objects validate against the Kubernetes schemas', () => {
    const findings = check(objects, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId.startsWith('HARDENED-NET-01'));
    expect(findings).toEqual([]);
    const report = chart.policyReport();
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('the connectivity lint reads the ConfigMap env: without frontend -> backend it fails the check', () => {
    const broken = JSON.parse(JSON.stringify(objects));
    const np = broken.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'frontend');
    np.spec.egress = np.spec.egress.filter((r: any) => !r.ports.some((p: any) => p.port === 9898));
    const findings = check(broken, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId === 'HARDENED-NET-010');
    expect(findings.map((f) => f.message).join('\n')).toMatch(/backend/);
  });

  checkerTest('the independent checker (../shared/checks/run.sh): no error', () => {
    expect(checkerErrors(objects, 'podinfo')).toEqual(KNOWN_GAP_ERRORS);
  }, 120_000);
});
