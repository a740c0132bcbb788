import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BatchJob, ConfigAttachment, HardenedChart, HealthCheck, JobRestartPolicy, NetworkPeer, SecureApp, StatefulApp, WorkloadClass,
} from '../../src';

/**
 * podinfo's multi-tier demo (stefanprodan/podinfo, deploy/overlays/production over
 * deploy/bases/{backend,frontend,cache,database}), as the platform team would write it with this
 * library. Images, container ports, env names, Service names and ports are the original's, so
 * the tiers still find each other by DNS (`http://backend:9898`, `tcp://cache:6379`,
 * `database-replica:3306`, `http://frontend`). See README.md beside this file for what changed.
 */

/** The cluster's Prometheus: the original's `prometheus.io/scrape` annotations on port 9797. */
export const PODINFO_PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/** Every podinfo container runs this image (the tiers differ by flags and env). */
const PODINFO_IMAGE = 'ghcr.io/stefanprodan/podinfo:6.14.1';

/** podinfo's metrics server (`--port-metrics=9797`: /metrics and /healthz). */
const metrics = { port: 9797, scraper: PODINFO_PROMETHEUS };

/** The original's requests and limits of the podinfo servers (backend and database; frontend has a lower ceiling). */
const podinfoResources = (cpuLimit: kplus.Cpu, memoryLimit: Size) => ({
  cpuResources: { request: kplus.Cpu.millis(100), limit: cpuLimit },
  memoryResources: { request: Size.mebibytes(32), limit: memoryLimit },
});

/** The original's requests and limits of every CronJob container. */
const jobResources = {
  cpuResources: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
  memoryResources: { request: Size.mebibytes(16), limit: Size.mebibytes(32) },
};

/** podinfo's own endpoints: /readyz turns 503 when the server shuts down, /healthz while the process serves. */
const podinfoHealth = () => HealthCheck.http('/readyz', { livenessPath: '/healthz' });

/** A script of this folder, as the content of a ConfigMap key. */
const script = (name: string) => fs.readFileSync(path.join(__dirname, 'scripts', name), 'utf8');

/**
 * Builds podinfo into a HardenedChart with the namespace `production` (created by the chart).
 * @returns the chart
 */
export function buildPodinfo(app: App, id = 'podinfo'): HardenedChart {
  const chart = new HardenedChart(app, id, { namespace: 'production', createNamespace: true });
  const labels = { 'app.kubernetes.io/environment': 'production' };

  // ---- cache: Redis with its configuration from a ConfigMap (the original's configMapGenerator;
  // the checksum annotation rolls the pod on a change, as kustomize's name suffix did).
  const redisConfig = new kplus.ConfigMap(chart, 'redis-config', {
    metadata: { name: 'redis-config', labels },
    data: { 'redis.conf': ['maxmemory 64mb', 'maxmemory-policy allkeys-lru', 'save ""', 'appendonly no', ''].join('\n') },
  });
  const cache = new SecureApp(chart, 'cache', {
    name: 'cache',
    workloadClass: WorkloadClass.STANDARD,
    labels,
    image: 'docker.io/redis:8.8.0',
    command: ['redis-server', '/redis-master/redis.conf'],
    ports: [{ name: 'redis', port: 6379 }],
    replicas: 1,
    autoscaling: { enabled: false },
    ingressFrom: [], // only the callers declared at the end
    config: [ConfigAttachment.files(redisConfig, { mountPath: '/redis-master' })],
    // redis.conf sets no `dir`, so Redis works in the image's WORKDIR /data; nothing is written
    // there (no RDB, no AOF), but a client's SAVE would be, so it gets an emptyDir.
    writablePaths: ['/data'],
    // Ready once the dataset is loaded (PONG, not LOADING); alive while it accepts connections
    // (the original's two probes).
    healthCheck: HealthCheck.exec(['sh', '-c', 'redis-cli ping | grep -q PONG'], { liveness: HealthCheck.tcp() }),
    resources: {
      cpuResources: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memoryResources: { request: Size.mebibytes(32), limit: Size.mebibytes(128) },
    },
  });

  // ---- backend: HTTP API on 9898, gRPC on 9999 (the grpc.health.v1 server answers SERVING for
  // "" and for the --grpc-service-name, pkg/api/grpc/server.go), metrics on 9797.
  const backendEnv = new kplus.ConfigMap(chart, 'backend-env', {
    metadata: { name: 'backend-env', labels },
    data: { PODINFO_UI_COLOR: '#34577c', PODINFO_CACHE_SERVER: 'tcp://cache:6379' },
  });
  const backend = new SecureApp(chart, 'backend', {
    name: 'backend',
    workloadClass: WorkloadClass.STANDARD,
    labels,
    image: PODINFO_IMAGE,
    command: ['./podinfo', '--port=9898', '--port-metrics=9797', '--grpc-port=9999', '--grpc-service-name=backend', '--level=info'],
    ports: [{ name: 'http', port: 9898 }, { name: 'grpc', port: 9999, appProtocol: 'kubernetes.io/h2c' }],
    ingressFrom: [],
    // podinfo reads every flag from PODINFO_<FLAG> too (viper, cmd/podinfo/main.go).
    config: [ConfigAttachment.env(backendEnv, { keys: ['PODINFO_CACHE_SERVER', 'PODINFO_UI_COLOR'] })],
    // Ready while /readyz answers (it turns 503 on SIGTERM, so a stopping pod leaves the Service
    // first); alive while the gRPC server reports SERVING for itself ("", grpc.health.v1).
    healthCheck: HealthCheck.http('/readyz', { liveness: HealthCheck.grpc({ port: 9999 }) }),
    autoscaling: { minReplicas: 2, maxReplicas: 3, cpuTargetUtilizationPercent: 99 },
    resources: podinfoResources(kplus.Cpu.units(2), Size.mebibytes(512)),
    metrics,
  });

  // ---- frontend: calls backend's /echo and the cache; Service port 80 (clients call http://frontend).
  const frontendEnv = new kplus.ConfigMap(chart, 'frontend-env', {
    metadata: { name: 'frontend-env', labels },
    data: { PODINFO_UI_COLOR: '#34577c', PODINFO_BACKEND_URL: 'http://backend:9898/echo', PODINFO_CACHE_SERVER: 'tcp://cache:6379' },
  });
  const frontend = new SecureApp(chart, 'frontend', {
    name: 'frontend',
    workloadClass: WorkloadClass.STANDARD,
    labels,
    image: PODINFO_IMAGE,
    command: ['./podinfo', '--port=9898', '--port-metrics=9797', '--level=debug'],
    ports: [{ name: 'http', port: 9898, servicePort: 80 }],
    ingressFrom: [],
    config: [ConfigAttachment.env(frontendEnv, { keys: ['PODINFO_BACKEND_URL', 'PODINFO_CACHE_SERVER', 'PODINFO_UI_COLOR'] })],
    healthCheck: podinfoHealth(),
    autoscaling: { minReplicas: 2, maxReplicas: 4, cpuTargetUtilizationPercent: 99 },
    resources: podinfoResources(kplus.Cpu.units(1), Size.mebibytes(128)),
    metrics,
  });

  // ---- database: a primary with its own volume (StatefulApp) and autoscaled read replicas.
  new StatefulApp(chart, 'database-primary', {
    name: 'database-primary',
    labels,
    image: PODINFO_IMAGE,
    command: ['./podinfo', '--port=3306', '--port-metrics=9797', '--level=info'],
    ports: [{ name: 'db', port: 3306 }],
    replicas: 1,
    // One replica, no replication: the pod calls nobody of its kind (no self-rule).
    peering: false,
    ingressFrom: [],
    storage: [{ mountPath: '/data', size: '1Gi' }],
    healthCheck: podinfoHealth(),
    // The data tier is not preempted: Guaranteed QoS (the original's memory limit, half a CPU).
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpuResources: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(500) },
      memoryResources: { request: Size.mebibytes(512), limit: Size.mebibytes(512) },
    },
    metrics,
  });
  const databaseReplica = new SecureApp(chart, 'database-replica', {
    name: 'database-replica',
    workloadClass: WorkloadClass.STANDARD,
    labels,
    image: PODINFO_IMAGE,
    command: ['./podinfo', '--port=3306', '--port-metrics=9797', '--level=info'],
    ports: [{ name: 'db', port: 3306 }],
    ingressFrom: [],
    healthCheck: podinfoHealth(),
    autoscaling: { minReplicas: 2, maxReplicas: 3, cpuTargetUtilizationPercent: 99 },
    resources: podinfoResources(kplus.Cpu.units(2), Size.mebibytes(512)),
    metrics,
  });

  // ---- CronJobs: the podinfo image's sh, curl and podcli run scripts mounted from ConfigMaps.
  const scripts = (name: string, files: string[]) => new kplus.ConfigMap(chart, name, {
    metadata: { name, labels },
    data: Object.fromEntries(files.map((f) => [f, script(f)])),
  });
  const rollupScript = scripts('rollup-script', ['rollup.sh']);
  const backupScript = scripts('backup-script', ['backup.sh']);
  const warmCacheScript = scripts('warm-cache-script', ['warm-cache.sh', 'warm-cache-init.sh']);
  const cronJob = (name: string, schedule: string, runs: Duration, extra: Partial<ConstructorParameters<typeof BatchJob>[2]>) => new BatchJob(chart, name, {
    name,
    labels,
    image: PODINFO_IMAGE,
    schedule,
    workloadClass: WorkloadClass.BATCH,
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 1,
    activeDeadline: runs,
    resources: jobResources,
    ...extra,
  });
  const rollup = (name: string, schedule: string, steps: number) => cronJob(name, schedule, Duration.minutes(Math.ceil(steps / 6) + 3), {
    command: ['/bin/sh', '/scripts/rollup.sh'],
    env: { ROLLUP_STEPS: String(steps) },
    config: [ConfigAttachment.files(rollupScript, { mountPath: '/scripts' })],
    restartPolicy: JobRestartPolicy.ON_FAILURE,
  });
  const rollupDaily = rollup('rollup-daily', '*/10 * * * *', 6);
  const rollupWeekly = rollup('rollup-weekly', '*/30 * * * *', 12);
  const backupDaily = cronJob('backup-daily', '0 0 * * *', Duration.minutes(5), {
    command: ['/bin/sh', '/scripts/backup.sh'],
    env: { BACKUP_EXIT: '1' },
    config: [ConfigAttachment.files(backupScript, { mountPath: '/scripts' })],
    backoffLimit: 1,
  });
  const warmCache = cronJob('warm-cache', '*/5 * * * *', Duration.minutes(4), {
    command: ['/bin/sh', '/scripts/warm-cache.sh'],
    env: { FRONTEND_URL: 'http://frontend' },
    config: [ConfigAttachment.files(warmCacheScript, { mountPath: '/scripts' })],
    restartPolicy: JobRestartPolicy.ON_FAILURE,
    // The init step logs one verbose request to the frontend (DNS, connection, headers) before
    // the job starts; it runs its script from the same ConfigMap, mounted at the same path.
    initContainers: [{
      name: 'warm-cache-init',
      image: PODINFO_IMAGE,
      command: ['/bin/sh', '/scripts/warm-cache-init.sh'],
      env: { FRONTEND_URL: 'http://frontend' },
      config: [ConfigAttachment.files(warmCacheScript, { mountPath: '/scripts' })],
      resources: jobResources,
    }],
  });

  // ---- who calls whom: frontend's --backend-url and --cache-server, backend's --cache-server,
  // the jobs' scripts (podcli check http database-replica:3306/readyz, curl $FRONTEND_URL).
  frontend.connections.allowTo(backend);
  frontend.connections.allowTo(cache);
  backend.connections.allowTo(cache);
  warmCache.connections.allowTo(frontend);
  for (const job of [rollupDaily, rollupWeekly, backupDaily]) job.connections.allowTo(databaseReplica);

  return chart;
}

if (require.main === module) {
  const app = new App();
  buildPodinfo(app);
  app.synth();
}
