/**
 * Renders a SecureApp with no optional props and checks each value against the `@default`
 * written in the TSDoc of its prop, so the documentation cannot drift from the code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { BatchJob, ClaimRetention, NetworkPeer, CompletionMode, ConcurrencyPolicy, HealthCheck, JobRestartPolicy, NetworkProtocol, SecureApp, ServiceType, SharedService, StatefulApp, StorageAccessMode, Worker } from '../src';
import * as kplus from 'cdk8s-plus-28';
import { one, podSpec, synth } from './helpers/k8s';

/** `@default` of every prop of every interface in a source file: { Interface: { prop: text } }. */
function documentedDefaults(file: string): Record<string, Record<string, string>> {
  const source = fs.readFileSync(path.join(__dirname, '..', 'src', file), 'utf8');
  const result: Record<string, Record<string, string>> = {};
  const iface = /export interface (\w+)[^{]*\{((?:\})|[\s\S]*?\n\})/g;
  for (const m of source.matchAll(iface)) {
    const props: Record<string, string> = {};
    for (const p of m[2].matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)\??:/g)) {
      const d = /@default (.*)/.exec(p[1]);
      if (d) props[p[2]] = d[1].trim();
    }
    result[m[1]] = props;
  }
  return result;
}

const app = documentedDefaults('constructs/secure-app.ts');
const pod = documentedDefaults('hardening/pod.ts');
const health = documentedDefaults('hardening/health-check.ts');
const resources = documentedDefaults('hardening/resources.ts');
const scaling = documentedDefaults('hardening/autoscaling.ts');
const storage = documentedDefaults('hardening/storage.ts');

function renderDefault(props: any = {}) {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  new SecureApp(chart, 'web', { image: 'ghcr.io/acme/web:1.0.0', ...props });
  const manifest = synth(chart);
  const deployment = one(manifest, 'Deployment');
  return { manifest, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0] };
}

test('every optional prop of the public interfaces documents a default', () => {
  const internal = new Set(['WorkloadIngressRule', 'WorkloadEgressRule', 'PolicyPort', 'ServiceOptions', 'ResolvedPort', 'PortProps', 'AutoscalerOptions', 'ResolvedAutoscaling', 'ResolvedScaling', 'ResolvedStorage', 'DisruptionBudgetOptions', 'SpreadOptions', 'HardenedPodOptions', 'WorkloadNetworkPolicyOptions', 'ResolvedConfig', 'RenderedProbes', 'ResolvedResources', 'ImageReference', 'ConfigBinding', 'WorkloadIdentity', 'ExposedApp', 'ResolvedWritable']);
  let checked = 0;
  for (const file of ['constructs/secure-app.ts', 'constructs/batch-job.ts', 'constructs/workload-priority-classes.ts', 'hardening/pod.ts', 'hardening/health-check.ts', 'hardening/resources.ts', 'hardening/network.ts', 'hardening/config-attachment.ts', 'hardening/autoscaling.ts', 'hardening/storage.ts', 'hardening/availability.ts', 'hardening/ports.ts', 'constructs/worker.ts', 'constructs/stateful-app.ts', 'constructs/shared-service.ts', 'hardening/connections.ts', 'hardening/exposure.ts', 'hardening/placement.ts']) {
    const source = fs.readFileSync(path.join(__dirname, '..', 'src', file), 'utf8');
    for (const m of source.matchAll(/export interface (\w+)[^{]*\{((?:\})|[\s\S]*?\n\})/g)) {
      if (internal.has(m[1]) || /^I[A-Z]/.test(m[1])) continue;
      for (const p of m[2].matchAll(/(\/\*\*[\s\S]*?\*\/)?\s*readonly (\w+)\?:/g)) {
        checked++;
        expect({ prop: `${file} ${m[1]}.${p[2]}`, hasDefault: /@default/.test(p[1] ?? '') }).toEqual({ prop: `${file} ${m[1]}.${p[2]}`, hasDefault: true });
      }
    }
  }
  expect(checked).toBeGreaterThan(30);
});

test('SecureAppProps defaults match the rendered output', () => {
  const { manifest, container } = renderDefault();
  expect(app.SecureAppProps.port).toBe(String(container.ports[0].containerPort));
  expect(app.SecureAppProps.servicePort).toMatch(/the same as `port`/);
  expect(one(manifest, 'Service').spec.ports[0].port).toBe(container.ports[0].containerPort);
  expect(app.SecureAppProps.healthCheck).toMatch(/^- HealthCheck\.tcp\(\)/);
  expect(container.readinessProbe.tcpSocket).toBeDefined();
  expect(container.livenessProbe.tcpSocket).toBeDefined();
  const np = one(manifest, 'NetworkPolicy');
  expect(app.SecureAppProps.ingressFrom).toMatch(/NetworkPeer\.sameNamespace\(\)/);
  expect(np.spec.ingress[0].from).toEqual([{ podSelector: {} }]);
  expect(app.SecureAppProps.replicas).toBe(String(renderDefault({ autoscaling: { enabled: false } }).deployment.spec.replicas));
});

test('AutoscalingOptions defaults match the rendered HPA', () => {
  const hpa = one(renderDefault().manifest, 'HorizontalPodAutoscaler');
  const d = scaling.AutoscalingOptions;
  expect(d.enabled).toBe('true');
  expect(d.minReplicas).toBe(String(hpa.spec.minReplicas));
  expect(d.maxReplicas).toBe(String(hpa.spec.maxReplicas));
  expect(d.cpuTargetUtilizationPercent).toBe(String(hpa.spec.metrics[0].resource.target.averageUtilization));
  expect(d.scaleDownStabilizationSeconds).toBe(String(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds));
  expect(d.memoryTargetUtilizationPercent).toMatch(/no memory target/);
  expect(hpa.spec.metrics).toHaveLength(1);
  expect(app.SecureAppProps.autoscaling).toBe(`- on: ${hpa.spec.minReplicas} to ${hpa.spec.maxReplicas} replicas at ${hpa.spec.metrics[0].resource.target.averageUtilization}% CPU`);
});

test('StorageVolume defaults', () => {
  const { manifest } = renderDefault({ autoscaling: { enabled: false }, replicas: 1, storage: [{ mountPath: '/data', size: '1Gi' }] });
  const pvc = one(manifest, 'PersistentVolumeClaim');
  expect(storage.StorageVolume.accessMode).toBe(`StorageAccessMode.${Object.entries(StorageAccessMode).find(([, v]) => v === pvc.spec.accessModes[0])![0]}`);
  expect(pvc.spec.storageClassName).toBeUndefined();
  expect(pvc.metadata.name).toMatch(/-data$/);
});

test('WorkloadProps defaults match the rendered pod', () => {
  const r = renderDefault({ writablePaths: ['/tmp'] });
  expect(pod.WorkloadProps.runAsUser).toBe(String(r.pod.securityContext.runAsUser));
  expect(pod.WorkloadProps.runAsGroup).toBe(String(r.pod.securityContext.runAsGroup));
  expect(pod.WorkloadProps.writablePathSizeLimit).toBe(`'${r.pod.volumes[0].emptyDir.sizeLimit}'`);
  const bare = renderDefault();
  expect(pod.WorkloadProps.writablePaths).toMatch(/none/);
  expect(bare.pod.volumes).toBeUndefined();
  expect(pod.WorkloadProps.priorityClassName).toMatch(/or none/);
  expect(bare.pod.priorityClassName).toBeUndefined();
  expect(bare.container.command).toBeUndefined();
  expect(bare.container.args).toBeUndefined();
  expect(bare.container.env).toBeUndefined();
});

test('ContainerResources defaults match the rendered requests and limits', () => {
  const parse = (doc: string) => {
    const m = /^- \{ request: '([^']+)', limit: '([^']+)' \}; CRITICAL: \{ request: '([^']+)', limit: '([^']+)' \}$/.exec(doc);
    expect(m).not.toBeNull();
    return { request: m![1], limit: m![2], criticalRequest: m![3], criticalLimit: m![4] };
  };
  const plain = renderDefault().container.resources;
  const critical = renderDefault({ workloadClass: require('../src').WorkloadClass.CRITICAL }).container.resources;
  for (const [prop, k8sName] of [['cpu', 'cpu'], ['memory', 'memory'], ['ephemeralStorage', 'ephemeral-storage']]) {
    const d = parse(resources.ContainerResources[prop]);
    expect([plain.requests[k8sName], plain.limits[k8sName]]).toEqual([d.request, d.limit]);
    expect([critical.requests[k8sName], critical.limits[k8sName]]).toEqual([d.criticalRequest, d.criticalLimit]);
  }
});

test('HealthCheck defaults match the rendered probes', () => {
  const t = health.HealthCheckTiming;
  const plain = renderDefault({ healthCheck: HealthCheck.http('/ready') }).container;
  expect(t.startupProbe).toBe('false');
  expect(plain.startupProbe).toBeUndefined();
  expect(t.periodSeconds).toBe(String(plain.readinessProbe.periodSeconds));
  expect(t.timeoutSeconds).toBe(String(plain.readinessProbe.timeoutSeconds));
  expect(health.HttpHealthCheckOptions.https).toBe('false');
  expect(plain.readinessProbe.httpGet.scheme).toBe('HTTP');
  expect(health.HttpHealthCheckOptions.livenessPath).toMatch(/the readiness path/);
  expect(plain.livenessProbe.httpGet.path).toBe('/ready');
  const withStartup = renderDefault({ healthCheck: HealthCheck.http('/ready', { startupProbe: true }) }).container.startupProbe;
  expect(t.startupTimeoutSeconds).toBe(String(withStartup.periodSeconds * withStartup.failureThreshold));
  expect(health.ExecHealthCheckOptions.livenessCommand).toMatch(/the readiness command/);
});

const batch = documentedDefaults('constructs/batch-job.ts');

function renderBatch(props: any = {}) {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  new BatchJob(chart, 'report', { image: 'ghcr.io/acme/report:1.0.0', ...props });
  const manifest = synth(chart);
  const workload = one(manifest, props.schedule ? 'CronJob' : 'Job');
  const jobSpec = props.schedule ? workload.spec.jobTemplate.spec : workload.spec;
  return { manifest, workload, jobSpec, pod: podSpec(workload), container: podSpec(workload).containers[0] };
}

/** Seconds of a documented `Duration.<unit>(<n>)`. */
function durationSeconds(doc: string): number {
  const m = /Duration\.(seconds|minutes|hours|days)\((\d+)\)/.exec(doc);
  expect(m).not.toBeNull();
  return (Duration as any)[m![1]](Number(m![2])).toSeconds();
}

/** The enum member a documented `Enum.MEMBER` names. */
function enumValue(doc: string, e: Record<string, string>, name: string): string {
  const m = new RegExp(`^${name}\\.(\\w+)$`).exec(doc);
  expect(m).not.toBeNull();
  return e[m![1]];
}

test('BatchJobProps defaults match the rendered Job', () => {
  const d = batch.BatchJobProps;
  const { jobSpec, pod } = renderBatch();
  expect(d.backoffLimit).toBe(String(jobSpec.backoffLimit));
  expect(durationSeconds(d.activeDeadline)).toBe(jobSpec.activeDeadlineSeconds);
  expect(d.ttlAfterFinished).toMatch(/^- Duration\.\w+\(\d+\) for a standalone Job; not set on a CronJob's Jobs$/);
  expect(durationSeconds(d.ttlAfterFinished)).toBe(jobSpec.ttlSecondsAfterFinished);
  expect(enumValue(d.restartPolicy, JobRestartPolicy, 'JobRestartPolicy')).toBe(pod.restartPolicy);
  expect(d.parallelism).toBe(String(jobSpec.parallelism));
  expect(d.completions).toMatch(/^- unset/);
  expect(jobSpec.completions).toBeUndefined();
  expect(enumValue(d.completionMode, CompletionMode, 'CompletionMode')).toBe(jobSpec.completionMode);
  expect(d.podFailurePolicy).toMatch(/^- none/);
  expect(jobSpec.podFailurePolicy).toBeUndefined();
  expect(d.suspend).toBe('false');
  expect(jobSpec.suspend ?? false).toBe(false);
  expect(d.schedule).toMatch(/^- no schedule: a Job/);
  expect(pod.priorityClassName).toBeUndefined();
});

test('BatchJobProps defaults match the rendered CronJob', () => {
  const d = batch.BatchJobProps;
  const { workload, jobSpec, pod } = renderBatch({ schedule: '0 3 * * *' });
  expect(enumValue(d.concurrencyPolicy, ConcurrencyPolicy, 'ConcurrencyPolicy')).toBe(workload.spec.concurrencyPolicy);
  expect(durationSeconds(d.startingDeadline)).toBe(workload.spec.startingDeadlineSeconds);
  expect(d.successfulJobsHistoryLimit).toBe(String(workload.spec.successfulJobsHistoryLimit));
  expect(d.failedJobsHistoryLimit).toBe(String(workload.spec.failedJobsHistoryLimit));
  expect(d.suspend).toBe(String(workload.spec.suspend));
  expect(d.timeZone).toMatch(/kube-controller-manager/);
  expect(workload.spec.timeZone).toBeUndefined();
  // The job template carries the same Job defaults, except the TTL.
  expect(d.backoffLimit).toBe(String(jobSpec.backoffLimit));
  expect(durationSeconds(d.activeDeadline)).toBe(jobSpec.activeDeadlineSeconds);
  expect(jobSpec.ttlSecondsAfterFinished).toBeUndefined();
  expect(enumValue(d.restartPolicy, JobRestartPolicy, 'JobRestartPolicy')).toBe(pod.restartPolicy);
});

test('BatchJob applies the WorkloadProps and ContainerResources defaults like SecureApp', () => {
  const job = renderBatch({ writablePaths: ['/tmp'] });
  const app = renderDefault({ writablePaths: ['/tmp'] });
  expect(pod.WorkloadProps.runAsUser).toBe(String(job.pod.securityContext.runAsUser));
  expect(pod.WorkloadProps.runAsGroup).toBe(String(job.pod.securityContext.runAsGroup));
  expect(pod.WorkloadProps.writablePathSizeLimit).toBe(`'${job.pod.volumes[0].emptyDir.sizeLimit}'`);
  expect(job.container.resources).toEqual(app.container.resources);
});

const worker = documentedDefaults('constructs/worker.ts');
const stateful = documentedDefaults('constructs/stateful-app.ts');
const ports = documentedDefaults('hardening/ports.ts');
const shared = documentedDefaults('constructs/shared-service.ts');

test('SecureAppProps defaults of ports and Service type match the rendered Service', () => {
  const { manifest, container } = renderDefault();
  const svc = one(manifest, 'Service');
  expect(enumValue(app.SecureAppProps.serviceType, ServiceType, 'ServiceType')).toBe(svc.spec.type);
  expect(app.SecureAppProps.ports).toBe(`- one port named "${container.ports[0].name}": \`port\` in the container, \`servicePort\` on the Service`);
  expect(container.ports).toHaveLength(1);
  expect(app.SecureAppProps.externalAccess).toMatch(/^- none/);
  expect(svc.metadata.annotations).toBeUndefined();
});

test('WorkloadPort defaults match the rendered ports', () => {
  const d = ports.WorkloadPort;
  const { manifest, container } = renderDefault({ ports: [{ name: 'grpc', port: 9090 }], ingressFrom: [] });
  const svcPort = one(manifest, 'Service').spec.ports[0];
  expect(d.servicePort).toBe('- the same as `port`');
  expect(svcPort.port).toBe(container.ports[0].containerPort);
  expect(enumValue(d.protocol, NetworkProtocol, 'NetworkProtocol')).toBe(svcPort.protocol);
  expect(d.appProtocol).toMatch(/^- none/);
  expect(svcPort.appProtocol).toBeUndefined();
  // ingressFrom defaults to the workload's (here: nobody, so no rule).
  expect(d.ingressFrom).toBe("- the workload's `ingressFrom`");
  expect(one(manifest, 'NetworkPolicy').spec.ingress).toBeUndefined();
});

test('ContainerOptions defaults match the rendered sidecar', () => {
  const d = pod.ContainerOptions;
  const { pod: spec, container } = renderDefault({ sidecars: [{ name: 'helper', image: 'ghcr.io/acme/helper:1.0.0' }] });
  const helper = spec.containers[1];
  expect(d.command).toMatch(/ENTRYPOINT/);
  expect(helper.command).toBeUndefined();
  expect(helper.args).toBeUndefined();
  expect(d.env).toMatch(/^- none/);
  expect(helper.env).toBeUndefined();
  expect(d.resources).toMatch(/the same defaults as the main container/);
  expect(helper.resources).toEqual(container.resources);
  expect(d.writablePaths).toMatch(/^- none/);
  expect(helper.volumeMounts).toBeUndefined();
  expect(d.healthCheck).toMatch(/^- no probes/);
  expect(helper.readinessProbe).toBeUndefined();
  expect(d.mountApiToken).toBe('false');
  expect(pod.WorkloadProps.initContainers).toMatch(/^- none/);
  expect(pod.WorkloadProps.sidecars).toMatch(/^- none/);
  expect(pod.WorkloadProps.nativeSidecars).toBe('false');
  expect(helper.restartPolicy).toBeUndefined();
  expect(spec.initContainers).toBeUndefined();
  const bare = renderDefault().pod;
  expect(bare.initContainers).toBeUndefined();
  expect(bare.containers).toHaveLength(1);
});

test('WorkerProps defaults match the rendered Deployment', () => {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  new Worker(chart, 'w', { image: 'ghcr.io/acme/w:1.0.0', healthCheck: HealthCheck.exec(['/check']) });
  const manifest = synth(chart);
  expect(worker.WorkerProps.replicas).toBe(String(one(manifest, 'Deployment').spec.replicas));
  expect(worker.WorkerProps.autoscaling).toMatch(/^- off/);
  expect(manifest.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
});

test('StatefulAppProps defaults match the rendered StatefulSet', () => {
  const d = stateful.StatefulAppProps;
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  new StatefulApp(chart, 'db', { image: 'ghcr.io/acme/db:1.0.0', storage: [{ mountPath: '/data', size: '1Gi' }] });
  const manifest = synth(chart);
  const sts = one(manifest, 'StatefulSet');
  const container = podSpec(sts).containers[0];
  expect(d.port).toBe(String(container.ports[0].containerPort));
  expect(d.servicePort).toBe('- the same as `port`');
  expect(one(manifest, 'Service').spec.ports[0].port).toBe(container.ports[0].containerPort);
  expect(d.ports).toBe(`- one port named "${container.ports[0].name}": \`port\``);
  expect(d.healthCheck).toMatch(/^- HealthCheck\.tcp\(\)/);
  expect(container.readinessProbe.tcpSocket).toBeDefined();
  expect(d.replicas).toBe(String(sts.spec.replicas));
  expect(d.persistentVolumeClaimRetentionPolicy).toBe(`- { whenDeleted: ClaimRetention.RETAIN, whenScaled: ClaimRetention.RETAIN }: the data is kept`);
  expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: ClaimRetention.RETAIN, whenScaled: ClaimRetention.RETAIN });
  expect(enumValue(stateful.ClaimRetentionPolicy.whenDeleted, ClaimRetention, 'ClaimRetention')).toBe(sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted);
  expect(enumValue(stateful.ClaimRetentionPolicy.whenScaled, ClaimRetention, 'ClaimRetention')).toBe(sts.spec.persistentVolumeClaimRetentionPolicy.whenScaled);
  expect(enumValue(d.podManagementPolicy, kplus.PodManagementPolicy as any, 'kplus.PodManagementPolicy')).toBe(sts.spec.podManagementPolicy);
  expect(d.ingressFrom).toMatch(/NetworkPeer\.sameNamespace\(\)/);
  expect(one(manifest, 'NetworkPolicy').spec.ingress[0].from).toEqual([{ podSelector: {} }]);
  expect(d.serviceType).toBe('ServiceType.CLUSTER_IP');
  expect(d.externalAccess).toMatch(/^- none/);
  expect(one(manifest, 'Service').spec.clusterIP).toBe('None');
});

test('SharedService defaults', () => {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const s = new SharedService(chart, 'reviews', { ports: [{ name: 'http', port: 80 }] });
  const svc = one(synth(chart), 'Service');
  expect(shared.SharedServiceProps.name).toMatch(/derived from the construct path/);
  expect(svc.metadata.name).toBe(s.name);
  expect(enumValue(shared.SharedServicePort.protocol, NetworkProtocol, 'NetworkProtocol')).toBe(svc.spec.ports[0].protocol);
  expect(shared.SharedServicePort.appProtocol).toMatch(/^- none/);
  expect(svc.spec.ports[0].appProtocol).toBeUndefined();
  expect(shared.SharedServiceProps.members).toMatch(/none until/);
});

test('pod-spec props (issue 13): documented defaults match the rendered pod', () => {
  const { deployment, pod: spec, container, manifest } = renderDefault({ healthCheck: HealthCheck.http('/ready') });
  const d = pod.WorkloadProps;
  expect(d.envVariables).toMatch(/none/);
  expect(container.env).toBeUndefined();
  expect(d.labels).toMatch(/only the recommended labels/);
  expect(Object.keys(deployment.metadata.labels).every(k => k.startsWith('app.kubernetes.io/'))).toBe(true);
  expect(d.podLabels).toMatch(/only the recommended labels/);
  expect(deployment.spec.template.metadata.labels).toEqual(deployment.metadata.labels);
  expect(d.podAnnotations).toMatch(/only the library's own annotations/);
  expect(Object.keys(deployment.spec.template.metadata.annotations)).toEqual(['kubectl.kubernetes.io/default-container']);
  expect(d.component).toMatch(/"server" for SecureApp and StatefulApp, "worker" for Worker, "job" for BatchJob/);
  expect(deployment.metadata.labels['app.kubernetes.io/component']).toBe('server');
  expect(d.terminationGracePeriod).toMatch(/not set/);
  expect(spec.terminationGracePeriodSeconds).toBeUndefined();
  expect(d.workingDir).toMatch(/WORKDIR/);
  expect(container.workingDir).toBeUndefined();
  expect(d.nodeSelector).toMatch(/any node/);
  expect(spec.nodeSelector).toBeUndefined();
  expect(d.tolerations).toMatch(/none/);
  expect(spec.tolerations).toBeUndefined();
  expect(d.imagePullSecrets).toMatch(/none/);
  expect(spec.imagePullSecrets).toBeUndefined();
  expect(d.serviceAccount).toMatch(/of its own/);
  expect(spec.serviceAccountName).toBe(one(manifest, 'ServiceAccount').metadata.name);
  expect(d.rolloutStrategy).toMatch(/RolloutStrategy\.ROLLING_UPDATE/);
  expect(deployment.spec.strategy.type).toBe('RollingUpdate');
  expect(d.userIdReason).toMatch(/ids below 10000 are refused/);
  expect(d.writableVolumes).toMatch(/none/);
  expect(spec.volumes).toBeUndefined();
  // SecureApp: the Service port is the container port.
  expect(app.SecureAppProps.servicePort).toMatch(/the same as `port`/);
  expect(one(manifest, 'Service').spec.ports[0].port).toBe(container.ports[0].containerPort);
  // WritableVolume.sizeLimit defaults to writablePathSizeLimit.
  const placement = documentedDefaults('hardening/placement.ts');
  expect(placement.WritableVolume.sizeLimit).toMatch(/writablePathSizeLimit` \(64Mi\)/);
  expect(renderDefault({ writableVolumes: [{ path: '/cache' }] }).pod.volumes[0].emptyDir.sizeLimit).toBe('64Mi');
  expect(placement.Toleration.value).toMatch(/operator Exists/);
  expect(renderDefault({ tolerations: [{ key: 'k' }] }).pod.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
  // ContainerOptions
  const c = pod.ContainerOptions;
  expect(c.envVariables).toMatch(/none/);
  expect(c.workingDir).toMatch(/WORKDIR/);
  expect(c.writableVolumes).toMatch(/none/);
});

test('probe defaults (issue 13) match the rendered probes', () => {
  const t = health.HealthCheckTiming;
  const plain = renderDefault({ healthCheck: HealthCheck.http('/ready', { periodSeconds: 7 }) }).container;
  expect(t.livenessPeriod).toMatch(/twice the readiness period/);
  expect(plain.livenessProbe.periodSeconds).toBe(14);
  expect(t.initialDelay).toMatch(/none/);
  expect(plain.readinessProbe.initialDelaySeconds).toBeUndefined();
  expect(t.period).toMatch(/periodSeconds/);
  expect(health.HealthCheckPortOptions.port).toMatch(/the main port/);
  expect(plain.readinessProbe.httpGet.port).toBe(plain.ports[0].name);
  expect(health.HttpHealthCheckOptions.headers).toMatch(/none/);
  expect(plain.readinessProbe.httpGet.httpHeaders).toBeUndefined();
  const grpc = renderDefault({ healthCheck: HealthCheck.grpc() }).container;
  expect(health.GrpcHealthCheckOptions.service).toMatch(/""/);
  expect(grpc.readinessProbe.grpc).toEqual({ port: 8080 });
  expect(health.GrpcHealthCheckOptions.livenessService).toMatch(/the readiness service/);
  expect(grpc.livenessProbe.grpc).toEqual({ port: 8080 });
});

test('ConfigAttachment option defaults (issue 13)', () => {
  const ca = documentedDefaults('hardening/config-attachment.ts');
  expect(ca.ConfigEnvOptions.optional).toBe('false');
  expect(ca.ConfigFilesOptions.optional).toBe('false');
  expect(ca.ConfigFilesOptions.items).toMatch(/every key/);
  const { pod: spec, container } = renderDefault({
    config: [require('../src').ConfigAttachment.env(kplus.ConfigMap.fromConfigMapName(new Chart(Testing.app(), 'x'), 'a', 'ext'), { keys: ['K'] })],
  });
  expect(container.env[0].valueFrom.configMapKeyRef.optional).toBeUndefined();
  expect(spec.volumes).toBeUndefined();
});

test('typed resource forms default to the string forms', () => {
  expect(resources.ContainerResources.cpuResources).toBe('- `cpu`');
  expect(resources.ContainerResources.memoryResources).toBe('- `memory`');
  expect(resources.ContainerResources.ephemeralStorageResources).toBe('- `ephemeralStorage`');
  expect(renderDefault({ resources: { cpuResources: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) } } }).container.resources)
    .toEqual(renderDefault().container.resources);
});

const connections = documentedDefaults('hardening/connections.ts');
const exposure = documentedDefaults('hardening/exposure.ts');
const network = documentedDefaults('hardening/network.ts');

test('ConnectionOptions, MetricsOptions, exposure and ApiServerPeerOptions defaults match the rendered objects', () => {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const peer = NetworkPeer.pods({ 'app.kubernetes.io/name': 'edge' });
  const api = new SecureApp(chart, 'api', { name: 'api', image: 'ghcr.io/acme/api:1.0.0', port: 9090, metrics: { port: 9100, scraper: peer } });
  const web = new SecureApp(chart, 'web', { name: 'web', image: 'ghcr.io/acme/web:1.0.0' });
  web.connections.allowTo(api);
  web.connections.allowTo(NetworkPeer.apiServer('10.0.0.10'));
  web.exposeViaIngress({ host: 'web.example.com', controller: peer });
  api.exposeViaHttpRoute({ gateway: { name: 'public' }, hostnames: ['api.example.com'], controller: peer });
  const manifest = synth(chart);

  expect(connections.ConnectionOptions.port).toMatch(/^- a workload's main port/);
  expect(one(manifest, 'NetworkPolicy', 'web').spec.egress).toContainEqual(expect.objectContaining({ ports: [{ port: 9090, protocol: 'TCP' }] }));
  expect(network.ApiServerPeerOptions.ports).toBe('[443, 6443]');
  expect(one(manifest, 'NetworkPolicy', 'web').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [443, 6443].map(port => ({ port, protocol: 'TCP' })) });

  expect(exposure.MetricsOptions.path).toBe(`"${one(manifest, 'ServiceMonitor').spec.endpoints[0].path}"`);
  expect(exposure.MetricsOptions.monitorLabels).toMatch(/^- the app's labels only/);
  expect(one(manifest, 'ServiceMonitor').metadata.labels).toEqual(one(manifest, 'Service', 'api').metadata.labels);

  const ingress = one(manifest, 'Ingress').spec;
  expect(exposure.IngressExposureOptions.path).toBe(`"${ingress.rules[0].http.paths[0].path}"`);
  expect(exposure.IngressExposureOptions.className).toMatch(/^- the cluster's default IngressClass/);
  expect(ingress.ingressClassName).toBeUndefined();
  expect(exposure.IngressExposureOptions.tlsSecretName).toMatch(/^- no `tls` section/);
  expect(ingress.tls).toBeUndefined();

  const route = one(manifest, 'HTTPRoute').spec;
  expect(exposure.HttpRouteExposureOptions.path).toBe(`"${route.rules[0].matches[0].path.value}"`);
  expect(exposure.GatewayReference.namespace).toBe('- the app\'s namespace');
  expect(route.parentRefs[0].namespace).toBe('shop');
  expect(exposure.GatewayReference.sectionName).toMatch(/^- every listener/);
  expect(route.parentRefs[0].sectionName).toBeUndefined();

  expect(app.SecureAppProps.metrics).toBe('- none');
  expect(worker.WorkerProps.metrics).toMatch(/^- none/);
  expect(stateful.StatefulAppProps.metrics).toBe('- none');
  expect(manifest.filter(o => o.kind === 'ServiceMonitor').map(o => o.metadata.name)).toEqual(['api']);
});
