import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BatchJob, HealthCheck, NetworkPeer, PodFailureRule, SecureApp, StorageAccessMode, WorkloadClass, WorkloadPriorityClasses,
} from './index';

/**
 * The example app: `npm run synth` writes dist/*.k8s.yaml.
 *
 * - platform: the PriorityClasses behind the workload classes (deployed once per cluster).
 * - shop: a web front end (autoscaled, HTTP health checks, config as files), an API
 *   (critical, fixed replicas, shared storage, egress to its database network), the API's
 *   one-off database migration (a Job) and a nightly report (a CronJob) that reads the API.
 */
export function buildExample(app: App): void {
  const platform = new Chart(app, 'platform');
  new WorkloadPriorityClasses(platform, 'priority-classes');

  const shop = new Chart(app, 'shop', { namespace: 'shop' });

  const webConfig = new kplus.ConfigMap(shop, 'web-config', {
    data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'checkout-v2' },
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
    egressTo: [databaseNetwork],
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
    // Exit code 2: the schema is in a state the migration cannot handle; retrying cannot help.
    podFailurePolicy: [PodFailureRule.failJobOnExitCodes([2]), PodFailureRule.ignoreDisruptions()],
    egressTo: [databaseNetwork],
  });

  new BatchJob(shop, 'nightly-report', {
    name: 'nightly-report',
    image: 'ghcr.io/acme/report:2.0.0@sha256:7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c',
    schedule: '0 3 * * *',
    timeZone: 'Etc/UTC',
    workloadClass: WorkloadClass.BATCH,
    writablePaths: ['/tmp'],
    egressTo: [NetworkPeer.workload(api)],
  });

  new SecureApp(shop, 'web', {
    name: 'web',
    image: 'ghcr.io/acme/web:1.4.2@sha256:9c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d',
    port: 8080,
    workloadClass: WorkloadClass.STANDARD,
    healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }),
    autoscaling: { minReplicas: 2, maxReplicas: 10, cpuTargetUtilizationPercent: 70 },
    config: [webConfig],
    writablePaths: ['/tmp'],
    ingressFrom: [NetworkPeer.namespace('ingress-nginx')],
    egressTo: [NetworkPeer.workload(api)],
  });

}

if (require.main === module) {
  const app = new App();
  buildExample(app);
  app.synth();
}
