import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ClaimRetention, EXTERNAL_SERVICE_RULE_ID, HardenedChart, ServiceType, HealthCheck, NetworkPeer, NetworkProtocol, StatefulApp, StatefulAppProps, StorageAccessMode, WorkloadClass } from '../src';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/db:16.4.0';

function chart(namespace: string | undefined = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace });
}

function render(props: Partial<StatefulAppProps> = {}, namespace?: string) {
  const c = chart(namespace);
  const app = new StatefulApp(c, 'db', { name: 'db', image: IMAGE, ...props });
  const manifest = synth(c);
  const sts = one(manifest, 'StatefulSet');
  return { app, manifest, sts, pod: podSpec(sts), container: podSpec(sts).containers[0] };
}

function expectError(props: Partial<StatefulAppProps>, ...fragments: string[]) {
  let message = '';
  try {
    new StatefulApp(chart(), 'db', { image: IMAGE, ...props } as StatefulAppProps);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('shop/db');
  for (const f of fragments) expect(message).toContain(f);
  expect(message).toContain('Fix:');
}

const CLUSTER: Partial<StatefulAppProps> = {
  replicas: 3,
  ports: [{ name: 'tcp-postgres', port: 5432 }, { name: 'tcp-repl', port: 5433 }],
  storage: [{ mountPath: '/var/lib/data', size: '10Gi' }],
  healthCheck: HealthCheck.exec(['pg_isready'], { livenessCommand: ['/bin/alive'] }),
};

describe('StatefulApp output', () => {
  test('emits ServiceAccount, StatefulSet, headless Service, PDB and NetworkPolicy', () => {
    expect(render().manifest.map(o => o.kind).sort()).toEqual(['NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'StatefulSet']);
  });

  test('every object validates against the Kubernetes schemas', () => {
    const { manifest } = render({
      ...CLUSTER,
      writablePaths: ['/tmp'],
      initContainers: [{ name: 'init-data', image: 'ghcr.io/acme/init:1.0.0', writablePaths: ['/tmp'] }],
      persistentVolumeClaimRetentionPolicy: { whenScaled: ClaimRetention.DELETE },
      podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
    });
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('snapshot of a three-replica database', () => {
    expect(render(CLUSTER).manifest).toMatchSnapshot();
  });

  test('one claim per volume and replica, mounted in the container', () => {
    const { sts, container, pod } = render({ storage: [{ mountPath: '/data', size: '10Gi', storageClassName: 'fast-ssd' }, { name: 'wal', mountPath: '/wal', size: '2Gi' }] });
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec])).toEqual([
      ['data', { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '10Gi' } } }],
      ['wal', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } }],
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }, { name: 'wal', mountPath: '/wal' }]);
    // The claims come from the templates, not from pod volumes.
    expect(pod.volumes).toBeUndefined();
  });

  test('ReadWriteOnce storage with several replicas is fine: each replica has its own claim', () => {
    expect(render({ replicas: 3, storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_ONCE_POD }] }).sts.spec.replicas).toBe(3);
  });

  test('claims are kept on delete and on scale-down by default; retention can be chosen', () => {
    expect(render().sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(render({ persistentVolumeClaimRetentionPolicy: { whenDeleted: ClaimRetention.DELETE } }).sts.spec.persistentVolumeClaimRetentionPolicy)
      .toEqual({ whenDeleted: 'Delete', whenScaled: 'Retain' });
  });

  test('governed by a headless Service named after the app; stable per-pod DNS', () => {
    const { manifest, sts, app } = render(CLUSTER);
    const svc = one(manifest, 'Service');
    expect(svc.metadata.name).toBe('db');
    expect(sts.spec.serviceName).toBe('db');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(svc.spec.ports).toEqual([
      { name: 'tcp-postgres', port: 5432, targetPort: 'tcp-postgres', protocol: 'TCP' },
      { name: 'tcp-repl', port: 5433, targetPort: 'tcp-repl', protocol: 'TCP' },
    ]);
    expect(app.podDnsName(0)).toBe('db-0.db.shop.svc');
    expect(app.podDnsName(2)).toBe('db-2.db.shop.svc');
    expect(() => app.podDnsName(3)).toThrow(/ordinal/);
  });

  test('serviceName names the headless Service apart from the app (a chart\'s "<name>-headless"), and the per-pod DNS with it', () => {
    const { manifest, sts, app } = render({ ...CLUSTER, serviceName: 'db-headless' });
    const svc = one(manifest, 'Service');
    expect(svc.metadata.name).toBe('db-headless');
    expect(sts.metadata.name).toBe('db');
    expect(sts.spec.serviceName).toBe('db-headless');
    expect(svc.metadata.labels).toEqual(sts.metadata.labels);
    expect(app.serviceName).toBe('db-headless');
    expect(app.podDnsName(1)).toBe('db-1.db-headless.shop.svc');
    expect(render().app.serviceName).toBe('db');
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('refuses a serviceName that is not a DNS label', () => expectError({ serviceName: 'DB_headless' }, 'serviceName', 'DB_headless'));
  test('refuses a serviceName that starts with a digit (a Service name is a DNS-1035 label)', () => expectError({ serviceName: '0-db' }, 'serviceName', '"0-db"', 'start with a letter'));

  test('ordered pod management and rolling updates by default; Parallel on request', () => {
    const { sts } = render();
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(sts.spec.revisionHistoryLimit).toBe(10);
    expect(render({ podManagementPolicy: kplus.PodManagementPolicy.PARALLEL }).sts.spec.podManagementPolicy).toBe('Parallel');
  });

  test('replicas default to 1 and are fixed (no HPA)', () => {
    expect(render().sts.spec.replicas).toBe(1);
    expect(render().manifest.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('the same hardened pod; spread over zones and nodes', () => {
    const { pod, container } = render();
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    // A StatefulSet's pods have no pod-template-hash label.
    expect(pod.topologySpreadConstraints[0].matchLabelKeys).toBeUndefined();
  });

  test('probes on the main port by default', () => {
    const { container } = render({ ports: [{ name: 'tcp-redis', port: 6379 }] });
    expect(container.readinessProbe.tcpSocket.port).toBe('tcp-redis');
    expect(container.ports).toEqual([{ name: 'tcp-redis', containerPort: 6379, protocol: 'TCP' }]);
  });

  test('PDB: one pod at a time', () => {
    expect(one(render(CLUSTER).manifest, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
  });

  test('NetworkPolicy: each port from its peers, and the replicas reach each other on every port (both directions)', () => {
    const { manifest } = render({
      ...CLUSTER,
      ports: [{ name: 'tcp-postgres', port: 5432, ingressFrom: [NetworkPeer.pods({ app: 'api' })] }, { name: 'tcp-repl', port: 5433, ingressFrom: [] }],
    });
    const np = one(manifest, 'NetworkPolicy');
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'db' } } };
    const both = [{ protocol: 'TCP', port: 5432 }, { protocol: 'TCP', port: 5433 }];
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { from: [self], ports: both },
    ]);
    expect(np.spec.egress).toContainEqual({ to: [self], ports: both });
  });

  test('peering: false (a single-replica database): no self ingress and no self egress; both directions with the default', () => {
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'db' } } };
    const off = one(render({ ports: [{ name: 'mongo', port: 27017, ingressFrom: [NetworkPeer.pods({ app: 'api' })] }], peering: false }).manifest, 'NetworkPolicy');
    expect(off.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 27017 }] }]);
    expect(off.spec.egress.filter((r: any) => JSON.stringify(r.to) === JSON.stringify([self]))).toEqual([]);
    expect(off.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const on = one(render({ ports: [{ name: 'mongo', port: 27017 }] }).manifest, 'NetworkPolicy');
    expect(on.spec.ingress).toContainEqual({ from: [self], ports: [{ protocol: 'TCP', port: 27017 }] });
    expect(on.spec.egress).toContainEqual({ to: [self], ports: [{ protocol: 'TCP', port: 27017 }] });
  });

  test('peerPorts: the replicas reach each other on the named ports only (both directions); clients keep every port', () => {
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'db' } } };
    const api = { podSelector: { matchLabels: { app: 'api' } } };
    const { manifest } = render({
      ...CLUSTER,
      ports: [{ name: 'amqp', port: 5672, ingressFrom: [NetworkPeer.pods({ app: 'api' })] }, { name: 'epmd', port: 4369, ingressFrom: [] }, { name: 'dist', port: 25672, ingressFrom: [] }],
      peerPorts: ['dist', 'epmd'],
    });
    const np = one(manifest, 'NetworkPolicy');
    // In the order of the app's ports, whatever the order of peerPorts.
    const erlang = [{ protocol: 'TCP', port: 4369 }, { protocol: 'TCP', port: 25672 }];
    expect(np.spec.ingress).toEqual([{ from: [api], ports: [{ protocol: 'TCP', port: 5672 }] }, { from: [self], ports: erlang }]);
    expect(np.spec.egress.filter((r: any) => JSON.stringify(r.to) === JSON.stringify([self]))).toEqual([{ to: [self], ports: erlang }]);
  });

  test('peerPorts may name a sidecar\'s port; the single `port` is named "http"', () => {
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'db' } } };
    const { manifest } = render({ port: 5432, peerPorts: ['http'] });
    expect(one(manifest, 'NetworkPolicy').spec.egress).toContainEqual({ to: [self], ports: [{ protocol: 'TCP', port: 5432 }] });
  });

  test('UDP ports', () => {
    const { container } = render({ ports: [{ name: 'dns', port: 5353, protocol: NetworkProtocol.UDP }], healthCheck: HealthCheck.exec(['/bin/check']) });
    expect(container.ports[0].protocol).toBe('UDP');
  });
});

describe('exposure outside the cluster', () => {
  const ACCESS = { reason: 'brokers reached by the on-premises producers', clientRanges: ['192.0.2.0/24'] };

  test('LoadBalancer: a second Service in front of all replicas, acknowledged; the NetworkPolicy opens the ports to the client ranges', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    const app = new StatefulApp(c, 'db', { ...CLUSTER, name: 'db', image: IMAGE, serviceType: ServiceType.LOAD_BALANCER, externalAccess: ACCESS });
    const manifest = synth(c);
    const external = manifest.find(o => o.kind === 'Service' && o.metadata.name === 'db-external');
    expect(external.spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['192.0.2.0/24'] });
    expect(external.spec.selector).toEqual(app.podSelectorLabels);
    expect(external.metadata.annotations['hardened.cdk8s.io/acknowledged']).toBe(`${EXTERNAL_SERVICE_RULE_ID}: ${ACCESS.reason}`);
    expect(manifest.find(o => o.kind === 'Service' && o.metadata.name === 'db').spec.clusterIP).toBe('None');
    const ingress = one(manifest, 'NetworkPolicy').spec.ingress;
    expect(ingress[0].from).toContainEqual({ ipBlock: { cidr: '192.0.2.0/24' } });
    expect(ingress[1].from).toContainEqual({ ipBlock: { cidr: '192.0.2.0/24' } });
    expect(app.externalService).toBeDefined();
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('no external Service by default', () => {
    const { manifest, app } = render();
    expect(manifest.filter(o => o.kind === 'Service')).toHaveLength(1);
    expect(app.externalService).toBeUndefined();
  });

  test('refuses LoadBalancer without externalAccess', () => expectError({ serviceType: ServiceType.LOAD_BALANCER }, 'externalAccess', 'outside the cluster'));
});

describe('bad input', () => {
  test('storage without a size', () => expectError({ storage: [{ mountPath: '/data' } as any] }, 'storage[0].size', 'size'));
  test('replicas below 1', () => expectError({ replicas: 0 }, 'replicas'));
  test('a name longer than 52 characters', () => expectError({ name: 'a'.repeat(53) }, 'name', '52'));
  test('duplicate port names', () => expectError({ ports: [{ name: 'peer', port: 1 }, { name: 'peer', port: 2 }] }, 'ports[1]', '"peer"'));
  test('a retention that does not exist', () => expectError({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' as any } }, 'persistentVolumeClaimRetentionPolicy.whenDeleted'));
  test('peering that is not a boolean', () => expectError({ peering: 'no' as any }, 'peering', 'true or false'));
  test('peerPorts naming no port of the app: the names are listed', () => expectError({ ...CLUSTER, peerPorts: ['tcp-postgres', 'gossip'] }, 'peerPorts[1]', '"gossip"', 'not a port of the app', '"tcp-postgres", "tcp-repl"'));
  test('peerPorts naming the metrics port: scraped only', () => expectError({ ...CLUSTER, metrics: { port: 9187, scraper: NetworkPeer.namespace('monitoring') }, peerPorts: ['metrics'] }, 'peerPorts[0]', 'scraper only', '"tcp-postgres", "tcp-repl"'));
  test('an empty peerPorts: say peering: false', () => expectError({ ...CLUSTER, peerPorts: [] }, 'peerPorts []', 'peering: false'));
  test('peerPorts with peering: false', () => expectError({ ...CLUSTER, peering: false, peerPorts: ['tcp-repl'] }, 'peerPorts ["tcp-repl"]', 'peering is false', 'remove peerPorts'));
  test('peerPorts naming a port twice', () => expectError({ ...CLUSTER, peerPorts: ['tcp-repl', 'tcp-repl'] }, 'peerPorts[1]', 'twice'));
  test('peerPorts that is not an array of strings', () => expectError({ ...CLUSTER, peerPorts: 'tcp-repl' as any }, 'peerPorts', 'array'));
  test('port and ports together', () => expectError({ port: 5432, ports: [{ name: 'db', port: 5432 }] }, 'port', 'ambiguous'));
});

describe('policy gate', () => {
  test('a clustered StatefulApp passes the gate with no finding at all', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new StatefulApp(c, 'db', { ...CLUSTER, name: 'db', image: `ghcr.io/acme/db:16.4.0@sha256:${'a'.repeat(64)}`, workloadClass: WorkloadClass.STANDARD });
    expect(c.policyReport().findings.map(f => `${f.ruleId} ${f.message}`)).toEqual([]);
  });
});
