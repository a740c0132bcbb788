import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  CONFIG_CHECKSUM_ANNOTATION, ConfigAttachment, HealthCheck, NetworkPeer, NetworkProtocol, SecureApp, SecureAppProps,
  StorageAccessMode, WorkloadClass, HardenedChart, ServiceType, EXTERNAL_SERVICE_RULE_ID,
} from '../src';
import { connectionGraph, toMermaid } from '../src/policy/connection-graph';
import { NetworkModel } from '../src/policy/reachability';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/web:1.4.2';

function chart(namespace: string | undefined = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace });
}

function render(props: Partial<SecureAppProps> = {}, ns?: string) {
  const c = chart(ns);
  const app = new SecureApp(c, 'web', { image: IMAGE, ...props });
  const manifest = synth(c);
  const deployment = one(manifest, 'Deployment');
  return { chart: c, app, manifest, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0] };
}

function expectError(props: Partial<SecureAppProps>, ...fragments: (string | RegExp)[]) {
  let message = '';
  try {
    new SecureApp(chart(), 'web', { image: IMAGE, ...props } as SecureAppProps);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('shop/web');
  for (const f of fragments) {
    if (typeof f === 'string') expect(message).toContain(f);
    else expect(message).toMatch(f);
  }
  expect(message).toContain('Fix:');
}

describe('SecureApp output', () => {
  test('emits exactly ServiceAccount, Deployment, Service, HPA, PDB and NetworkPolicy', () => {
    const { manifest } = render();
    expect(manifest.map(o => o.kind).sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(one(manifest, 'HorizontalPodAutoscaler').apiVersion).toBe('autoscaling/v2');
    expect(one(manifest, 'PodDisruptionBudget').apiVersion).toBe('policy/v1');
  });

  test('every object validates against the Kubernetes schemas', () => {
    const { manifest } = render({
      config: [], writablePaths: ['/tmp'], storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }],
      healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', startupProbe: true }),
      autoscaling: { memoryTargetUtilizationPercent: 80 },
      egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { ports: [5432] })],
    });
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('snapshot of the default app', () => {
    expect(render().manifest).toMatchSnapshot();
  });

  test('every object carries the recommended labels, and names match the instance label', () => {
    const { manifest } = render({ name: 'web' });
    for (const obj of manifest) {
      expect(obj.metadata.name).toBe('web');
      expect(obj.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'web',
        'app.kubernetes.io/instance': 'web',
        'app.kubernetes.io/component': 'server',
        'app.kubernetes.io/part-of': 'shop',
        'app.kubernetes.io/version': '1.4.2',
        'app.kubernetes.io/managed-by': 'cdk8s-hardened',
      });
    }
  });

  test('name defaults to a unique DNS label derived from the construct path', () => {
    const { app, deployment } = render();
    expect(app.name).toMatch(/^shop-web-[0-9a-f]{8}$/);
    expect(deployment.metadata.name).toBe(app.name);
  });
});

describe('pod hardening', () => {
  test('pod security context: non-root, IDs 65532, RuntimeDefault seccomp', () => {
    const { pod } = render();
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532,
      fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('container security context: no escalation, not privileged, read-only root, drop ALL', () => {
    const { container } = render();
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('no host namespaces, no hostPath, no service links', () => {
    const { pod } = render({ writablePaths: ['/tmp'] });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostIPC).toBeUndefined();
    expect(pod.volumes.every((v: any) => v.hostPath === undefined)).toBe(true);
    expect(pod.enableServiceLinks).toBe(false);
  });

  test('custom user and group IDs', () => {
    const { pod } = render({ runAsUser: 10001, runAsGroup: 10002 });
    expect(pod.securityContext.runAsUser).toBe(10001);
    expect(pod.securityContext.runAsGroup).toBe(10002);
    expect(pod.securityContext.fsGroup).toBe(10002);
  });

  test('dedicated ServiceAccount without a token, on the ServiceAccount and the pod', () => {
    const { manifest, pod, app } = render();
    const sa = one(manifest, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(pod.serviceAccountName).not.toBe('default');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(app.serviceAccount.name).toBe(sa.metadata.name);
  });

  test('image is used as given, pulled Always', () => {
    const { container } = render();
    expect(container.image).toBe(IMAGE);
    expect(container.imagePullPolicy).toBe('Always');
  });

  test('digest-pinned images are accepted', () => {
    const image = `ghcr.io/acme/web@sha256:${'a'.repeat(64)}`;
    const { container, deployment } = render({ image });
    expect(container.image).toBe(image);
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
  });

  test('requests and limits for cpu, memory and ephemeral storage by default', () => {
    const { container } = render();
    expect(container.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '256Mi' },
    });
  });

  test('partial resources keep the defaults for the rest', () => {
    const { container } = render({ resources: { cpu: { request: '250m', limit: '1' } } });
    expect(container.resources.requests.cpu).toBe('250m');
    expect(container.resources.limits.cpu).toBe('1');
    expect(container.resources.limits.memory).toBe('256Mi');
  });

  test('writable paths become size-limited emptyDirs; root stays read-only', () => {
    const { pod, container } = render({ writablePaths: ['/tmp', '/var/cache/app'] });
    expect(pod.volumes).toEqual([
      { name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'writable-var-cache-app', emptyDir: { sizeLimit: '64Mi' } },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: 'writable-tmp', mountPath: '/tmp' },
      { name: 'writable-var-cache-app', mountPath: '/var/cache/app' },
    ]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('env map becomes sorted plain variables', () => {
    const { container } = render({ env: { LOG_LEVEL: 'info', A_FLAG: 'on' } });
    expect(container.env).toEqual([{ name: 'A_FLAG', value: 'on' }, { name: 'LOG_LEVEL', value: 'info' }]);
  });

  test('command and args are passed through', () => {
    const { container } = render({ command: ['/app/server'], args: ['--port', '8080'] });
    expect(container.command).toEqual(['/app/server']);
    expect(container.args).toEqual(['--port', '8080']);
  });
});

describe('Deployment', () => {
  test('no spec.replicas while the HPA owns scaling', () => {
    const { deployment } = render();
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test('fixed replicas when autoscaling is off, and no HPA', () => {
    const { deployment, manifest, app } = render({ autoscaling: { enabled: false }, replicas: 3 });
    expect(deployment.spec.replicas).toBe(3);
    expect(manifest.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(app.autoscaler).toBeUndefined();
  });

  test('autoscaling off defaults to 2 replicas', () => {
    expect(render({ autoscaling: { enabled: false } }).deployment.spec.replicas).toBe(2);
  });

  test('zero-downtime rolling update with rollback history and a progress deadline', () => {
    const { deployment } = render();
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    expect(deployment.spec.revisionHistoryLimit).toBe(10);
    expect(deployment.spec.progressDeadlineSeconds).toBe(600);
  });

  test('selector matches the template labels and is stable (no version)', () => {
    const { deployment } = render();
    const selector = deployment.spec.selector.matchLabels;
    expect(Object.keys(selector).sort()).toEqual(['app.kubernetes.io/instance', 'app.kubernetes.io/name']);
    for (const [k, v] of Object.entries(selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  test('topology spread over zones and nodes, plus preferred anti-affinity', () => {
    const { pod, deployment } = render();
    const selector = deployment.spec.selector.matchLabels;
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const t of pod.topologySpreadConstraints) {
      expect(t).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'] });
    }
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]).toEqual({
      weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
    });
  });

  test('escape hatch: JSON patches on the Deployment survive', () => {
    const c = chart();
    const app = new SecureApp(c, 'web', { image: IMAGE });
    ApiObject.of(app.deployment).addJsonPatch(JsonPatch.add('/spec/minReadySeconds', 15));
    ApiObject.of(app.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/terminationGracePeriodSeconds', 45));
    const deployment = one(synth(c), 'Deployment');
    expect(deployment.spec.minReadySeconds).toBe(15);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });
});

describe('probes', () => {
  test('default: TCP readiness and liveness on the named port', () => {
    const { container } = render();
    expect(container.readinessProbe).toMatchObject({ tcpSocket: { port: 'http' }, periodSeconds: 5 });
    expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' }, periodSeconds: 10 });
    expect(container.startupProbe).toBeUndefined();
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('http: separate readiness and liveness paths, optional startup probe', () => {
    const { container } = render({ healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', startupProbe: true, startupTimeoutSeconds: 120 }) });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http', scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(120);
  });

  test('https scheme', () => {
    const { container } = render({ healthCheck: HealthCheck.http('/ready', { https: true }) });
    expect(container.readinessProbe.httpGet.scheme).toBe('HTTPS');
  });

  test('exec: readiness and liveness commands', () => {
    const { container } = render({ healthCheck: HealthCheck.exec(['/bin/ready'], { livenessCommand: ['/bin/alive'] }) });
    expect(container.readinessProbe.exec).toEqual({ command: ['/bin/ready'] });
    expect(container.livenessProbe.exec).toEqual({ command: ['/bin/alive'] });
  });

  test('custom port', () => {
    const { container, manifest } = render({ port: 9090, servicePort: 8443 });
    expect(container.ports[0].containerPort).toBe(9090);
    const svc = one(manifest, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8443, targetPort: 'http', protocol: 'TCP' }]);
    expect(one(manifest, 'NetworkPolicy').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9090 }]);
  });
});

describe('Service, HPA, PDB', () => {
  test('Service: ClusterIP, dual-stack, named port, selects the pods', () => {
    const { manifest, deployment } = render();
    const svc = one(manifest, 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ipFamilyPolicy).toBe('PreferDualStack');
    // The Service port defaults to the container port (8080), as with `ports`.
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('serviceName names the Service apart from the app; the Deployment, ServiceAccount, HPA, PDB and NetworkPolicy keep the name', () => {
    const { manifest, deployment, app } = render({ name: 'emoji', serviceName: 'emoji-svc' });
    const svc = one(manifest, 'Service');
    expect(svc.metadata.name).toBe('emoji-svc');
    expect(svc.metadata.labels).toEqual(deployment.metadata.labels);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(manifest.filter(o => o.kind !== 'Service').map(o => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'Deployment emoji', 'HorizontalPodAutoscaler emoji', 'NetworkPolicy emoji', 'PodDisruptionBudget emoji', 'ServiceAccount emoji',
    ]);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('emoji');
    expect(app.serviceName).toBe('emoji-svc');
    expect(app.name).toBe('emoji');
    expect(render({ name: 'emoji' }).app.serviceName).toBe('emoji');
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('serviceName: the Ingress and the HTTPRoute route to that Service', () => {
    const c = chart();
    const app = new SecureApp(c, 'web', { name: 'web', serviceName: 'web-svc', image: IMAGE, servicePort: 80 });
    const controller = NetworkPeer.pods({ app: 'ingress' }, { namespace: 'ingress' });
    app.exposeViaIngress({ host: 'web.example.com', controller });
    app.exposeViaHttpRoute({ gateway: { name: 'public', namespace: 'gateways' }, hostnames: ['web.example.com'], controller });
    const manifest = synth(c);
    expect(one(manifest, 'Ingress').spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'web-svc', port: { number: 80 } });
    expect(one(manifest, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'web-svc', port: 80 }]);
    expect(one(manifest, 'Ingress').metadata.name).toBe('web');
  });

  test('serviceName: the connectivity lint resolves a call by the Service name (blocked until connected, then passes)', () => {
    const build = (connect: boolean) => {
      const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
      const web = new SecureApp(c, 'web', { name: 'web', image: IMAGE, healthCheck: HealthCheck.tcp(), env: { EMOJISVC_HOST: 'emoji-svc.shop:8080' } });
      const emoji = new SecureApp(c, 'emoji', { name: 'emoji', serviceName: 'emoji-svc', image: IMAGE, healthCheck: HealthCheck.tcp(), ingressFrom: [] });
      if (connect) web.connections.allowTo(emoji);
      return c;
    };
    expect(() => Testing.synth(build(false))).toThrow(/HARDENED-NET-010[\s\S]*names emoji-svc\.shop:8080: Deployment shop\/web calls Service shop\/emoji-svc port 8080 → Deployment shop\/emoji on 8080\/TCP/);
    const objects = Testing.synth(build(true));
    // The connection graph shows the Service under the Deployment it fronts.
    expect(toMermaid(connectionGraph(NetworkModel.fromObjects(objects)))).toContain('Deployment emoji<br/>Service emoji-svc :8080');
  });

  test('serviceName: a Service name another app\'s Service has fails the synth (HARDENED-DUP-001)', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new SecureApp(c, 'emoji', { name: 'emoji', serviceName: 'web', image: IMAGE, healthCheck: HealthCheck.tcp() });
    new SecureApp(c, 'web', { name: 'web', image: IMAGE, healthCheck: HealthCheck.tcp() });
    expect(() => Testing.synth(c)).toThrow(/HARDENED-DUP-001: Service shop\/web .* is defined twice, at shop\/emoji\/Service and at shop\/web\/Service/);
  });

  test('HPA: 2 to 10 at 70% CPU, scale-down stabilization, targets the Deployment', () => {
    const { manifest, deployment } = render();
    const hpa = one(manifest, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
  });

  test('HPA: custom bounds and a memory target', () => {
    const hpa = one(render({ autoscaling: { minReplicas: 3, maxReplicas: 20, cpuTargetUtilizationPercent: 60, memoryTargetUtilizationPercent: 80 } }).manifest, 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(20);
    expect(hpa.spec.metrics[1]).toEqual({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } });
  });

  test('PDB: one pod at a time, unhealthy pods evictable, selects exactly the pods', () => {
    const { manifest, deployment } = render();
    const pdb = one(manifest, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: deployment.spec.selector.matchLabels },
    });
  });

  test('PDB is present also with a fixed single replica', () => {
    const { manifest } = render({ autoscaling: { enabled: false }, replicas: 1 });
    expect(one(manifest, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

describe('NetworkPolicy', () => {
  test('selects the pods by the instance label only, both policy types, ingress from the namespace on the port, egress DNS', () => {
    const { manifest, app } = render({ name: 'web' });
    const np = one(manifest, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web' } });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(np.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
    expect(app.networkPolicy).toBeDefined();
  });

  test('declared ingress peers and egress destinations', () => {
    const c = chart();
    const api = new SecureApp(c, 'api', { image: IMAGE, name: 'api', port: 9090 });
    new SecureApp(c, 'web', {
      image: IMAGE,
      name: 'web',
      ingressFrom: [NetworkPeer.namespace('ingress-nginx'), NetworkPeer.pods({ role: 'monitor' }, { namespace: 'monitoring' })],
      egressTo: [
        NetworkPeer.workload(api),
        NetworkPeer.ipBlock('203.0.113.0/24', { ports: [443], except: ['203.0.113.7/32'] }),
        NetworkPeer.sameNamespace({ ports: [53], protocol: NetworkProtocol.UDP }),
      ],
    });
    const np = one(synth(c), 'NetworkPolicy', 'web');
    expect(np.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: { matchLabels: { role: 'monitor' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(np.spec.egress.slice(1)).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ podSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] },
    ]);
  });

  test('no ingress peers means no ingress rule at all (an empty `from` would allow everyone)', () => {
    const np = one(render({ ingressFrom: [] }).manifest, 'NetworkPolicy');
    expect(np.spec.ingress).toBeUndefined();
    expect(np.spec.policyTypes).toContain('Ingress');
  });
});

describe('workload classes', () => {
  test('no class: no priorityClassName (a missing PriorityClass would block every pod)', () => {
    expect(render().pod.priorityClassName).toBeUndefined();
  });

  test('CRITICAL: its PriorityClass and Guaranteed QoS (requests equal limits)', () => {
    const { pod, container } = render({ workloadClass: WorkloadClass.CRITICAL });
    expect(pod.priorityClassName).toBe('hardened-critical');
    expect(container.resources.requests).toEqual(container.resources.limits);
  });

  test('STANDARD and BATCH name their PriorityClasses', () => {
    expect(render({ workloadClass: WorkloadClass.STANDARD }).pod.priorityClassName).toBe('hardened-standard');
    expect(render({ workloadClass: WorkloadClass.BATCH }).pod.priorityClassName).toBe('hardened-batch');
  });

  test('an explicit priorityClassName wins', () => {
    expect(render({ workloadClass: WorkloadClass.BATCH, priorityClassName: 'team-low' }).pod.priorityClassName).toBe('team-low');
  });

  test('CRITICAL refuses requests below limits', () => {
    expectError({ workloadClass: WorkloadClass.CRITICAL, resources: { cpu: { request: '100m', limit: '1' } } }, 'resources.cpu', 'Guaranteed');
  });
});

describe('storage', () => {
  test('each volume becomes a PVC mounted in the container', () => {
    const { manifest, pod, container, app } = render({
      name: 'files', autoscaling: { enabled: false }, replicas: 1,
      storage: [{ mountPath: '/data', size: '10Gi', storageClassName: 'fast-ssd' }, { mountPath: '/archive', size: '1Ti', name: 'archive', accessMode: StorageAccessMode.READ_WRITE_ONCE_POD }],
    });
    const pvcs = manifest.filter(o => o.kind === 'PersistentVolumeClaim');
    expect(pvcs.map(p => p.metadata.name)).toEqual(['files-data', 'files-archive']);
    expect(pvcs[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '10Gi' } } });
    expect(pvcs[1].spec.accessModes).toEqual(['ReadWriteOncePod']);
    expect(pod.volumes).toEqual([
      { name: 'storage-data', persistentVolumeClaim: { claimName: 'files-data' } },
      { name: 'storage-archive', persistentVolumeClaim: { claimName: 'files-archive' } },
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'storage-data', mountPath: '/data' }, { name: 'storage-archive', mountPath: '/archive' }]);
    expect(app.persistentVolumeClaims).toHaveLength(2);
  });

  test('ReadWriteMany may be shared by autoscaled replicas', () => {
    const { manifest } = render({ storage: [{ mountPath: '/shared', size: '5Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }] });
    expect(one(manifest, 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteMany']);
  });
});

describe('config', () => {
  function withConfig(data: Record<string, string>, attach: (cm: kplus.ConfigMap) => any[] = cm => [cm]) {
    const c = chart();
    const cm = new kplus.ConfigMap(c, 'settings', { data });
    new SecureApp(c, 'web', { image: IMAGE, config: attach(cm) });
    const manifest = synth(c);
    const deployment = one(manifest, 'Deployment');
    return { cm, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0], manifest };
  }

  test('a ConfigMap is mounted read-only as files by default', () => {
    const { cm, pod, container } = withConfig({ LOG_LEVEL: 'info' });
    expect(pod.volumes).toEqual([{ name: 'config-0', configMap: { name: cm.name, defaultMode: 0o444 } }]);
    expect(container.volumeMounts).toEqual([{ name: 'config-0', mountPath: `/etc/config/${cm.name}`, readOnly: true }]);
  });

  test('mount path can be chosen', () => {
    const { container } = withConfig({ A: '1' }, cm => [ConfigAttachment.files(cm, { mountPath: '/etc/web' })]);
    expect(container.volumeMounts[0].mountPath).toBe('/etc/web');
  });

  test('as environment variables, all keys or selected keys', () => {
    const all = withConfig({ A: '1' }, cm => [ConfigAttachment.env(cm)]);
    expect(all.container.envFrom).toEqual([{ configMapRef: { name: all.cm.name } }]);
    const some = withConfig({ A: '1', B: '2' }, cm => [ConfigAttachment.env(cm, { keys: ['B'] })]);
    expect(some.container.env).toEqual([{ name: 'B', valueFrom: { configMapKeyRef: { name: some.cm.name, key: 'B' } } }]);
  });

  test('every referenced ConfigMap exists in the output', () => {
    const { manifest, pod } = withConfig({ A: '1' });
    const names = manifest.filter(o => o.kind === 'ConfigMap').map(o => o.metadata.name);
    expect(names).toContain(pod.volumes[0].configMap.name);
  });

  test('checksum annotation: the same on every synth, changes exactly when the data changes', () => {
    const a = withConfig({ LOG_LEVEL: 'info' }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    const b = withConfig({ LOG_LEVEL: 'info' }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    const c = withConfig({ LOG_LEVEL: 'debug' }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  test('checksum sees data added to the ConfigMap after the app was defined', () => {
    const c = chart();
    const cm = new kplus.ConfigMap(c, 'settings', { data: { A: '1' } });
    new SecureApp(c, 'web', { image: IMAGE, config: [cm] });
    const before = one(synth(c), 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    cm.addData('B', '2');
    const after = one(synth(c), 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(after).not.toBe(before);
  });

  test('no config: no checksum annotation', () => {
    expect(render().deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBeUndefined();
  });

  test('a ConfigMap the cluster provides (imported) is referenced by name', () => {
    const c = chart();
    const imported = kplus.ConfigMap.fromConfigMapName(c, 'cluster-ca', 'cluster-ca');
    new SecureApp(c, 'web', { image: IMAGE, config: [imported] });
    expect(podSpec(one(synth(c), 'Deployment')).volumes[0]).toEqual({ name: 'config-0', configMap: { name: 'cluster-ca', defaultMode: 0o444 } });
  });
});

describe('bad input is refused at construct time with path, prop, value and fix', () => {
  test.each([
    ['ghcr.io/acme/web', 'no tag or digest'],
    ['ghcr.io/acme/web:latest', '"latest" is mutable'],
    ['nginx', 'no tag or digest'],
    ['ghcr.io/acme/web@sha256:1234', 'digest'],
    ['GHCR.io/Acme/Web:1.0', 'not a valid image reference'],
    ['', 'not an image reference'],
  ])('image %j', (image, problem) => expectError({ image }, 'image', JSON.stringify(image), problem));

  test.each([0, -1, 1.5])('replicas %p', (replicas) => expectError({ autoscaling: { enabled: false }, replicas }, 'replicas', String(replicas)));
  test('a serviceName that is not a DNS label', () => expectError({ serviceName: 'Emoji_Svc' }, 'serviceName', '"Emoji_Svc"', 'DNS-1123 label', 'emoji-svc'));
  test('a serviceName that starts with a digit (Service names are DNS-1035 labels)', () => expectError({ serviceName: '1-emoji' }, 'serviceName', '"1-emoji"', 'start with a letter'));
  test('a serviceName that is not a string', () => expectError({ serviceName: 7 as any }, 'serviceName', 'string'));
  test('replicas together with autoscaling', () => expectError({ replicas: 3 }, 'replicas', 'autoscaling'));
  test('HPA min < 1', () => expectError({ autoscaling: { minReplicas: 0 } }, 'autoscaling.minReplicas'));
  test('HPA min > max', () => expectError({ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, 'autoscaling', 'minReplicas is greater than maxReplicas'));
  test.each([0, 101, 50.5])('cpu target %p', (cpu) => expectError({ autoscaling: { cpuTargetUtilizationPercent: cpu } }, 'autoscaling.cpuTargetUtilizationPercent', '1 to 100'));
  test('memory target 0', () => expectError({ autoscaling: { memoryTargetUtilizationPercent: 0 } }, 'autoscaling.memoryTargetUtilizationPercent'));
  test('limit below request', () => expectError({ resources: { memory: { request: '1Gi', limit: '512Mi' } } }, 'resources.memory', 'limit is below the request'));
  test('not a quantity', () => expectError({ resources: { cpu: { request: 'lots', limit: '1' } } }, 'resources.cpu.request', '"lots"', 'quantity'));
  test.each([0, 65536, 80.5])('port %p', (port) => expectError({ port }, 'port', String(port), '1 to 65535'));
  test('service port', () => expectError({ servicePort: 70000 }, 'servicePort'));
  test.each(['Web', 'web_app', '-web', 'a'.repeat(64)])('name %j', (name) => expectError({ name }, 'name', 'DNS-1123'));
  test('name starting with a digit', () => expectError({ name: '1web' }, 'name', 'start with a letter'));
  test.each(['tmp', '/', '/a/../b', '/a//b', '/a/'])('writable path %j', (p) => expectError({ writablePaths: [p] }, 'writablePaths[0]', 'absolute'));
  test('writable paths beyond the ephemeral-storage limit', () => expectError({ writablePaths: ['/a', '/b', '/c', '/d', '/e'] }, 'writablePaths', 'ephemeral-storage'));
  test('two volumes on one path', () => expectError({ writablePaths: ['/data'], storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }] }, 'storage[0].mountPath', 'already mounted'));
  test('storage size not a quantity', () => expectError({ storage: [{ mountPath: '/data', size: '10 gigs', accessMode: StorageAccessMode.READ_WRITE_MANY }] }, 'storage[0].size', '"10 gigs"'));
  test('storage mount path not absolute', () => expectError({ storage: [{ mountPath: 'data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }] }, 'storage[0].mountPath'));
  test('single-node storage with several replicas', () => expectError({ storage: [{ mountPath: '/data', size: '1Gi' }] }, 'storage[0].accessMode', 'ReadWriteOnce', 'READ_WRITE_MANY'));
  test('bad storage class name', () => expectError({ autoscaling: { enabled: false }, replicas: 1, storage: [{ mountPath: '/data', size: '1Gi', storageClassName: 'Fast_SSD' }] }, 'storage[0].storageClassName'));
  test.each([0, 999, 9999])('runAsUser %p below 10000', (runAsUser) => expectError({ runAsUser }, 'runAsUser', '10000'));
  test('runAsGroup 0', () => expectError({ runAsGroup: 0 }, 'runAsGroup'));
  test('bad priority class name', () => expectError({ priorityClassName: 'High Priority' }, 'priorityClassName'));
  test('env name', () => expectError({ env: { '1BAD': 'x' } }, 'env', '"1BAD"'));
  test('secret-looking env value in plaintext, without echoing the value', () => {
    let message = '';
    try {
      new SecureApp(chart(), 'web', { image: IMAGE, env: { DB_PASSWORD: 'hunter2-very-secret' } });
    } catch (e) { message = (e as Error).message; }
    expect(message).toContain('env.DB_PASSWORD');
    expect(message).toContain('EncryptedConfig');
    expect(message).not.toContain('hunter2');
  });
  test('health check path', () => expectError({ healthCheck: HealthCheck.http('ready') }, 'healthCheck', 'start with "/"'));
  test('empty exec health check', () => expectError({ healthCheck: HealthCheck.exec([]) }, 'healthCheck', 'non-empty command'));
  test('health check timeout longer than the period', () => expectError({ healthCheck: HealthCheck.tcp({ periodSeconds: 2, timeoutSeconds: 5 }) }, 'healthCheck.timeoutSeconds'));
  test('ingress peer with ports', () => expectError({ ingressFrom: [NetworkPeer.sameNamespace({ ports: [80] })] }, 'ingressFrom', 'egress only'));
  test('bad CIDR', () => expectError({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/33')] }, 'NetworkPeer.ipBlock', '"10.0.0.0/33"'));
  test('egress port out of range', () => expectError({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { ports: [0] })] }, 'egressTo port'));
  test('empty pod peer', () => expectError({ ingressFrom: [NetworkPeer.pods({})] }, 'NetworkPeer.pods', 'every pod'));
  test('config that is not a ConfigMap or EncryptedConfig', () => {
    const c = chart();
    const other = new kplus.ServiceAccount(c, 'sa');
    expect(() => new SecureApp(c, 'web', { image: IMAGE, config: [other] })).toThrow(/shop\/web: invalid config\[0\].*not a ConfigMap or EncryptedConfig/);
  });
  test('the same config attached twice', () => {
    const c = chart();
    const cm = new kplus.ConfigMap(c, 'cm', { data: { A: '1' } });
    expect(() => new SecureApp(c, 'web', { image: IMAGE, config: [cm, ConfigAttachment.env(cm)] })).toThrow(/attached twice/);
  });
  test('env key set twice', () => {
    const c = chart();
    const cm = new kplus.ConfigMap(c, 'cm', { data: { A: '1' } });
    expect(() => new SecureApp(c, 'web', { image: IMAGE, env: { A: '0' }, config: [ConfigAttachment.env(cm, { keys: ['A'] })] })).toThrow(/set twice/);
  });
});

describe('failed synth writes nothing', () => {
  test('construct-time error: no output directory content', () => {
    const fs = require('fs') as typeof import('fs');
    const os = require('os') as typeof import('os');
    const outdir = fs.mkdtempSync(require('path').join(os.tmpdir(), 'hardened-'));
    const app = new App({ outdir });
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(c, 'web', { image: 'nginx' })).toThrow();
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('EncryptedConfig attached to a SecureApp', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { controllerCertificate } = require('./helpers/keys');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EncryptedConfig, SealingCertificate } = require('../src');
  const certificate = () => SealingCertificate.fromPem(controllerCertificate().pem);

  function withSecret(config: (db: any) => any[], values: any = { values: { DB_PASSWORD: 'correct horse battery staple' } }) {
    const c = chart();
    const db = new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), ...values });
    new SecureApp(c, 'api', { image: IMAGE, config: config(db) });
    const manifest = synth(c);
    const deployment = one(manifest, 'Deployment');
    return { manifest, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0] };
  }

  test('mounted read-only as files from the Secret the controller creates (mode 0440, group-readable)', () => {
    const { pod, container, manifest } = withSecret(db => [db]);
    expect(pod.volumes).toEqual([{ name: 'config-0', secret: { secretName: 'db-credentials', defaultMode: 0o440 } }]);
    expect(container.volumeMounts).toEqual([{ name: 'config-0', mountPath: '/etc/secrets/db-credentials', readOnly: true }]);
    expect(container.env).toBeUndefined();
    expect(one(manifest, 'SealedSecret').metadata.name).toBe('db-credentials');
    expect(manifest.some(o => o.kind === 'Secret')).toBe(false);
  });

  test('environment variables only when asked, for selected keys', () => {
    const { container } = withSecret(db => [ConfigAttachment.env(db, { keys: ['DB_PASSWORD'] })]);
    expect(container.env).toEqual([{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'DB_PASSWORD' } } }]);
  });

  test('the checksum comes from ciphertext: stable for pre-sealed values, never from plaintext', () => {
    const sealed = certificate().seal(Buffer.from('s3cret-value'), { namespace: 'shop', name: 'db-credentials' });
    const a = withSecret(db => [db], { sealedValues: { DB_PASSWORD: sealed } }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    const b = withSecret(db => [db], { sealedValues: { DB_PASSWORD: sealed } }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(a).toBe(b);
    const createHash = require('crypto').createHash;
    expect(a).not.toBe(createHash('sha256').update('s3cret-value').digest('hex'));
    const resealed = certificate().seal(Buffer.from('s3cret-value'), { namespace: 'shop', name: 'db-credentials' });
    expect(withSecret(db => [db], { sealedValues: { DB_PASSWORD: resealed } }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).not.toBe(a);
  });

  test('no plaintext anywhere in the output', () => {
    const { manifest } = withSecret(db => [db, ]);
    const text = JSON.stringify(manifest);
    expect(text).not.toContain('correct horse battery staple');
    expect(text).not.toContain(Buffer.from('correct horse battery staple').toString('base64'));
  });

  test('an object from another namespace is refused (a pod cannot mount it)', () => {
    const app = Testing.app();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const db = new EncryptedConfig(other, 'db', { certificate: certificate(), values: { A: 'x' } });
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(shop, 'web', { image: IMAGE, config: [db] })).toThrow(/shop\/web: invalid config\[0\].*namespace "other".*Fix:/);
  });
});

describe('our own policy rules accept SecureApp output', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HardenedChart } = require('../src');
  test.each<[string, Partial<SecureAppProps>]>([
    ['defaults (TCP probes)', {}],
    ['http probes, class, config, writable paths', { healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', startupProbe: true }), workloadClass: WorkloadClass.CRITICAL, writablePaths: ['/tmp'] }],
    ['fixed replicas and storage', { autoscaling: { enabled: false }, replicas: 1, storage: [{ mountPath: '/data', size: '1Gi' }] }],
    ['no ingress, egress to a CIDR', { ingressFrom: [], egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { ports: [5432] })] }],
  ])('%s: no policy errors', (_label, props) => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop', createNamespace: true, printWarnings: false });
    new SecureApp(c, 'web', { image: IMAGE, ...props });
    expect(() => synth(c)).not.toThrow();
    const report = c.policyReport();
    expect(report.errors).toBe(0);
    const warnings = report.findings.map((f: any) => f.ruleId);
    // Tag-pinned image: the digest warning; TCP default: identical probes (both documented).
    for (const w of warnings) expect(['HARDENED-IMG-002', 'HARDENED-PROBE-003']).toContain(w);
    expect(warnings).toContain('HARDENED-IMG-002');
  });
});

describe('review fixes', () => {
  test('names derived from ids with "_" or "." become valid DNS labels', () => {
    const c = chart();
    const app = new SecureApp(c, 'Core_Service.v2', { image: IMAGE });
    expect(app.name).toMatch(/^shop-core-service-v2-[0-9a-f]{8}$/);
    for (const o of synth(c)) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
  test('an empty egress port list is refused (Kubernetes reads it as every port)', () =>
    expectError({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { ports: [] })] }, 'egressTo ports', 'every port'));
  test('pod peers with invalid label keys or values are refused', () =>
    expectError({ ingressFrom: [NetworkPeer.pods({ 'bad key!': 'x y' })] }, 'NetworkPeer.pods', 'label selector'));
  test('an except range outside the block is refused', () =>
    expectError({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { except: ['192.168.0.0/16'] })] }, 'NetworkPeer.ipBlock except', '"192.168.0.0/16"', 'not inside 10.0.0.0/8'));
  test('an except range inside the block is kept', () => {
    const np = one(render({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { except: ['10.1.0.0/16'] })] }).manifest, 'NetworkPolicy');
    expect(np.spec.egress[1].to[0].ipBlock).toEqual({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] });
  });
  test.each(['AZURE_STORAGE_ACCOUNT_KEY', 'OCI_CLI_KEY_CONTENT', 'GITHUB_TOKEN', 'AUTH_BEARER', 'GOOGLE_APPLICATION_CREDENTIALS'])('env %s in plaintext is refused', (name) => {
    let message = '';
    try { new SecureApp(chart(), 'web', { image: IMAGE, env: { [name]: 'plainvalue-123' } }); } catch (e) { message = (e as Error).message; }
    expect(message).toContain(`env.${name}`);
    expect(message).not.toContain('plainvalue-123');
  });
  test('a private key in any env value is refused', () => {
    expect(() => new SecureApp(chart(), 'web', { image: IMAGE, env: { TLS: '-----BEGIN PRIVATE KEY-----\nabc' } })).toThrow(/env\.TLS.*<redacted>/);
  });
  test('ordinary names that merely contain "pass" are fine', () => {
    expect(() => render({ env: { PASSTHROUGH_MODE: 'on', COMPASS_URL: 'https://x' } })).not.toThrow();
  });
});

test('an EncryptedConfig pinned to a namespace cannot be attached to an app without one', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EncryptedConfig, SealingCertificate } = require('../src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { controllerCertificate } = require('./helpers/keys');
  const c = new Chart(Testing.app(), 'plain');
  const db = new EncryptedConfig(c, 'db', { certificate: SealingCertificate.fromPem(controllerCertificate().pem), namespace: 'other', values: { A: 'x' } });
  expect(() => new SecureApp(c, 'web', { image: IMAGE, config: [db] })).toThrow(/plain\/web: invalid config\[0\].*namespace "other".*no namespace.*Fix: give the workload's chart the namespace "other"/);
});

describe('named ports', () => {
  const PORTS = [
    { name: 'http', port: 8080 },
    { name: 'grpc', port: 9090, servicePort: 50051, appProtocol: 'kubernetes.io/h2c', ingressFrom: [NetworkPeer.namespace('mesh')] },
    { name: 'metrics', port: 9100, ingressFrom: [NetworkPeer.namespace('monitoring')] },
  ];

  test('each port: a container port, a Service port of the same name, its own ingress rule', () => {
    const { manifest, container, app } = render({ ports: PORTS });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9100, protocol: 'TCP' },
    ]);
    expect(one(manifest, 'Service').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'grpc', port: 50051, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    expect(one(manifest, 'NetworkPolicy').spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { from: [ns('mesh')], ports: [{ protocol: 'TCP', port: 9090 }] },
      { from: [ns('monitoring')], ports: [{ protocol: 'TCP', port: 9100 }] },
    ]);
    expect(app.port).toBe(8080);
    expect(app.portNames).toEqual(['http', 'grpc', 'metrics']);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('the first port is the main one: probes and NetworkPeer.workload use it', () => {
    const { container, app } = render({ ports: [{ name: 'grpc', port: 9090 }, { name: 'http', port: 8080 }] });
    expect(container.readinessProbe.tcpSocket.port).toBe('grpc');
    expect(app.port).toBe(9090);
  });

  test('servicePort defaults to the container port', () => {
    expect(one(render({ ports: [{ name: 'tcp-redis', port: 6379 }] }).manifest, 'Service').spec.ports[0].port).toBe(6379);
  });

  test('a port with an empty ingressFrom gets no ingress rule (nobody may connect)', () => {
    const np = one(render({ ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9000, ingressFrom: [] }] }).manifest, 'NetworkPolicy');
    expect(np.spec.ingress).toHaveLength(1);
  });

  test.each([
    ['duplicate names', [{ name: 'http', port: 1 }, { name: 'http', port: 2 }], 'ports[1]', 'the name "http" is used by ports[0]'],
    ['duplicate numbers', [{ name: 'http', port: 8080 }, { name: 'admin', port: 8080 }], 'ports[1]', 'container port 8080/TCP'],
    ['duplicate Service ports', [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'admin', port: 9000, servicePort: 80 }], 'ports[1]', 'Service port 80/TCP'],
    ['a name longer than 15 characters', [{ name: 'a-very-long-port-name', port: 1 }], 'ports[0].name', 'IANA'],
    ['upper case', [{ name: 'HTTP', port: 1 }], 'ports[0].name', 'IANA'],
    ['digits only', [{ name: '8080', port: 1 }], 'ports[0].name', 'at least one letter'],
    ['a leading dash', [{ name: '-http', port: 1 }], 'ports[0].name', 'IANA'],
    ['a double dash', [{ name: 'tcp--redis', port: 1 }], 'ports[0].name', 'twice'],
    ['out of range', [{ name: 'http', port: 70000 }], 'ports[0].port', '70000'],
    ['a bad appProtocol', [{ name: 'http', port: 1, appProtocol: 'not valid!' }], 'ports[0].appProtocol', 'application protocol'],
    ['no ports', [], 'ports', 'at least one port'],
  ])('refuses %s', (_what, ports, prop, fragment) => expectError({ ports: ports as any }, prop, fragment));

  test('refuses ports together with port', () => expectError({ port: 8080, ports: [{ name: 'http', port: 8080 }] }, 'port', 'ambiguous'));
  test('refuses an ingress peer with ports on a port', () => expectError({ ports: [{ name: 'http', port: 8080, ingressFrom: [NetworkPeer.sameNamespace({ ports: [1] })] }] }, 'ports[0].ingressFrom', 'egress only'));
});

describe('Service types and external access', () => {
  const ACCESS = { reason: 'public storefront behind the cloud load balancer', clientRanges: ['203.0.113.0/24', '2001:db8::/32'] };

  test('ClusterIP by default', () => {
    const svc = one(render().manifest, 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.externalTrafficPolicy).toBeUndefined();
  });

  test('LoadBalancer: client ranges on the Service and in the NetworkPolicy, client addresses kept, reason recorded', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new SecureApp(c, 'web', { image: IMAGE, serviceType: ServiceType.LOAD_BALANCER, externalAccess: ACCESS, healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }) });
    const manifest = synth(c);
    const svc = one(manifest, 'Service');
    expect(svc.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ACCESS.clientRanges });
    expect(svc.metadata.annotations['hardened.cdk8s.io/acknowledged']).toBe(`${EXTERNAL_SERVICE_RULE_ID}: ${ACCESS.reason}`);
    const from = one(manifest, 'NetworkPolicy').spec.ingress[0].from;
    expect(from).toEqual([{ podSelector: {} }, { ipBlock: { cidr: '203.0.113.0/24' } }, { ipBlock: { cidr: '2001:db8::/32' } }]);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('NodePort: no source ranges field, the NetworkPolicy does the filtering', () => {
    const { manifest } = render({ serviceType: ServiceType.NODE_PORT, externalAccess: ACCESS });
    const svc = one(manifest, 'Service');
    expect(svc.spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local' });
    expect(svc.spec.loadBalancerSourceRanges).toBeUndefined();
  });

  test('without the acknowledgement the gate would refuse a hand-made LoadBalancer (HARDENED-SVC-002)', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    const app = new SecureApp(c, 'web', { image: IMAGE, healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }) });
    ApiObject.of(app.service).addJsonPatch(JsonPatch.replace('/spec/type', 'LoadBalancer'));
    expect(() => synth(c)).toThrow(/HARDENED-SVC-002/);
  });

  test('refuses NodePort or LoadBalancer without externalAccess', () => {
    expectError({ serviceType: ServiceType.LOAD_BALANCER }, 'externalAccess', 'outside the cluster');
    expectError({ serviceType: ServiceType.NODE_PORT, externalAccess: { reason: 'short', clientRanges: ['0.0.0.0/0'] } }, 'externalAccess', 'at least 10');
  });
  test('refuses empty client ranges', () => expectError({ serviceType: ServiceType.LOAD_BALANCER, externalAccess: { reason: ACCESS.reason, clientRanges: [] } }, 'externalAccess.clientRanges'));
  test('refuses a client range that is not a CIDR', () => expectError({ serviceType: ServiceType.LOAD_BALANCER, externalAccess: { reason: ACCESS.reason, clientRanges: ['everyone'] } }, 'NetworkPeer.ipBlock', '"everyone"'));
  test('refuses externalAccess on a ClusterIP Service', () => expectError({ externalAccess: ACCESS }, 'externalAccess', 'ClusterIP'));
  test('refuses ExternalName', () => expectError({ serviceType: 'ExternalName' as any }, 'serviceType'));
});

describe('single-writer storage', () => {
  test('ReadWriteOnce with one replica: Recreate, and a PDB that lets a drain evict the pod', () => {
    const { deployment, manifest } = render({ autoscaling: { enabled: false }, replicas: 1, storage: [{ mountPath: '/data', size: '1Gi' }] });
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(one(manifest, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
  test('ReadWriteMany keeps the rolling update', () => {
    const { deployment } = render({ storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }] });
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
  });
  test('refuses ReadWriteOncePod with autoscaling, pointing at StatefulApp', () => {
    expectError({ storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_ONCE_POD }] }, 'storage[0].accessMode', 'autoscaled', 'StatefulApp');
  });
  test('refuses ReadWriteOnce with autoscaling even at one replica', () => {
    expectError({ autoscaling: { minReplicas: 1, maxReplicas: 1 }, storage: [{ mountPath: '/data', size: '1Gi' }] }, 'storage[0].accessMode', 'StatefulApp');
  });
  test('refuses replicas below 1', () => expectError({ autoscaling: { enabled: false }, replicas: 0 }, 'replicas'));
  test('refuses storage without a size', () => expectError({ autoscaling: { enabled: false }, replicas: 1, storage: [{ mountPath: '/data' } as any] }, 'storage[0].size', 'needs a size'));
});

describe('init containers and sidecars', () => {
  const INIT = { name: 'copy-tools', image: 'ghcr.io/acme/tools:1.2.0', command: ['cp', '/tools/bin', '/shared/bin'], writablePaths: ['/shared'] };
  const SIDECAR = { name: 'proxy', image: 'ghcr.io/acme/proxy:3.0.1', env: { UPSTREAM: 'localhost:8080' }, healthCheck: HealthCheck.exec(['/proxy', 'ready'], { livenessCommand: ['/proxy', 'alive'] }) };

  test('hardened like the main container; the main container stays first and default', () => {
    const { pod } = render({ writablePaths: ['/shared'], initContainers: [INIT], sidecars: [SIDECAR] });
    const [init] = pod.initContainers;
    const [main, proxy] = pod.containers;
    for (const c of [init, proxy]) {
      expect(c.securityContext).toEqual(main.securityContext);
      expect(c.imagePullPolicy).toBe('Always');
      expect(c.resources).toEqual(main.resources);
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    }
    expect(init).toMatchObject({ name: 'copy-tools', image: INIT.image, command: INIT.command });
    expect(init.readinessProbe).toBeUndefined();
    expect(proxy.env).toEqual([{ name: 'UPSTREAM', value: 'localhost:8080' }]);
    expect(proxy.readinessProbe.exec.command).toEqual(['/proxy', 'ready']);
    expect(proxy.livenessProbe.exec.command).toEqual(['/proxy', 'alive']);
    expect(main.name).toBe('web');
  });

  test('nativeSidecars: the sidecars become init containers with restartPolicy Always, keeping their probes', () => {
    const { pod, manifest } = render({ nativeSidecars: true, initContainers: [INIT], writablePaths: ['/shared'], sidecars: [SIDECAR] });
    expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['copy-tools', undefined], ['proxy', 'Always']]);
    expect(pod.initContainers[1].readinessProbe.exec.command).toEqual(['/proxy', 'ready']);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['web']);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('refuses a nativeSidecars that is not a boolean', () => expectError({ nativeSidecars: 'yes' as any }, 'nativeSidecars'));

  test('containers share a writable path: one emptyDir', () => {
    const { pod } = render({ writablePaths: ['/shared', '/tmp'], initContainers: [INIT] });
    const mount = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === '/shared');
    expect(mount(pod.initContainers[0]).name).toBe(mount(pod.containers[0]).name);
    expect(pod.volumes.filter((v: any) => v.emptyDir)).toHaveLength(2);
  });

  test('a sidecar-only writable path gets its own emptyDir, not mounted in the main container', () => {
    const { pod } = render({ sidecars: [{ ...SIDECAR, writablePaths: ['/cache'] }] });
    expect(pod.containers[1].volumeMounts).toEqual([{ name: 'writable-cache', mountPath: '/cache' }]);
    expect(pod.containers[0].volumeMounts).toBeUndefined();
  });

  test('their own resources; CRITICAL applies to them too', () => {
    const { pod } = render({ sidecars: [{ ...SIDECAR, resources: { cpu: { request: '10m', limit: '50m' } } }] });
    expect(pod.containers[1].resources.requests.cpu).toBe('10m');
    expectError({ workloadClass: WorkloadClass.CRITICAL, sidecars: [{ ...SIDECAR, resources: { cpu: { request: '10m', limit: '50m' } } }] }, 'sidecars[0].resources.cpu', 'Guaranteed');
  });

  test('every object validates against the schemas', () => {
    expect(schemaErrors(render({ writablePaths: ['/shared'], initContainers: [INIT], sidecars: [SIDECAR] }).manifest)).toEqual([]);
  });

  test('refuses a container name used twice in a pod', () => {
    expectError({ sidecars: [{ ...SIDECAR, name: 'web' }] }, 'sidecars[0].name', 'the main container', 'unique');
    expectError({ initContainers: [INIT], sidecars: [{ ...SIDECAR, name: 'copy-tools' }] }, 'sidecars[0].name', 'initContainers[0]');
  });
  test('refuses a latest or untagged image', () => {
    expectError({ sidecars: [{ ...SIDECAR, image: 'ghcr.io/acme/proxy:latest' }] }, 'sidecars[0].image', 'latest');
    expectError({ initContainers: [{ ...INIT, image: 'ghcr.io/acme/tools' }] }, 'initContainers[0].image', 'no tag');
  });
  test('refuses two containers mounting different volumes at one path', () => {
    expectError({ storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_MANY }], sidecars: [{ ...SIDECAR, writablePaths: ['/data'] }] },
      'storage[0].mountPath', 'sidecars[0].writablePaths[0]', 'different volumes');
  });
  test('refuses a probe on an init container', () => expectError({ initContainers: [{ ...INIT, healthCheck: HealthCheck.exec(['x']) }] }, 'initContainers[0].healthCheck'));
  test('refuses a port probe on a sidecar', () => expectError({ sidecars: [{ ...SIDECAR, healthCheck: HealthCheck.tcp() }] }, 'sidecars[0].healthCheck', 'HealthCheck.exec'));
  test('refuses a bad container name', () => expectError({ sidecars: [{ ...SIDECAR, name: 'Proxy_1' }] }, 'sidecars[0].name', 'DNS-1123'));
  test('refuses a secret-looking env value in a sidecar', () => expectError({ sidecars: [{ ...SIDECAR, env: { API_TOKEN: 'abc' } }] }, 'sidecars[0].env.API_TOKEN', '<redacted>'));
  test('refuses a relative writable path', () => expectError({ initContainers: [{ ...INIT, writablePaths: ['shared'] }] }, 'initContainers[0].writablePaths[0]'));
});
