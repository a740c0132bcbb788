import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as path from 'path';
import {
  BatchJob, EncryptedConfig, HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, PodFailureRule, RoleRules,
  SealingCertificate, SecureApp, StatefulApp, StorageAccessMode, Subject, Worker, WorkloadClass, WorkloadPriorityClasses,
} from './index';

/**
 * The API server as pods reach it. NetworkPolicies see the connection after the `kubernetes`
 * Service IP is translated to the API server's endpoints, so this is the endpoint address
 * (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`), not the
 * Service IP. It differs per cluster: this is the example cluster's (ports 443 and 6443).
 */
const EXAMPLE_API_SERVER = NetworkPeer.apiServer('10.0.0.10');

/** The cluster's Prometheus (prometheus-operator): the only peer allowed on metrics ports. */
const PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/** The data-plane pods of the cluster's public Gateway (Gateway API), which routes to web. */
const PUBLIC_GATEWAY_PODS = NetworkPeer.pods({ 'gateway.networking.k8s.io/gateway-name': 'public' }, { namespace: 'gateways' });

/**
 * The example app: `npm run synth` writes dist/*.k8s.yaml.
 *
 * - platform: the PriorityClasses behind the workload classes (deployed once per cluster).
 * - shop: a web front end (autoscaled, HTTP health checks, config as files, published through
 *   the cluster's Gateway by an HTTPRoute), an API (critical, fixed replicas, shared storage,
 *   sealed database credentials, egress to its database network, Prometheus metrics), the
 *   API's one-off database migration (a Job) and a nightly report (a CronJob) that reads the API. The web app also reads its own ConfigMap through the
 *   Kubernetes API (a NamespaceRole limited to that ConfigMap, hence a projected API token and
 *   egress to the API server), and the team's group may view the namespace's workloads (no
 *   Secrets, no exec).
 * - shop also runs an orders database (a StatefulApp: three replicas, a volume each, stable
 *   per-pod DNS, replicas reach each other on the database port) and an order-events worker (no
 *   port: an exec health check, no Service) that waits for the database in an init container and
 *   ships its logs with a sidecar through a shared writable path, and serves metrics (a PodMonitor).
 * - who calls whom is declared after the workloads, with `connections` (see the end).
 */
export function buildExample(app: App): void {
  const platform = new HardenedChart(app, 'platform');
  new WorkloadPriorityClasses(platform, 'priority-classes');

  // The shop namespace, with Pod Security Admission enforcing `restricted`; every object in the
  // chart is checked against the policy rules at synth.
  const shop = new HardenedChart(app, 'shop', { namespace: 'shop', createNamespace: true });

  const webConfig = new kplus.ConfigMap(shop, 'web-config', {
    data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'checkout-v2' },
  });

  // Database credentials, pre-sealed with `cdk8s-hardened seal` against the demo certificate
  // (its private key was destroyed): stable ciphertext, so GitOps diffs stay quiet.
  const db = new EncryptedConfig(shop, 'db-credentials', {
    certificate: SealingCertificate.fromFile(path.join(__dirname, '..', 'certs', 'sealed-secrets-demo.pem')),
    sealedValues: {
      DB_PASSWORD: 'AgAKIqUm6+aSms8C+23LZXBndmfaxT7+044onls11Yj+II8cPNX0stNpFmfvJIFGsy7nCID5z6Ui74hD6yQwonq1ZFxj1foJhO6PbIhgvXkwWBumbLV8aaIhaEUpXaG9tpIwASLslMNf/oOMDtIeTtDwAaEdfPw7VpaeAdjEB21J0ZZQO071ym5JDZ4o+GF8YCOYjxYuUePpd2XgSrKP25JyuG+P37kLL1dRxl5KLsL9XSsEg9d5r+0Y0Q211ctKSRmizEa7BaIEyzoj4e2d6Wy+mzxut7W2R3K7Oe7SlVvpCep6QlzVOQc3Bux82Wz+gxjxE80PysYQwTN9UVg+DYWqjd0oWCA5YLOXytGJybLkdZWVo1HjUb4W3D48LkW/HWuA3I05CtEVPvgDK877pplmMfZ+TJfBDXb8tfny98aJ5+TD9dmxU4GbQPrd0j22LsxLdMs0E5FdGh0Uh8sl4Y6ggp5m/jkIuuJ1AsWkGX6nw1E4F40wsaJEWKXG6i7SVTiDJcguN8OX+51g6sevXRkecO6e2viJvpXC0OwO8CnwlR23wi0NMP/kC3+YfxdVjjThOqzPnWl5NdsTT2RHEo/KiN79MOrmlm8OWvJCTosptuZfjtU5ty53q8o0te9S//KeaU6xojVO1s0ukhFRL+TYQ9E3efEUWHAdKzxqN3vo7z/bIi+osg/A9NWF7oBDOWaLslxNJAdBGhlUXc7t59ESI1g9HeMW4MhkAiGYJae/',
      DB_USER: 'AgCHjadB9g/zmkpKM5FYNRufMCUlx62965WkmgAlRfzJm1V0go/b7TQ2VXW8jIxK/gXCswInuEQ0MFN72I2MGdg7ptXHRZDn6Vh01IzLKotfnkFyN6I24NemLiLkKZBx6K6W36cSMXpGCTn5x2gx9JPnfTfehcVTr+OoCSGzmFgLqCkNKbydPAGOc2lvBwIBaNvyFFgylk/HBlz/DtR3Qu8l+SzxB7z6kihFVUlZ5bLQfW88AFFz/UaIXYA5Lihrpp8W97ym8MlB5O6w53Rwbva4awvXzrNHYmYOX6Q3Zbqs4qFYwzt9OvsVD8Hj3wZmWcZDscgb/cBlZjoVEZ1FvvuwOzucX52nzipYlMc+ShRowtxopO/mHwuos87IjvNHkJj0Rd4jnTY+YFxj+R0dsSHznd2ubPiQJrID+mEgN+b/ySDnx5woUOdc20MhFcrC+KIez/EH7F67lWFEGHObVmMH/Q7oWdmnKgRWf6ilYz5GFqlKPQUWL7jE6r3FQQzK4PXwRYCQIsU2/OWdWDLOI3j8E8lIT2muqlxWoP6Ec4Z3+x/DXjBE/mJKaBZvQ8vpgr66WFByD1CPV7Nyb/WG7gKWJ9/3oXqTr8EUk9xDr+8hoxUA8NpiO47Dh9V77MO4pCmz2DyyNEOmQH1+y0f2YN4BSXfk4kltmMd2S4gLMhLkpTOg4V7QpBZbP74Y2L05fX3QZs3g',
    },
  });

  const databaseNetwork = NetworkPeer.ipBlock('10.20.0.0/24', { ports: [5432] });
  const apiImage = 'ghcr.io/acme/api:3.2.1@sha256:4b1f9d2c7a8e6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

  const api = new SecureApp(shop, 'api', {
    name: 'api',
    image: apiImage,
    port: 9090,
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpu: { request: '1', limit: '1' },
      memory: { request: '1Gi', limit: '1Gi' },
      ephemeralStorage: { request: '256Mi', limit: '256Mi' },
    },
    autoscaling: { enabled: false },
    replicas: 3,
    healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', startupProbe: true }),
    storage: [{ mountPath: '/var/lib/api/uploads', size: '20Gi', accessMode: StorageAccessMode.READ_WRITE_MANY, storageClassName: 'shared-nfs' }],
    writablePaths: ['/tmp'],
    config: [db], // files under /etc/secrets/db-credentials, never environment variables
    egressTo: [databaseNetwork],
    metrics: { port: 9100, scraper: PROMETHEUS },
  });

  // A Job's pod template is immutable: the name carries the version, so each release runs
  // its own migration instead of failing to update the previous one.
  new BatchJob(shop, 'api-migrate', {
    name: 'api-migrate-3-2-1',
    image: apiImage,
    command: ['/app/migrate'],
    args: ['up'],
    workloadClass: WorkloadClass.STANDARD,
    backoffLimit: 1,
    activeDeadline: Duration.minutes(15),
    config: [db],
    // Exit code 2: the schema is in a state the migration cannot handle; retrying cannot help.
    podFailurePolicy: [PodFailureRule.failJobOnExitCodes([2]), PodFailureRule.ignoreDisruptions()],
    egressTo: [databaseNetwork],
  });

  const nightlyReport = new BatchJob(shop, 'nightly-report', {
    name: 'nightly-report',
    image: 'ghcr.io/acme/report:2.0.0@sha256:7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c',
    schedule: '0 3 * * *',
    timeZone: 'Etc/UTC',
    workloadClass: WorkloadClass.BATCH,
    writablePaths: ['/tmp'],
    // The call the report makes: the connectivity lint checks it against the NetworkPolicies.
    env: { API_URL: 'http://api.shop.svc.cluster.local:9090/reports' },
  });

  const web = new SecureApp(shop, 'web', {
    name: 'web',
    image: 'ghcr.io/acme/web:1.4.2@sha256:9c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d',
    port: 8080,
    workloadClass: WorkloadClass.STANDARD,
    // Health on the admin port (declared on the container, not exposed by the Service).
    healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', port: 8081 }),
    autoscaling: { minReplicas: 2, maxReplicas: 10, cpuTargetUtilizationPercent: 70 },
    config: [webConfig],
    writablePaths: ['/tmp'],
    env: { API_URL: 'http://api:9090/v1' },
    // From the downward API and the app's ConfigMap (a misspelled key is refused at synth).
    envVariables: {
      POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
      NODE_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME),
      FEATURE_FLAGS: kplus.EnvValue.fromConfigMap(webConfig, 'FEATURE_FLAGS'),
    },
    podLabels: { app: 'web', version: 'v1' },
    component: 'frontend',
    terminationGracePeriod: Duration.seconds(45),
    // Nobody in the namespace calls web: only the Gateway (below) may connect.
    ingressFrom: [],
  });
  web.exposeViaHttpRoute({
    gateway: { name: 'public', namespace: 'gateways' },
    hostnames: ['shop.example.com'],
    controller: PUBLIC_GATEWAY_PODS,
  });

  // A replicated database: one volume per replica, kept when the StatefulSet is deleted or
  // scaled down; the replicas find each other at orders-db-<n>.orders-db.shop.svc.
  const ordersDb = new StatefulApp(shop, 'orders-db', {
    name: 'orders-db',
    image: 'ghcr.io/acme/orders-db:16.4.0@sha256:2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e',
    ports: [{ name: 'tcp-postgres', port: 5432, appProtocol: 'postgresql' }],
    replicas: 3,
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpu: { request: '1', limit: '1' },
      memory: { request: '2Gi', limit: '2Gi' },
      ephemeralStorage: { request: '256Mi', limit: '256Mi' },
    },
    healthCheck: HealthCheck.exec(['pg_isready', '--host', '127.0.0.1', '--port', '5432'], {
      livenessCommand: ['/usr/local/bin/pg-alive'],
      startupProbe: true,
      startupTimeoutSeconds: 300,
    }),
    storage: [{ mountPath: '/var/lib/postgresql/data', size: '50Gi', storageClassName: 'fast-ssd' }],
    writablePaths: ['/tmp', '/var/run/postgresql'],
    config: [db],
  });

  // A queue consumer: no port, so no Service and no ingress; health by command.
  const orderEvents = new Worker(shop, 'order-events', {
    name: 'order-events',
    workloadClass: WorkloadClass.STANDARD,
    image: 'ghcr.io/acme/order-events:1.7.0@sha256:5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d',
    healthCheck: HealthCheck.exec(['/app/healthcheck', '--ready'], { livenessCommand: ['/app/healthcheck', '--alive'] }),
    replicas: 2,
    env: { DATABASE_HOST: ordersDb.podDnsName(0), DATABASE_PORT: String(ordersDb.port), LOG_DIR: '/var/log/order-events' },
    writablePaths: ['/tmp', '/var/log/order-events'],
    envVariables: { GOMEMLIMIT: kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT) },
    config: [db],
    initContainers: [{
      name: 'wait-for-db',
      image: 'ghcr.io/acme/wait-for:2.2.4@sha256:8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a',
      args: [`${ordersDb.podDnsName(0)}:${ordersDb.port}`, '--timeout', '300'],
      resources: { cpu: { request: '10m', limit: '100m' }, memory: { request: '16Mi', limit: '32Mi' } },
    }],
    sidecars: [{
      name: 'log-shipper',
      image: 'ghcr.io/acme/log-shipper:0.9.3@sha256:1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f',
      args: ['--watch', '/var/log/order-events', '--forward', 'fluentd.logging.svc:24224'],
      writablePaths: ['/var/log/order-events'],
      resources: { cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } },
      healthCheck: HealthCheck.exec(['/bin/log-shipper', 'health'], { livenessCommand: ['/bin/log-shipper', 'alive'] }),
    }],
    metrics: { port: 9464, scraper: PROMETHEUS },
  });

  // The web app watches its ConfigMap for changes: only that one ConfigMap, read-only.
  new NamespaceRole(shop, 'web-config-reader', {
    name: 'web-config-reader',
    rules: RoleRules.readConfigMaps(webConfig.name),
    subjects: [Subject.fromApp(web)],
  });

  // The shop team sees its workloads, events and logs; no Secrets, no exec, no writes.
  new NamespaceRole(shop, 'developers', {
    name: 'shop-developers-view',
    rules: RoleRules.viewWorkloads(),
    subjects: [Subject.group('shop-developers')],
  });

  // Who calls whom: each line opens the caller's egress and the callee's ingress on the callee's
  // port (declared after the workloads, so the order of definitions does not matter).
  web.connections.allowTo(api);
  nightlyReport.connections.allowTo(api);
  orderEvents.connections.allowTo(ordersDb);
  orderEvents.connections.allowTo(NetworkPeer.namespace('logging'), { port: 24224 }); // the log-shipper's fluentd
  web.connections.allowTo(EXAMPLE_API_SERVER); // web reads its ConfigMap through the API
}

if (require.main === module) {
  const app = new App();
  buildExample(app);
  app.synth();
}
