import { Chart, Testing } from 'cdk8s';
import { SecureApp, SharedService, StatefulApp, Worker, HealthCheck } from '../src';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

function chart(namespace = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace });
}

const version = (c: Chart, v: string) => new SecureApp(c, `reviews-${v}`, {
  name: `reviews-${v}`, image: `ghcr.io/acme/reviews:${v}.0.0`, ports: [{ name: 'http', port: 9080 }],
});

describe('SharedService', () => {
  test('one Service in front of several workloads, selecting exactly their pods', () => {
    const c = chart();
    const v1 = version(c, 'v1');
    const v2 = version(c, 'v2');
    version(c, 'v3'); // not a member
    const reviews = new SharedService(c, 'reviews', { name: 'reviews', ports: [{ name: 'http', port: 9080 }], members: [v1] });
    reviews.addMember(v2);
    const manifest = synth(c);
    const svc = manifest.find(o => o.kind === 'Service' && o.metadata.name === 'reviews');
    expect(svc.spec).toEqual({
      type: 'ClusterIP', ipFamilyPolicy: 'PreferDualStack',
      selector: { 'service.hardened.cdk8s.io/reviews': 'member' },
      ports: [{ name: 'http', port: 9080, targetPort: 'http', protocol: 'TCP' }],
    });
    const selected = manifest.filter(o => o.kind === 'Deployment')
      .filter(d => Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v))
      .map(d => d.metadata.name);
    expect(selected).toEqual(['reviews-v1', 'reviews-v2']);
    // Membership is in the template only: the Deployment selector is immutable.
    const d1 = one(manifest.filter(o => o.metadata.name === 'reviews-v1'), 'Deployment');
    expect(d1.spec.selector.matchLabels['service.hardened.cdk8s.io/reviews']).toBeUndefined();
    // Each version keeps its own Service.
    expect(manifest.filter(o => o.kind === 'Service').map(o => o.metadata.name).sort()).toEqual(['reviews', 'reviews-v1', 'reviews-v2', 'reviews-v3']);
    expect(schemaErrors(manifest)).toEqual([]);
    expect(svc).toMatchSnapshot();
  });

  test('a StatefulApp can be a member', () => {
    const c = chart();
    const db = new StatefulApp(c, 'db', { name: 'db', image: 'ghcr.io/acme/db:1.0.0', ports: [{ name: 'tcp-db', port: 5432 }] });
    new SharedService(c, 'db-read', { name: 'db-read', ports: [{ name: 'tcp-db', port: 5432 }], members: [db] });
    expect(podSpec(one(synth(c), 'StatefulSet'))).toBeDefined();
    expect(one(synth(c), 'StatefulSet').spec.template.metadata.labels['service.hardened.cdk8s.io/db-read']).toBe('member');
  });

  test('refuses a member without a port of the Service\'s name', () => {
    const c = chart();
    const app = new SecureApp(c, 'web', { image: 'ghcr.io/acme/web:1.0.0' });
    expect(() => new SharedService(c, 'svc', { ports: [{ name: 'grpc', port: 9090 }], members: [app] }))
      .toThrow(/shop\/svc: invalid members "shop\/web".*no container port named "grpc".*Fix:/);
  });

  test('refuses a Worker (no ports) and a workload added twice', () => {
    const c = chart();
    const worker = new Worker(c, 'w', { image: 'ghcr.io/acme/w:1.0.0', healthCheck: HealthCheck.exec(['x']) });
    const svc = new SharedService(c, 'svc', { ports: [{ name: 'http', port: 80 }] });
    expect(() => svc.addMember(worker as any)).toThrow(/shop\/svc: invalid members "shop\/w": the workload serves no port.*Fix:/);
    const app = new SecureApp(c, 'web', { image: 'ghcr.io/acme/web:1.0.0' });
    svc.addMember(app);
    expect(() => svc.addMember(app)).toThrow(/already a member/);
  });

  test('refuses a member in another namespace', () => {
    const app = Testing.app();
    const other = new SecureApp(new Chart(app, 'a', { namespace: 'a' }), 'web', { image: 'ghcr.io/acme/web:1.0.0' });
    expect(() => new SharedService(new Chart(app, 'b', { namespace: 'b' }), 'svc', { ports: [{ name: 'http', port: 80 }], members: [other] })).toThrow(/namespace "a".*Fix:/);
  });

  test('refuses bad ports', () => {
    expect(() => new SharedService(chart(), 'svc', { ports: [] })).toThrow(/invalid ports.*Fix:/);
    expect(() => new SharedService(chart(), 'svc', { ports: [{ name: 'HTTP', port: 80 }] })).toThrow(/ports\[0\]\.name/);
    expect(() => new SharedService(chart(), 'svc', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] })).toThrow(/used twice/);
  });
});
