import { App, Testing } from 'cdk8s';
import {
  HardenedChart, HealthCheck, NetworkPeer, SecureApp, ServiceType, SharedService, StatefulApp, Worker,
} from '../src';
import { NetworkModel } from '../src/policy/reachability';
import { one, schemaErrors } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/app:1.0.0@sha256:' + 'a'.repeat(64);
const NGINX = NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, { namespace: 'ingress-nginx' });
const GATEWAY = NetworkPeer.pods({ 'gateway.networking.k8s.io/gateway-name': 'public' }, { namespace: 'gateways' });
const PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });
const exec = HealthCheck.exec(['/app/health'], { livenessCommand: ['/app/alive'] });

/** A chart with the full default gate, so every object must pass it. */
function gated() {
  return new HardenedChart(new App(), 'shop', { namespace: 'shop' });
}

/** The ingress rules of a NetworkPolicy as `peer-json port`. */
const ingressOf = (objects: any[], name: string) => one(objects, 'NetworkPolicy', name).spec.ingress
  .flatMap((r: any) => r.from.flatMap((f: any) => r.ports.map((p: any) => `${JSON.stringify(f)} ${p.port}`)));

describe('exposeViaIngress', () => {
  function build() {
    const chart = gated();
    const web = new SecureApp(chart, 'web', { name: 'web', image: IMAGE, port: 8080, servicePort: 80, healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }) });
    web.exposeViaIngress({ host: 'shop.example.com', className: 'nginx', tlsSecretName: 'shop-tls', controller: NGINX });
    return { chart, web };
  }

  test('a networking.k8s.io/v1 Ingress: TLS from the named Secret, Prefix path, the app\'s Service port; schema-valid and passes the gate', () => {
    const { chart, web } = build();
    const objects = Testing.synth(chart);
    const ingress = one(objects, 'Ingress', 'web');
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    });
    expect(one(objects, 'Service', 'web').spec.ports).toContainEqual(expect.objectContaining({ port: 80 }));
    expect(ingress.metadata.labels['app.kubernetes.io/instance']).toBe('web');
    expect(web.ingress).toBeDefined();
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('the NetworkPolicy lets exactly the controller\'s pods in, on exactly the target port', () => {
    const objects = Testing.synth(build().chart);
    expect(ingressOf(objects, 'web')).toEqual([
      '{"podSelector":{}} 8080', // the default: the app's namespace
      '{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ingress-nginx"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"ingress-nginx"}}} 8080',
    ]);
    const model = NetworkModel.fromObjects([...objects, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } }, spec: { containers: [{ name: 'c', image: 'x' }] },
    }]);
    expect(model.allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}`)).toEqual(['ingress-nginx/Pod/nginx -> shop/Deployment/web 8080']);
  });

  test('defaults: path "/", no class, no tls; refusals', () => {
    const chart = Testing.chart();
    const web = new SecureApp(chart, 'web', { image: IMAGE });
    web.exposeViaIngress({ host: '*.example.com', controller: NGINX });
    const spec = one(Testing.synth(chart), 'Ingress').spec;
    expect(spec.ingressClassName).toBeUndefined();
    expect(spec.tls).toBeUndefined();
    expect(spec.rules[0].http.paths[0].path).toBe('/');
    expect(() => web.exposeViaIngress({ host: 'other.example.com', controller: NGINX })).toThrow(/test\/web: invalid exposeViaIngress "other.example.com": the app is already exposed by an Ingress/);
    const other = new SecureApp(chart, 'other', { image: IMAGE });
    expect(() => other.exposeViaIngress({ host: '10.0.0.1', controller: NGINX })).toThrow(/test\/other: invalid exposeViaIngress host "10.0.0.1": not a fully qualified host name.*Fix: write it like "shop.example.com"/);
    expect(() => other.exposeViaIngress({ host: 'a.example.com', path: 'api', controller: NGINX })).toThrow(/invalid exposeViaIngress path "api": not an absolute HTTP path/);
    expect(() => other.exposeViaIngress({ host: 'a.example.com', tlsSecretName: 'Bad_Name', controller: NGINX })).toThrow(/invalid exposeViaIngress tlsSecretName "Bad_Name"/);
    expect(() => other.exposeViaIngress({ host: 'a.example.com', controller: undefined as any })).toThrow(/invalid exposeViaIngress controller undefined: not a network peer/);
  });
});

describe('exposeViaHttpRoute', () => {
  function build() {
    const chart = gated();
    const db = new StatefulApp(chart, 'docs', { name: 'docs', image: IMAGE, ports: [{ name: 'http', port: 8000, servicePort: 80 }] });
    db.exposeViaHttpRoute({ gateway: { name: 'public', namespace: 'gateways' }, hostnames: ['docs.example.com'], path: '/docs', controller: GATEWAY });
    return { chart, db };
  }

  test('a gateway.networking.k8s.io/v1 HTTPRoute: parentRef to the Gateway, backendRef to the Service port; schema-valid and passes the gate', () => {
    const objects = Testing.synth(build().chart);
    const route = one(objects, 'HTTPRoute', 'docs');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' }],
      hostnames: ['docs.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/docs' } }], backendRefs: [{ group: '', kind: 'Service', name: 'docs', port: 80 }] }],
    });
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('the NetworkPolicy lets exactly the Gateway\'s pods in, on exactly the target port', () => {
    expect(ingressOf(Testing.synth(build().chart), 'docs')).toContain(
      '{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"gateways"}},"podSelector":{"matchLabels":{"gateway.networking.k8s.io/gateway-name":"public"}}} 8000');
  });

  test('the Gateway\'s namespace defaults to the app\'s; refusals', () => {
    const chart = gated();
    const web = new SecureApp(chart, 'web', { image: IMAGE });
    web.exposeViaHttpRoute({ gateway: { name: 'public', sectionName: 'https' }, hostnames: ['a.example.com'], controller: GATEWAY });
    const route = one(Testing.synth(chart), 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'shop', sectionName: 'https' }]);
    expect(route.spec.rules[0].matches[0].path).toEqual({ type: 'PathPrefix', value: '/' });
    const other = new SecureApp(chart, 'other', { image: IMAGE });
    expect(() => other.exposeViaHttpRoute({ gateway: { name: 'public' }, hostnames: [], controller: GATEWAY }))
      .toThrow(/shop\/other: invalid exposeViaHttpRoute hostnames \[\]: a route needs from 1 to 16 host names.*Fix: pass hostnames/);
    expect(() => other.exposeViaHttpRoute({ gateway: { name: 'public', namespace: 'Gate' }, hostnames: ['a.example.com'], controller: GATEWAY })).toThrow(/invalid exposeViaHttpRoute gateway\.namespace "Gate"/);
  });
});

describe('metrics', () => {
  test('SecureApp: a "metrics" port on the container and the Service, a ServiceMonitor selecting exactly the app\'s Service and that port, ingress from the scraper only', () => {
    const chart = gated();
    new SecureApp(chart, 'api', { name: 'api', image: IMAGE, port: 9090, metrics: { port: 9100, scraper: PROMETHEUS, monitorLabels: { release: 'kube-prometheus-stack' } } });
    // other Services in the chart the monitor must not select
    const other = new SecureApp(chart, 'api-admin', { name: 'api-admin', image: IMAGE });
    new SharedService(chart, 'apis', { name: 'apis', ports: [{ name: 'http', port: 80 }], members: [other] });
    const objects = Testing.synth(chart);
    const container = one(objects, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(one(objects, 'Service', 'api').spec.ports).toContainEqual({ name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' });

    const monitor = one(objects, 'ServiceMonitor', 'api');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http' }]);
    const selected = objects.filter((o) => o.kind === 'Service'
      && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
    expect(selected.map((s) => s.metadata.name)).toEqual(['api']);
    expect(selected[0].spec.ports.map((p: any) => p.name)).toContain(monitor.spec.endpoints[0].port);

    expect(ingressOf(objects, 'api')).toEqual([
      '{"podSelector":{}} 9090',
      '{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}} 9100',
    ]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('StatefulApp: the monitor selects the headless Service, never the external one (which has no metrics port)', () => {
    const chart = gated();
    new StatefulApp(chart, 'db', {
      name: 'db', image: IMAGE, ports: [{ name: 'tcp-postgres', port: 5432 }], metrics: { port: 9187, path: '/stats', scraper: PROMETHEUS },
      serviceType: ServiceType.LOAD_BALANCER, externalAccess: { reason: 'analysts connect from the office network', clientRanges: ['203.0.113.0/24'] },
    });
    const objects = Testing.synth(chart);
    const monitor = one(objects, 'ServiceMonitor', 'db');
    const matches = (o: any) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v)
      && monitor.spec.selector.matchExpressions.every((e: any) => e.operator === 'DoesNotExist' && !(e.key in o.metadata.labels));
    expect(objects.filter((o) => o.kind === 'Service' && matches(o)).map((s) => s.metadata.name)).toEqual(['db']);
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/stats', scheme: 'http' }]);
    expect(one(objects, 'Service', 'db-external').spec.ports.map((p: any) => p.name)).toEqual(['tcp-postgres']);
    // the external clients reach the database port only, not metrics
    const rules = one(objects, 'NetworkPolicy', 'db').spec.ingress;
    const metricsPeers = rules.filter((r: any) => r.ports.some((p: any) => p.port === 9187)).flatMap((r: any) => r.from);
    expect(metricsPeers).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('Worker: a PodMonitor on the pods\' "metrics" port, and the scraper its only ingress', () => {
    const chart = gated();
    new Worker(chart, 'events', { name: 'events', image: IMAGE, healthCheck: exec, metrics: { port: 9100, scraper: PROMETHEUS } });
    const objects = Testing.synth(chart);
    expect(objects.filter((o) => o.kind === 'Service')).toEqual([]);
    const monitor = one(objects, 'PodMonitor', 'events');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'events', 'app.kubernetes.io/instance': 'events' } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http' }],
    });
    expect(one(objects, 'Deployment', 'events').spec.template.spec.containers[0].ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(ingressOf(objects, 'events')).toEqual([
      '{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}} 9100',
    ]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('portName: the container port, the Service port, the monitor\'s endpoint and the ingress rule use it (SecureApp, StatefulApp, Worker)', () => {
    const chart = gated();
    const api = new SecureApp(chart, 'api', { name: 'api', image: IMAGE, metrics: { port: 8801, portName: 'prom', scraper: PROMETHEUS } });
    new StatefulApp(chart, 'db', { name: 'db', image: IMAGE, ports: [{ name: 'tcp-postgres', port: 5432 }], metrics: { port: 9187, portName: 'http-metrics', scraper: PROMETHEUS } });
    new Worker(chart, 'events', { name: 'events', image: IMAGE, healthCheck: exec, metrics: { port: 9100, portName: 'prom', scraper: PROMETHEUS } });
    const objects = Testing.synth(chart);
    expect(one(objects, 'Deployment', 'api').spec.template.spec.containers[0].ports).toContainEqual({ name: 'prom', containerPort: 8801, protocol: 'TCP' });
    expect(one(objects, 'Service', 'api').spec.ports).toContainEqual({ name: 'prom', port: 8801, targetPort: 'prom', protocol: 'TCP' });
    expect(one(objects, 'ServiceMonitor', 'api').spec.endpoints).toEqual([{ port: 'prom', path: '/metrics', scheme: 'http' }]);
    expect(api.portNames).toEqual(['http', 'prom']);
    expect(one(objects, 'Service', 'db').spec.ports.map((p: any) => p.name)).toEqual(['tcp-postgres', 'http-metrics']);
    expect(one(objects, 'ServiceMonitor', 'db').spec.endpoints[0].port).toBe('http-metrics');
    expect(one(objects, 'Deployment', 'events').spec.template.spec.containers[0].ports).toEqual([{ name: 'prom', containerPort: 9100, protocol: 'TCP' }]);
    expect(one(objects, 'PodMonitor', 'events').spec.podMetricsEndpoints[0].port).toBe('prom');
    // The scraper is let in on that port (only), whatever its name.
    for (const [name, port] of [['api', 8801], ['db', 9187], ['events', 9100]] as const) {
      expect(ingressOf(objects, name)).toContain(`{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}} ${port}`);
    }
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('metrics on a port the app already serves (a /metrics path beside its API): the port keeps its name and clients, the scraper is let in too', () => {
    const chart = gated();
    const web = new SecureApp(chart, 'web', { name: 'web', image: IMAGE, port: 8080 });
    const hub = new SecureApp(chart, 'hub', { name: 'hub', image: IMAGE, port: 8081, ingressFrom: [], metrics: { port: 8081, path: '/hub/metrics', scraper: PROMETHEUS } });
    web.connections.allowTo(hub);
    const objects = Testing.synth(chart);
    expect(one(objects, 'Deployment', 'hub').spec.template.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 8081, protocol: 'TCP' }]);
    expect(one(objects, 'Service', 'hub').spec.ports).toEqual([{ name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP' }]);
    expect(one(objects, 'ServiceMonitor', 'hub').spec.endpoints).toEqual([{ port: 'http', path: '/hub/metrics', scheme: 'http' }]);
    const m = NetworkModel.fromObjects(objects).allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}`);
    expect(m.filter((c) => c.includes('Deployment/hub'))).toEqual(['shop/Deployment/web -> shop/Deployment/hub 8081']);
    expect(ingressOf(objects, 'hub')).toEqual(expect.arrayContaining([
      '{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}},"podSelector":{"matchLabels":{"app.kubernetes.io/name":"prometheus"}}} 8081',
    ]));
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('a scraper that is a workload of the app gets its egress too', () => {
    const chart = Testing.chart();
    const prometheus = new StatefulApp(chart, 'prometheus', { name: 'prometheus', image: IMAGE, port: 9090 });
    new SecureApp(chart, 'api', { name: 'api', image: IMAGE, metrics: { port: 9100, scraper: prometheus } });
    const m = NetworkModel.fromObjects(Testing.synth(chart)).allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}`);
    expect(m).toContain('default/StatefulSet/prometheus -> default/Deployment/api 9100');
  });

  test('refusals', () => {
    const chart = Testing.chart();
    expect(() => new SecureApp(chart, 'a', { image: IMAGE, port: 8080, servicePort: 9100, metrics: { port: 9100, scraper: PROMETHEUS } }))
      .toThrow(/test\/a: invalid metrics\.port 9100: port http uses it too\. Fix: serve metrics on a port of their own/);
    expect(() => new SecureApp(chart, 'a2', { image: IMAGE, port: 8081, metrics: { port: 8081, portName: 'metrics', scraper: PROMETHEUS } }))
      .toThrow(/test\/a2: invalid metrics\.portName "metrics": the app declares port 8081 as "http"\. Fix: remove metrics\.portName/);
    expect(() => new SecureApp(chart, 'b', { image: IMAGE, ports: [{ name: 'metrics', port: 9100 }], metrics: { port: 9200, scraper: PROMETHEUS } }))
      .toThrow(/test\/b: invalid metrics "metrics": a port is already named "metrics"/);
    expect(() => new Worker(chart, 'c', { image: IMAGE, healthCheck: exec, metrics: { port: 9100, scraper: undefined as any } }))
      .toThrow(/test\/c: invalid metrics\.scraper undefined: not a network peer/);
    expect(() => new Worker(chart, 'd', { image: IMAGE, healthCheck: exec, metrics: { port: 9100, path: 'metrics', scraper: PROMETHEUS } }))
      .toThrow(/test\/d: invalid metrics\.path "metrics": not an absolute HTTP path/);
    expect(() => new SecureApp(chart, 'e', { image: IMAGE, metrics: { port: 9100, portName: 'Prom_Port', scraper: PROMETHEUS } }))
      .toThrow(/test\/e: invalid metrics\.portName "Prom_Port": not an IANA service name .* Fix: use a name such as "metrics", "prom"/);
    expect(() => new SecureApp(chart, 'f', { image: IMAGE, metrics: { port: 9100, portName: 'http', scraper: PROMETHEUS } }))
      .toThrow(/test\/f: invalid metrics\.portName "http": a port is already named "http" \(on port 8080\)/);
    expect(() => new Worker(chart, 'g', { image: IMAGE, healthCheck: exec, metrics: { port: 9100, portName: 7 as any, scraper: PROMETHEUS } }))
      .toThrow(/test\/g: invalid metrics\.portName 7/);
    expect(() => new SecureApp(chart, 'h', {
      image: IMAGE, sidecars: [{ name: 'exporter', image: IMAGE, ports: [{ name: 'exporter', port: 9100 }] }], metrics: { port: 9100, portName: 'prom', scraper: PROMETHEUS },
    })).toThrow(/test\/h: invalid metrics\.portName "prom": sidecar exporter declares port 9100 as "exporter"\. Fix: remove metrics\.portName/);
  });
});

test('snapshot: a SecureApp published by Ingress and HTTPRoute with metrics, a Worker with metrics, connected to each other', () => {
  const chart = gated();
  const web = new SecureApp(chart, 'web', { name: 'web', image: IMAGE, metrics: { port: 9100, scraper: PROMETHEUS } });
  const worker = new Worker(chart, 'events', { name: 'events', image: IMAGE, healthCheck: exec, metrics: { port: 9100, scraper: PROMETHEUS } });
  worker.connections.allowTo(web);
  web.exposeViaIngress({ host: 'shop.example.com', tlsSecretName: 'shop-tls', controller: NGINX });
  web.exposeViaHttpRoute({ gateway: { name: 'public', namespace: 'gateways' }, hostnames: ['shop.example.com'], controller: GATEWAY });
  const objects = Testing.synth(chart);
  expect(schemaErrors(objects)).toEqual([]);
  expect(objects.filter((o) => ['NetworkPolicy', 'Ingress', 'HTTPRoute', 'ServiceMonitor', 'PodMonitor', 'Service'].includes(o.kind))).toMatchSnapshot();
});
