/**
 * What the benchmark synthesizes: the same resources written with cdk8s-hardened and by hand
 * with raw cdk8s-plus-28. Each app: a ConfigMap, and a hardened web app (ServiceAccount,
 * Deployment, Service, HPA, PDB, NetworkPolicy); every 10th app also a batch Job with its own
 * ServiceAccount and NetworkPolicy.
 */
import { App, ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import * as lib from '../src';

const IMAGE = 'ghcr.io/acme/web:1.4.2@sha256:9c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d';
const JOB_IMAGE = 'ghcr.io/acme/report:2.0.0@sha256:1c8e7d6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d';

/** Spreads `apps` apps over `charts` charts and calls `addApp` for each. */
export function build(app: App, apps: number, charts: number, chartClass: (scope: Construct, id: string, ns: string) => Chart,
  addApp: (chart: Chart, i: number) => void): void {
  const perChart = Math.ceil(apps / charts);
  for (let c = 0; c < charts; c++) {
    const chart = chartClass(app, `team${c}`, `team${c}`);
    for (let i = c * perChart; i < Math.min(apps, (c + 1) * perChart); i++) addApp(chart, i);
  }
}

/** One app with cdk8s-hardened. */
export function hardenedApp(chart: Chart, i: number): void {
  const config = new kplus.ConfigMap(chart, `config${i}`, { data: { LOG_LEVEL: 'info', INDEX: String(i) } });
  new lib.SecureApp(chart, `app${i}`, {
    name: `app${i}`,
    image: IMAGE,
    healthCheck: lib.HealthCheck.http('/ready', { livenessPath: '/healthz' }),
    config: [config],
    writablePaths: ['/tmp'],
    workloadClass: lib.WorkloadClass.STANDARD,
  });
  if (i % 10 === 0) {
    const BatchJob = (lib as any).BatchJob;
    if (BatchJob) new BatchJob(chart, `job${i}`, { name: `job${i}`, image: JOB_IMAGE, workloadClass: lib.WorkloadClass.BATCH });
  }
}

/** The hardened container settings cdk8s-plus can express, shared by the app and the job. */
const CONTAINER_SECURITY: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true, user: 65532, group: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] }, seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};
const RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
  ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) }, // cdk8s-plus takes whole GiB only
};

const labels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name });

/** The same app hand-written with cdk8s-plus-28, hardened as far as its API and patches allow. */
export function handWrittenApp(chart: Chart, i: number): void {
  const name = `app${i}`;
  const config = new kplus.ConfigMap(chart, `config${i}`, { data: { LOG_LEVEL: 'info', INDEX: String(i) } });
  const sa = new kplus.ServiceAccount(chart, `sa${i}`, { metadata: { name }, automountToken: false });
  const deployment = new kplus.Deployment(chart, name, {
    metadata: { name, labels: labels(name) },
    serviceAccount: sa,
    automountServiceAccountToken: false,
    select: false,
    podMetadata: { labels: labels(name) },
    securityContext: { ensureNonRoot: true, user: 65532, group: 65532, fsGroup: 65532 },
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxUnavailable: kplus.PercentOrAbsolute.absolute(0), maxSurge: kplus.PercentOrAbsolute.percent(25) }),
    containers: [{
      name,
      image: IMAGE,
      portNumber: 8080,
      securityContext: CONTAINER_SECURITY,
      resources: RESOURCES,
      readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
      liveness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
      volumeMounts: [
        { path: '/tmp', volume: kplus.Volume.fromEmptyDir(chart, `tmp${i}`, 'tmp', { sizeLimit: Size.mebibytes(64) }) },
        { path: `/etc/config/${config.name}`, volume: kplus.Volume.fromConfigMap(chart, `cfgvol${i}`, config), readOnly: true },
      ],
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: labels(name) }));
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.remove('/spec/replicas'),
    JsonPatch.add('/spec/revisionHistoryLimit', 10),
    JsonPatch.add('/spec/progressDeadlineSeconds', 600),
    JsonPatch.add('/spec/template/spec/priorityClassName', 'hardened-standard'),
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map(topologyKey => ({
      topologyKey, maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels(name) },
    }))),
  );
  deployment.exposeViaService({ name, ports: [{ port: 80, targetPort: 8080 }] });
  new kplus.HorizontalPodAutoscaler(chart, `hpa${i}`, {
    metadata: { name },
    target: deployment,
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
  });
  new k8s.KubePodDisruptionBudget(chart, `pdb${i}`, {
    metadata: { name },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: labels(name) } },
  });
  new kplus.NetworkPolicy(chart, `np${i}`, {
    metadata: { name },
    selector: kplus.Pods.select(chart, `sel${i}`, { labels: { 'app.kubernetes.io/instance': name } }),
    ingress: { rules: [{ peer: kplus.Pods.all(chart, `all${i}`), ports: [kplus.NetworkPolicyPort.tcp(8080)] }] },
    egress: { rules: [{ peer: kplus.Pods.select(chart, `dns${i}`, { labels: { 'k8s-app': 'kube-dns' }, namespaces: kplus.Namespaces.select(chart, `kube${i}`, { names: ['kube-system'] }) }), ports: [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)] }] },
  });
  if (i % 10 === 0) {
    const jobName = `job${i}`;
    const jobSa = new kplus.ServiceAccount(chart, `jobsa${i}`, { metadata: { name: jobName }, automountToken: false });
    new kplus.Job(chart, jobName, {
      metadata: { name: jobName },
      serviceAccount: jobSa,
      automountServiceAccountToken: false,
      backoffLimit: 3,
      activeDeadline: Duration.hours(1),
      ttlAfterFinished: Duration.days(1),
      securityContext: { ensureNonRoot: true, user: 65532, group: 65532, fsGroup: 65532 },
      containers: [{
        image: JOB_IMAGE,
        securityContext: CONTAINER_SECURITY,
        resources: RESOURCES,
      }],
    });
    new kplus.NetworkPolicy(chart, `jobnp${i}`, {
      metadata: { name: jobName },
      selector: kplus.Pods.select(chart, `jobsel${i}`, { labels: { 'app.kubernetes.io/instance': jobName } }),
      egress: { rules: [{ peer: kplus.Pods.select(chart, `jobdns${i}`, { labels: { 'k8s-app': 'kube-dns' }, namespaces: kplus.Namespaces.select(chart, `jobkube${i}`, { names: ['kube-system'] }) }), ports: [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)] }] },
    });
  }
}
