import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { buildRabbitmq } from '../examples/rabbitmq/app';
import { EncryptedConfig, HardenedChart, PolicyPack, SharedService, StatefulApp } from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { acknowledgementLines, checkerErrors, checkerTest, strayApiObjects, withJsonPatchCount } from './helpers/example';
import { schemaErrors } from './helpers/k8s';
import { check } from './policy-helpers';

/**
 * RabbitMQ, ported from the Bitnami chart (bitnami/charts, bitnami/rabbitmq 16.0.16 at
 * 5165628ae06697f8f68a670bef7739d93c4b7f44) rendered by hand with the values of
 * examples/rabbitmq/README.md. The expected values below are read from that render (templates/
 * statefulset.yaml, svc.yaml, svc-headless.yaml, values.yaml), not from the port.
 */

function build() {
  const app = Testing.app();
  const chart = buildRabbitmq(app);
  const objects: any[] = Testing.synth(chart);
  return { app, chart, objects };
}

/** Library constructs, and the one cdk8s-plus construct the app uses (its rabbitmq.conf ConfigMap, no workload). */
const OWNERS = [StatefulApp, SharedService, EncryptedConfig, kplus.ConfigMap];

/** The chart's StatefulSet `rabbitmq`: its containers' images, container ports and env names. */
const ORIGINAL_CONTAINERS = {
  'prepare-plugins-dir': { image: 'docker.io/bitnami/rabbitmq:4.1.3-debian-12-r1', ports: [] as number[], env: [] as string[] },
  'rabbitmq': {
    image: 'docker.io/bitnami/rabbitmq:4.1.3-debian-12-r1',
    ports: [4369, 5672, 9419, 15672, 25672],
    env: [
      'BITNAMI_DEBUG', 'MY_POD_IP', 'MY_POD_NAME', 'MY_POD_NAMESPACE', 'RABBITMQ_DEFINITIONS_FILE', 'RABBITMQ_ERL_COOKIE_FILE',
      'RABBITMQ_FORCE_BOOT', 'RABBITMQ_LDAP_ENABLE', 'RABBITMQ_LOAD_DEFINITIONS', 'RABBITMQ_LOGS', 'RABBITMQ_MNESIA_DIR',
      'RABBITMQ_NODE_NAME', 'RABBITMQ_PASSWORD_FILE', 'RABBITMQ_PLUGINS', 'RABBITMQ_SECURE_PASSWORD', 'RABBITMQ_ULIMIT_NOFILES',
      'RABBITMQ_UPDATE_PASSWORD', 'RABBITMQ_USERNAME', 'RABBITMQ_USE_LONGNAME',
    ],
  },
};

/** The chart's Services: name -> port -> target (container) port. */
const ORIGINAL_SERVICES: { [name: string]: { [port: number]: number } } = {
  'rabbitmq': { 4369: 4369, 5672: 5672, 9419: 9419, 15672: 15672, 25672: 25672 },
  'rabbitmq-headless': { 4369: 4369, 5672: 5672, 15672: 15672, 25672: 25672 },
};

/** Every call the original makes between its workloads: the nodes' Erlang distribution (epmd, then the node's dist port). */
const ORIGINAL_CALLS = [
  'rabbitmq -> rabbitmq 4369',
  'rabbitmq -> rabbitmq 25672',
];

/**
 * The checker's errors on the port that are library gaps (README.md): none. The list stays so a
 * gap that appears is named here, as in the other ports.
 */
const KNOWN_GAP_ERRORS: string[] = [];

describe('examples/rabbitmq: the Bitnami RabbitMQ chart ported with no escape hatch', () => {
  // The whole build and synth, with ApiObject.prototype.addJsonPatch counted while it runs.
  const { result: { app, chart, objects }, jsonPatches } = withJsonPatchCount(build);
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  const pod = sts.spec.template.spec;
  const broker = pod.containers[0];
  const env = Object.fromEntries(broker.env.map((e: any) => [e.name, e]));

  test('no JSON patch and no raw ApiObject: every object belongs to a library construct (or the ConfigMap)', () => {
    expect(jsonPatches).toBe(0);
    expect(strayApiObjects(app, chart, OWNERS)).toEqual([]);
    expect(chart).toBeInstanceOf(HardenedChart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/rabbitmq', 'SealedSecret/rabbitmq', 'ConfigMap/rabbitmq-config', 'ServiceAccount/rabbitmq', 'Service/rabbitmq-headless',
      'StatefulSet/rabbitmq', 'PodDisruptionBudget/rabbitmq', 'NetworkPolicy/rabbitmq', 'ServiceMonitor/rabbitmq', 'Service/rabbitmq',
    ]);
  });

  test('no acknowledgement is needed: no uid exception, no probe or RBAC exception', () => {
    const acks = acknowledgementLines(chart);
    expect(acks).toEqual([]);
  });

  test('the chart\'s image, container ports and env names (secrets as env from the sealed Secret, not files)', () => {
    const found = Object.fromEntries([...(pod.initContainers ?? []), ...pod.containers].map((c: any) => [c.name, {
      image: c.image,
      ports: (c.ports ?? []).map((p: any) => p.containerPort).sort((a: number, b: number) => a - b),
      env: (c.env ?? []).map((e: any) => e.name).sort(),
    }]));
    // Differences, each in README.md: the password and the Erlang cookie come as env from the
    // sealed Secret (the chart's usePasswordFiles=false names), since a plain variable named
    // *PASSWORD* (RABBITMQ_PASSWORD_FILE) is refused; RABBITMQ_UPDATE_PASSWORD ("no") is the
    // image's default.
    const expected = JSON.parse(JSON.stringify(ORIGINAL_CONTAINERS));
    expected.rabbitmq.env = expected.rabbitmq.env
      .filter((n: string) => !['RABBITMQ_ERL_COOKIE_FILE', 'RABBITMQ_PASSWORD_FILE', 'RABBITMQ_UPDATE_PASSWORD'].includes(n))
      .concat(['RABBITMQ_ERL_COOKIE', 'RABBITMQ_PASSWORD']).sort();
    expect(found).toEqual(expected);
    expect(sts.metadata.name).toBe('rabbitmq');
    expect(sts.spec.replicas).toBe(3);
  });

  test('env from the downward API, and node names the kubelet can expand (each reference after its variable)', () => {
    expect(env.MY_POD_IP.valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    expect(env.MY_POD_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.MY_POD_NAMESPACE.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(env.RABBITMQ_NODE_NAME.value).toBe('rabbit@$(MY_POD_NAME).rabbitmq-headless.$(MY_POD_NAMESPACE).svc.cluster.local');
    expect(env.RABBITMQ_MNESIA_DIR.value).toBe('/opt/bitnami/rabbitmq/.rabbitmq/mnesia/$(RABBITMQ_NODE_NAME)');
    const order = broker.env.map((e: any) => e.name);
    for (const [variable, ref] of [['RABBITMQ_NODE_NAME', 'MY_POD_NAME'], ['RABBITMQ_NODE_NAME', 'MY_POD_NAMESPACE'], ['RABBITMQ_MNESIA_DIR', 'RABBITMQ_NODE_NAME']]) {
      expect(order.indexOf(ref)).toBeLessThan(order.indexOf(variable));
    }
    // The node names resolve: the StatefulSet is governed by the headless Service the names use.
    expect(sts.spec.serviceName).toBe('rabbitmq-headless');
  });

  test('no plaintext credential: password, Erlang cookie and the secure-password flag come from the pre-sealed Secret', () => {
    for (const [name, key] of [['RABBITMQ_PASSWORD', 'rabbitmq-password'], ['RABBITMQ_ERL_COOKIE', 'rabbitmq-erlang-cookie'], ['RABBITMQ_SECURE_PASSWORD', 'rabbitmq-secure-password']]) {
      expect(env[name]).toEqual({ name, valueFrom: { secretKeyRef: { name: 'rabbitmq', key } } });
    }
    const sealed = objects.find((o) => o.kind === 'SealedSecret');
    expect(Object.keys(sealed.spec.encryptedData).sort()).toEqual(['rabbitmq-erlang-cookie', 'rabbitmq-password', 'rabbitmq-secure-password']);
    for (const v of Object.values(sealed.spec.encryptedData)) expect(v).toMatch(/^Ag/);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    // Pre-sealed: a second synth writes the same bytes, so GitOps diffs stay quiet.
    expect(build().objects).toEqual(objects);
  });

  test('rabbitmq.conf is mounted read-only where the entrypoint reads it; the writable directories are the chart\'s', () => {
    const conf = objects.find((o) => o.kind === 'ConfigMap');
    expect(conf.data['rabbitmq.conf']).toContain('cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s');
    expect(conf.data['rabbitmq.conf']).toContain('prometheus.tcp.port = 9419');
    expect(conf.data['rabbitmq.conf']).not.toMatch(/default_pass|cluster_formation\.k8s\.host/);
    const mount = broker.volumeMounts.find((m: any) => m.mountPath === '/bitnami/rabbitmq/conf');
    expect(mount.readOnly).toBe(true);
    expect(pod.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe('rabbitmq-config');
    expect(broker.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(broker.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual([
      '/bitnami/rabbitmq/conf', '/opt/bitnami/rabbitmq/.rabbitmq', '/opt/bitnami/rabbitmq/.rabbitmq/mnesia', '/opt/bitnami/rabbitmq/etc/rabbitmq',
      '/opt/bitnami/rabbitmq/plugins', '/opt/bitnami/rabbitmq/var/lib/rabbitmq', '/opt/bitnami/rabbitmq/var/log/rabbitmq', '/tmp',
    ]);
    // The init container copies the image's plugins (read at their own path) into the emptyDir
    // the broker mounts over that path, as the chart's prepare-plugins-dir does.
    const init = pod.initContainers[0];
    expect(init.name).toBe('prepare-plugins-dir');
    expect(init.command.join(' ')).toContain('cp -r --preserve=mode /opt/bitnami/rabbitmq/plugins/. /emptydir/app-plugins-dir/');
    const plugins = broker.volumeMounts.find((m: any) => m.mountPath === '/opt/bitnami/rabbitmq/plugins');
    expect(init.volumeMounts).toEqual([{ name: plugins.name, mountPath: '/emptydir/app-plugins-dir' }]);
    expect(init.securityContext).toEqual(broker.securityContext);
    // One 8Gi volume per replica for the node's data, kept when the StatefulSet goes.
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([['data', '8Gi']]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('the chart\'s probes (management API: local alarms for readiness, virtual hosts for liveness), and no API token', () => {
    expect(broker.readinessProbe.exec.command[2]).toMatch(/\/api\/health\/checks\/local-alarms$/);
    expect(broker.livenessProbe.exec.command[2]).toMatch(/\/api\/health\/checks\/virtual-hosts$/);
    expect(broker.startupProbe.exec.command).toEqual(broker.livenessProbe.exec.command);
    // RabbitMQ 4.1's Kubernetes peer discovery makes no API call: no Role, no token, no route to the API server.
    expect(objects.filter((o) => ['Role', 'RoleBinding'].includes(o.kind))).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes.some((v: any) => v.projected)).toBe(false);
  });

  test('the chart\'s Service names and ports, so clients still call rabbitmq:5672', () => {
    const services: typeof ORIGINAL_SERVICES = {};
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      services[s.metadata.name] = {};
      for (const p of s.spec.ports) {
        services[s.metadata.name][p.port] = broker.ports.find((cp: any) => cp.name === p.targetPort).containerPort;
      }
    }
    // The headless Service also carries the metrics port: the ServiceMonitor scrapes every node through it.
    expect(services).toEqual({ ...ORIGINAL_SERVICES, 'rabbitmq-headless': { ...ORIGINAL_SERVICES['rabbitmq-headless'], 9419: 9419 } });
    const byName = (n: string) => objects.find((o) => o.kind === 'Service' && o.metadata.name === n);
    expect(byName('rabbitmq').spec.type).toBe('ClusterIP');
    expect(byName('rabbitmq-headless').spec.clusterIP).toBe('None');
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http' }]);
    // It selects the headless Service only, so each node is scraped once (not again through `rabbitmq`).
    const selects = (svc: any) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v);
    expect(objects.filter((o) => o.kind === 'Service' && selects(o)).map((o) => o.metadata.name)).toEqual(['rabbitmq-headless']);
  });

  test('the allowed matrix between its workloads: the nodes\' Erlang distribution, nothing else', () => {
    const m = NetworkModel.fromObjects(objects);
    const short = (ref: string) => ref.replace(/^rabbitmq\/StatefulSet\//, '');
    // The nodes reach each other on epmd and dist only (`peerPorts`), not on AMQP or the management API.
    expect(m.allowedMatrix().map((c) => `${short(c.from)} -> ${short(c.to)} ${c.port}`).sort()).toEqual([...ORIGINAL_CALLS].sort());
  });

  test('clients reach AMQP and the management API only; Prometheus the metrics port only; other pods nothing', () => {
    const pods = (namespace: string, name: string, labels: Record<string, string>) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'x:1' }] } } },
    });
    const m = NetworkModel.fromObjects([
      ...objects,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } },
      pods('rabbitmq', 'client', { 'rabbitmq-client': 'true' }),
      pods('rabbitmq', 'other', { app: 'other' }),
      pods('monitoring', 'prometheus', { 'app.kubernetes.io/name': 'prometheus' }),
    ]);
    const broker = m.workload('rabbitmq/StatefulSet/rabbitmq')!;
    const reach = (from: string) => [4369, 5672, 9419, 15672, 25672].filter((port) => m.allowed(m.workload(from)!, broker, port));
    expect(reach('rabbitmq/Deployment/client')).toEqual([5672, 15672]);
    expect(reach('monitoring/Deployment/prometheus')).toEqual([9419]);
    expect(reach('rabbitmq/Deployment/other')).toEqual([]);
    // Egress: DNS and the other nodes only (the chart allowed every destination).
    const egress = objects.find((o) => o.kind === 'NetworkPolicy').spec.egress;
    expect(egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([[53, 53], [4369, 25672]]);
  });

  test('the connectivity lint passes, the gate reports no error, the objects validate against the schemas', () => {
    const findings = check(objects, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId.startsWith('HARDENED-NET-01'));
    expect(findings).toEqual([]);
    const report = chart.policyReport();
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  checkerTest('the independent checker (../shared/checks/run.sh): no error', () => {
    expect(checkerErrors(objects, 'rabbitmq')).toEqual(KNOWN_GAP_ERRORS);
  }, 120_000);
});
