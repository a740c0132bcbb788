import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  HealthCheck, NamespaceRole, NetworkPeer, RoleRules, SecureApp, StorageAccessMode, Subject, WorkloadClass, WorkloadPriorityClasses,
} from './index';

/**
 * The API server as pods reach it. NetworkPolicies see the connection after the `kubernetes`
 * Service IP is translated to the API server's endpoints, so this is the endpoint address and
 * port (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`), not
 * the Service IP. It differs per cluster: this is the example cluster's.
 */
const EXAMPLE_API_SERVER = NetworkPeer.ipBlock('10.0.0.10/32', { ports: [6443] });

/**
 * The example app: `npm run synth` writes dist/*.k8s.yaml.
 *
 * - platform: the PriorityClasses behind the workload classes (deployed once per cluster).
 * - shop: a web front end (autoscaled, HTTP health checks, config as files) and an API
 *   (critical, fixed replicas, shared storage, egress to its database network). The web app
 *   also reads its own ConfigMap through the Kubernetes API (a NamespaceRole limited to that
 *   ConfigMap, hence a projected API token and egress to the API server), and the team's group
 *   may view the namespace's workloads (no Secrets, no exec).
 */
export function buildExample(app: App): void {
  const platform = new Chart(app, 'platform');
  new WorkloadPriorityClasses(platform, 'priority-classes');

  const shop = new Chart(app, 'shop', { namespace: 'shop' });

  const webConfig = new kplus.ConfigMap(shop, 'web-config', {
    data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'checkout-v2' },
  });

  const api = new SecureApp(shop, 'api', {
    name: 'api',
    image: 'ghcr.io/acme/api:3.2.1@sha256:4b1f9d2c7a8e6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d',
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
    egressTo: [NetworkPeer.ipBlock('10.20.0.0/24', { ports: [5432] })],
  });

  const web = new SecureApp(shop, 'web', {
    name: 'web',
    image: 'ghcr.io/acme/web:1.4.2@sha256:9c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d',
    port: 8080,
    workloadClass: WorkloadClass.STANDARD,
    healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }),
    autoscaling: { minReplicas: 2, maxReplicas: 10, cpuTargetUtilizationPercent: 70 },
    config: [webConfig],
    writablePaths: ['/tmp'],
    ingressFrom: [NetworkPeer.namespace('ingress-nginx')],
    egressTo: [NetworkPeer.workload(api), EXAMPLE_API_SERVER],
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

}

if (require.main === module) {
  const app = new App();
  buildExample(app);
  app.synth();
}
