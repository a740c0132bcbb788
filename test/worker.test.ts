import { Chart, Testing } from 'cdk8s';
import { HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, Subject, Worker, WorkerProps, WorkloadClass } from '../src';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/consumer:2.1.0';
const HEALTH = HealthCheck.exec(['/app/healthcheck', '--ready'], { livenessCommand: ['/app/healthcheck', '--alive'] });

function chart(): Chart {
  return new Chart(Testing.app(), 'shop', { namespace: 'shop' });
}

function render(props: Partial<WorkerProps> = {}) {
  const c = chart();
  const worker = new Worker(c, 'consumer', { image: IMAGE, healthCheck: HEALTH, ...props });
  const manifest = synth(c);
  const deployment = one(manifest, 'Deployment');
  return { chart: c, worker, manifest, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0] };
}

function expectError(props: Partial<WorkerProps>, ...fragments: string[]) {
  let message = '';
  try {
    new Worker(chart(), 'consumer', { image: IMAGE, healthCheck: HEALTH, ...props } as WorkerProps);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('shop/consumer');
  for (const f of fragments) expect(message).toContain(f);
  expect(message).toContain('Fix:');
}

describe('Worker output', () => {
  test('emits ServiceAccount, Deployment, PDB and NetworkPolicy: no Service, no HPA by default', () => {
    const { manifest } = render();
    expect(manifest.map(o => o.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount']);
  });

  test('every object validates against the Kubernetes schemas', () => {
    const { manifest } = render({
      autoscaling: { minReplicas: 2, maxReplicas: 5 },
      writablePaths: ['/tmp'],
      initContainers: [{ name: 'setup', image: 'ghcr.io/acme/setup:1.0.0', writablePaths: ['/tmp'] }],
      sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0', healthCheck: HealthCheck.exec(['/proxy', 'health']) }],
      egressTo: [NetworkPeer.ipBlock('10.0.0.0/8', { ports: [5672] })],
    });
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('snapshot of the default worker', () => {
    expect(render().manifest).toMatchSnapshot();
  });

  test('no port, exec probes, component "worker"', () => {
    const { container, deployment } = render();
    expect(container.ports).toBeUndefined();
    expect(container.readinessProbe.exec.command).toEqual(['/app/healthcheck', '--ready']);
    expect(container.livenessProbe.exec.command).toEqual(['/app/healthcheck', '--alive']);
    expect(deployment.metadata.labels['app.kubernetes.io/component']).toBe('worker');
  });

  test('the same hardened pod as SecureApp', () => {
    const { pod, container } = render();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('fixed 2 replicas, zero-downtime rollout, spread over zones and nodes', () => {
    const { deployment, pod } = render();
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('replicas', () => {
    expect(render({ replicas: 1 }).deployment.spec.replicas).toBe(1);
  });

  test('autoscaled: an HPA owns the count (no spec.replicas)', () => {
    const { manifest, deployment, worker } = render({ autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    const hpa = one(manifest, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: worker.name } });
    expect(deployment.spec.replicas).toBeUndefined();
    expect(worker.autoscaler).toBeDefined();
  });

  test('PDB: one pod at a time', () => {
    const pdb = one(render().manifest, 'PodDisruptionBudget');
    expect(pdb.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('NetworkPolicy: no ingress at all, egress DNS and the declared destinations', () => {
    const np = one(render({ egressTo: [NetworkPeer.namespace('queue', { ports: [5672] })] }).manifest, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toBeUndefined();
    expect(np.spec.egress).toHaveLength(2);
    expect(np.spec.egress[1].ports).toEqual([{ port: 5672, protocol: 'TCP' }]);
  });

  test('members', () => {
    const { worker } = render({ autoscaling: {} });
    expect(worker.deployment).toBeDefined();
    expect(worker.serviceAccount).toBeDefined();
    expect(worker.disruptionBudget).toBeDefined();
    expect(worker.networkPolicy).toBeDefined();
    expect(worker.autoscaler).toBeDefined();
    expect((worker as any).port).toBeUndefined();
  });

  test('a role gives the worker (and a container that asks for it) an API token', () => {
    const c = chart();
    const worker = new Worker(c, 'controller', {
      image: IMAGE, healthCheck: HEALTH,
      initContainers: [{ name: 'create-secret', image: 'ghcr.io/acme/kubectl:1.28.4', mountApiToken: true }],
    });
    new NamespaceRole(c, 'role', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], subjects: [Subject.fromServiceAccount(worker.serviceAccount)] });
    const pod = podSpec(one(synth(c), 'Deployment'));
    const tokenMount = (x: any) => x.volumeMounts?.some((m: any) => m.name === 'kube-api-access');
    expect(tokenMount(pod.containers[0])).toBe(true);
    expect(tokenMount(pod.initContainers[0])).toBe(true);
  });
});

describe('health on a health port', () => {
  test('HTTP, TCP and gRPC checks on a port the check names: declared on the container, no Service, no ingress rule', () => {
    for (const [check, handler] of [
      [HealthCheck.http('/ready', { port: 8081, liveness: HealthCheck.tcp({ port: 8081 }) }), 'httpGet'],
      [HealthCheck.tcp({ port: 8081 }), 'tcpSocket'],
      [HealthCheck.grpc({ port: 8081, service: 'ready', livenessService: 'liveness' }), 'grpc'],
    ] as const) {
      const { manifest, container } = render({ healthCheck: check });
      expect(container.ports).toEqual([{ name: 'health-8081', containerPort: 8081, protocol: 'TCP' }]);
      expect(container.readinessProbe[handler]).toBeDefined();
      expect(manifest.filter(o => o.kind === 'Service')).toEqual([]);
      const np = one(manifest, 'NetworkPolicy');
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.ingress).toBeUndefined();
      expect(schemaErrors(manifest)).toEqual([]);
    }
    const http = render({ healthCheck: HealthCheck.http('/ready', { port: 8081, liveness: HealthCheck.tcp({ port: 8081 }) }) }).container;
    expect(http.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'health-8081', scheme: 'HTTP' });
    expect(http.livenessProbe.tcpSocket).toEqual({ port: 'health-8081' });
  });

  test('the port takes the name given (portName)', () => {
    const { container } = render({ healthCheck: HealthCheck.http('/healthz', { port: 8081, portName: 'health', livenessPath: '/alive' }) });
    expect(container.ports).toEqual([{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet.port).toBe('health');
  });

  test('beside metrics: the health port and the metrics port, ingress on the metrics port only', () => {
    const scraper = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });
    const { manifest, container } = render({ healthCheck: HealthCheck.tcp({ port: 8081 }), metrics: { port: 9100, scraper } });
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([9100, 8081]);
    const ingress = one(manifest, 'NetworkPolicy').spec.ingress;
    expect(ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([9100]);
  });
});

describe('bad input', () => {
  test('served ports (ports, port, ingressFrom): a Worker has no Service', () => {
    expectError({ ports: [{ name: 'http', port: 8080 }] } as any, 'ports', 'serves no port', 'SecureApp');
    expectError({ port: 8080 } as any, 'port', 'serves no port');
    expectError({ ingressFrom: [NetworkPeer.sameNamespace()] } as any, 'ingressFrom', 'serves no port');
  });
  test('a bad portName, a portName without a port, a portName for a listed port', () => {
    expectError({ healthCheck: HealthCheck.tcp({ port: 8081, portName: 'Health_Port' }) }, 'healthCheck.portName', 'IANA');
    expectError({ healthCheck: HealthCheck.exec(['/r'], { liveness: HealthCheck.tcp({ portName: 'health' }) }) }, 'healthCheck');
    const scraper = NetworkPeer.pods({ app: 'prometheus' });
    expectError({ healthCheck: HealthCheck.tcp({ port: 9100, portName: 'health' }), metrics: { port: 9100, scraper } }, 'healthCheck.portName', 'already declared as "metrics"');
  });

  test('no health check', () => expectError({ healthCheck: undefined }, 'healthCheck', 'command'));
  test('a TCP health check (nothing listens)', () => expectError({ healthCheck: HealthCheck.tcp() }, 'healthCheck', '"tcp"', 'HealthCheck.exec'));
  test('an HTTP health check', () => expectError({ healthCheck: HealthCheck.http('/ready') }, 'healthCheck', '"http"'));
  test('replicas below 1', () => expectError({ replicas: 0 }, 'replicas'));
  test('replicas with autoscaling', () => expectError({ replicas: 3, autoscaling: {} }, 'replicas', 'autoscaling'));
  test('latest image', () => expectError({ image: 'ghcr.io/acme/consumer:latest' }, 'image', 'latest'));
  test('an API token mount without a role', () => {
    const c = chart();
    new Worker(c, 'consumer', { image: IMAGE, healthCheck: HEALTH, sidecars: [{ name: 'kubectl', image: 'ghcr.io/acme/kubectl:1.28.4', mountApiToken: true, healthCheck: HEALTH }] });
    expect(() => synth(c)).toThrow(/sidecars\[0\]\.mountApiToken.*no role is bound.*Fix:/);
  });
});

describe('policy gate', () => {
  test('a Worker with an init container and a sidecar passes the gate with no finding at all', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new Worker(c, 'consumer', {
      image: `ghcr.io/acme/consumer:2.1.0@sha256:${'a'.repeat(64)}`, healthCheck: HEALTH, workloadClass: WorkloadClass.STANDARD,
      initContainers: [{ name: 'setup', image: `ghcr.io/acme/setup:1.0.0@sha256:${'b'.repeat(64)}` }],
      sidecars: [{ name: 'proxy', image: `ghcr.io/acme/proxy:1.0.0@sha256:${'c'.repeat(64)}`, healthCheck: HealthCheck.exec(['/proxy', 'ready'], { livenessCommand: ['/proxy', 'alive'] }) }],
    });
    expect(c.policyReport().findings.map(f => `${f.ruleId} ${f.message}`)).toEqual([]);
  });

  test('a sidecar without a health check is reported by the gate (HARDENED-PROBE-001/002)', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new Worker(c, 'consumer', { image: IMAGE, healthCheck: HEALTH, sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0' }] });
    const ids = c.policyReport().findings.filter(f => f.severity === 'error').map(f => f.ruleId);
    expect(ids.sort()).toEqual(['HARDENED-PROBE-001', 'HARDENED-PROBE-002']);
  });
});

test('red team (issue 16): a liveness port check without its own port is refused naming healthCheck.liveness; with its port it is declared, with no ingress', () => {
  expectError({ healthCheck: HealthCheck.exec(['/app/ready'], { liveness: HealthCheck.tcp() }) }, 'invalid healthCheck.liveness "tcp"', 'serves no port');
  const { manifest, container } = render({ healthCheck: HealthCheck.exec(['/app/ready'], { liveness: HealthCheck.tcp({ port: 8081 }) }) });
  expect(container.ports).toEqual([{ name: 'health-8081', containerPort: 8081, protocol: 'TCP' }]);
  expect(container.livenessProbe.tcpSocket).toEqual({ port: 'health-8081' });
  expect(one(manifest, 'NetworkPolicy').spec.ingress).toBeUndefined();
  expect(manifest.filter((o) => o.kind === 'Service')).toEqual([]);
});
