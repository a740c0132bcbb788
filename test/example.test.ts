import { Testing } from 'cdk8s';
import { buildExample } from '../src/main';
import { podSpec, schemaErrors } from './helpers/k8s';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob']);

describe('example app (src/main.ts)', () => {
  const app = Testing.app();
  buildExample(app);
  const charts = Object.fromEntries(app.charts.map(c => [c.node.id, Testing.synth(c)]));

  test('synthesizes the platform and shop charts', () => {
    expect(Object.keys(charts).sort()).toEqual(['platform', 'shop']);
  });

  test('every document validates against the Kubernetes schemas', () => {
    expect(schemaErrors(Object.values(charts).flat())).toEqual([]);
  });

  test('every PriorityClass a pod names is deployed by the example', () => {
    const classes = new Set(charts.platform.filter(o => o.kind === 'PriorityClass').map(o => o.metadata.name));
    const named = charts.shop.filter(o => WORKLOADS.has(o.kind)).map(o => podSpec(o).priorityClassName);
    expect(named).toHaveLength(6);
    for (const n of named) expect(classes).toContain(n);
  });

  test('every ServiceAccount, ConfigMap and PVC a pod refers to exists in the output', () => {
    const names = (kind: string) => new Set(charts.shop.filter(o => o.kind === kind).map(o => o.metadata.name));
    for (const d of charts.shop.filter(o => WORKLOADS.has(o.kind))) {
      const spec = podSpec(d);
      expect(names('ServiceAccount')).toContain(spec.serviceAccountName);
      for (const v of spec.volumes ?? []) {
        if (v.configMap) expect(names('ConfigMap')).toContain(v.configMap.name);
        if (v.persistentVolumeClaim) expect(names('PersistentVolumeClaim')).toContain(v.persistentVolumeClaim.claimName);
      }
    }
  });

  test('deterministic: two synths of the same input give byte-identical YAML', () => {
    const yaml = () => {
      const a = Testing.app();
      buildExample(a);
      return a.synthYaml();
    };
    const first = yaml();
    expect(first.length).toBeGreaterThan(10000);
    expect(yaml()).toBe(first);
  });

  test('only the web app, which is granted a role, gets an API token; automount stays off everywhere', () => {
    const bound = new Set(charts.shop.filter(o => o.kind === 'RoleBinding').flatMap(b => b.subjects)
      .filter((s: any) => s.kind === 'ServiceAccount').map((s: any) => s.name));
    expect([...bound]).toEqual(['web']);
    for (const d of charts.shop.filter(o => o.kind === 'Deployment')) {
      const spec = d.spec.template.spec;
      const token = (spec.volumes ?? []).some((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken));
      expect({ name: d.metadata.name, token }).toEqual({ name: d.metadata.name, token: bound.has(spec.serviceAccountName) });
      expect(spec.automountServiceAccountToken).toBe(false);
    }
    for (const sa of charts.shop.filter(o => o.kind === 'ServiceAccount')) expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('the web app reads only its own ConfigMap; the team gets no Secrets and no exec', () => {
    const roles = Object.fromEntries(charts.shop.filter(o => o.kind === 'Role').map(r => [r.metadata.name, r.rules]));
    const webConfig = charts.shop.find(o => o.kind === 'ConfigMap').metadata.name;
    expect(roles['web-config-reader']).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: [webConfig], verbs: ['get', 'list', 'watch'] }]);
    const team = roles['shop-developers-view'].flatMap((r: any) => r.resources);
    for (const r of ['secrets', 'pods/exec', 'pods/attach', 'pods/portforward']) expect(team).not.toContain(r);
    for (const r of roles['shop-developers-view']) expect(r.verbs).toEqual(['get', 'list', 'watch']);
    expect(charts.shop.some(o => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toBe(false);
  });

  test('the web app may reach the API server it has a token for', () => {
    const np = charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'web');
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] });
  });

  test('web is published through the public Gateway by an HTTPRoute, and only the Gateway\'s pods may connect to it', () => {
    const route = charts.shop.find(o => o.kind === 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'web', port: 8080 }]);
    const np = charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'web');
    expect(np.spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
  });

  test('api and order-events serve metrics to Prometheus only (a ServiceMonitor and a PodMonitor)', () => {
    expect(charts.shop.filter(o => o.kind === 'ServiceMonitor').map(o => o.spec.selector.matchLabels['app.kubernetes.io/instance'])).toEqual(['api']);
    expect(charts.shop.filter(o => o.kind === 'PodMonitor').map(o => o.spec.selector.matchLabels['app.kubernetes.io/instance'])).toEqual(['order-events']);
    const prometheus = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const np = (name: string) => charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === name);
    expect(np('api').spec.ingress).toContainEqual({ from: [prometheus], ports: [{ port: 9100, protocol: 'TCP' }] });
    expect(np('order-events').spec.ingress).toEqual([{ from: [prometheus], ports: [{ port: 9464, protocol: 'TCP' }] }]);
  });

  test('a one-off migration Job and a nightly CronJob in the BATCH class', () => {
    const migrate = charts.shop.find(o => o.kind === 'Job');
    expect(migrate.metadata.name).toBe('api-migrate-3-2-1');
    expect(migrate.spec.ttlSecondsAfterFinished).toBe(86400);
    const nightly = charts.shop.find(o => o.kind === 'CronJob');
    expect(nightly.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Forbid' });
    expect(podSpec(nightly).priorityClassName).toBe('hardened-batch');
    // The migration reaches the database network the API uses, on the database port only.
    const policy = (name: string) => charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === name);
    expect(policy('api-migrate-3-2-1').spec.egress[1]).toEqual(policy('api').spec.egress[1]);
    expect(policy('api-migrate-3-2-1').spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    for (const name of ['api-migrate-3-2-1', 'nightly-report']) {
      expect(policy(name).spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy(name).spec.ingress).toBeUndefined();
    }
  });

  test('the orders database: three replicas with a volume each, a headless Service, peers reach each other', () => {
    const sts = charts.shop.find(o => o.kind === 'StatefulSet');
    expect(sts.metadata.name).toBe('orders-db');
    expect(sts.spec).toMatchObject({ serviceName: 'orders-db', replicas: 3, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } });
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    const svc = charts.shop.find(o => o.kind === 'Service' && o.metadata.name === 'orders-db');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'tcp-postgres', port: 5432, targetPort: 'tcp-postgres', protocol: 'TCP', appProtocol: 'postgresql' }]);
    const np = charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'orders-db');
    const self = { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'orders-db' } } };
    expect(np.spec.ingress).toContainEqual({ from: [self], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(np.spec.egress).toContainEqual({ to: [self], ports: [{ protocol: 'TCP', port: 5432 }] });
  });

  test('the order-events worker: no Service, no ingress but metrics, reaches the database; its init container and sidecar', () => {
    expect(charts.shop.some(o => o.kind === 'Service' && o.metadata.name === 'order-events')).toBe(false);
    const np = charts.shop.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'order-events');
    expect(np.spec.ingress.map((r: any) => r.ports)).toEqual([[{ port: 9464, protocol: 'TCP' }]]);
    expect(np.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders-db', 'app.kubernetes.io/instance': 'orders-db' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    const spec = podSpec(charts.shop.find(o => o.kind === 'Deployment' && o.metadata.name === 'order-events'));
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['wait-for-db']);
    expect(spec.initContainers[0].args[0]).toBe('orders-db-0.orders-db.shop.svc:5432');
    expect(spec.containers.map((c: any) => c.name)).toEqual(['order-events', 'log-shipper']);
    const logs = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === '/var/log/order-events').name;
    expect(logs(spec.containers[0])).toBe(logs(spec.containers[1]));
  });

  test('snapshot', () => {
    expect(charts).toMatchSnapshot();
  });
});

describe('rendered as Kubernetes JSON', () => {
  // The L1 types spell some fields differently from the API (downwardApi vs downwardAPI, ...);
  // our objects render their props as plain JSON (src/hardening/kube.ts), so an L1 spelling
  // would reach the manifest and the API server would reject it.
  const L1_SPELLINGS = ['clientIp', 'clusterIp', 'downwardApi', 'hostIp', 'hostIpc', 'hostPid', 'loadBalancerIp', 'nonResourceUrLs',
    'setHostnameAsFqdn', 'targetCpuUtilizationPercentage', 'insecureSkipTlsVerify', 'podCidr', 'podCidRs', 'providerId', 'volumeId'];
  test('no field of the example output uses an L1 spelling', () => {
    const app = Testing.app();
    buildExample(app);
    const keys = new Set<string>();
    const walk = (v: any): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { keys.add(k); walk(x); }
    };
    app.charts.forEach(c => walk(Testing.synth(c)));
    expect(keys.has('downwardAPI')).toBe(true);
    expect(L1_SPELLINGS.filter(k => keys.has(k))).toEqual([]);
  });
});
