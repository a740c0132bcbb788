import { App, Testing } from 'cdk8s';
import { HardenedChart, HealthCheck, NetworkPeer, Policy, PolicyPack, SecureApp } from '../src';
import { PolicyContext } from '../src/policy/model';
import { NetworkModel } from '../src/policy/reachability';
import { codeName, resolveEnv, serviceReferences } from '../src/policy/rules/connectivity';
import { app, configMap, deployment, DNS, isolate, namespace, policy, service } from './network-fixtures';
import { check } from './policy-helpers';

const NETWORK = [PolicyPack.NETWORK];
const errors = (objects: any[], rule = 'HARDENED-NET-010') => check(objects, { packs: NETWORK }).findings.filter((f) => f.ruleId === rule);

describe('which env values name a Service', () => {
  const m = NetworkModel.fromObjects([
    deployment('api', 'shop', app('api'), [{ name: 'http', port: 9090 }]),
    service('api', 'shop', app('api'), [{ port: 80, targetPort: 'http' }]),
    service('db', 'data', app('db'), [{ port: 5432 }]),
    service('db', 'shop-headless', app('db'), [{ port: 5432 }], { clusterIP: 'None' }),
    service('kafka', 'shop', app('kafka'), [{ port: 9092 }], { clusterIP: 'None' }),
  ]);
  const refs = (value: string, variable = 'X', sibling?: number) =>
    serviceReferences(value, variable, 'shop', m, sibling).map((r) => `${r.service.namespace}/${r.service.name}:${r.port ?? '?'}`);

  test.each([
    ['api:80', 'shop/api:80'],
    ['http://api:80/v1', 'shop/api:80'],
    ['http://api/v1', 'shop/api:80'],
    ['https://api', 'shop/api:443'],
    ['grpc://api.shop:80', 'shop/api:80'],
    ['api.shop', 'shop/api:?'],
    ['api.shop.svc', 'shop/api:?'],
    ['api.shop.svc.cluster.local:80', 'shop/api:80'],
    ['api.shop.svc.cluster.local.:80', 'shop/api:80'],
    ['postgres://user:pw@db.data.svc:5432/app?sslmode=require', 'data/db:5432'],
    ['db-0.db.shop-headless.svc.cluster.local:5432', 'shop-headless/db:5432'],
    ['API.SHOP:80', 'shop/api:80'],
    ['db-0.db.shop-headless:5432', 'shop-headless/db:5432'],
    ['kafka-0.kafka:9092', 'shop/kafka:9092'],
    ['jdbc:postgresql://db.data.svc:5432/app', 'data/db:5432'],
  ])('%s', (value, expected) => {
    expect(refs(value)).toEqual([expected]);
  });

  test('lists: comma, semicolon or space separated, and multi-host URLs', () => {
    expect(refs('api:80,db.data:5432')).toEqual(['shop/api:80', 'data/db:5432']);
    expect(refs('mongodb://api:80,db.data:5432/x')).toEqual(['shop/api:80', 'data/db:5432']);
    expect(refs('api:80; db.data:5432 other:1')).toEqual(['shop/api:80', 'data/db:5432']);
  });

  test('not a reference: free text, other names, a pod name of a non-headless Service, a path', () => {
    expect(refs('api')).toEqual([]); // a bare word in a variable that does not hold a host
    expect(refs('the api is down')).toEqual([]);
    expect(refs('api/v1')).toEqual([]);
    expect(refs('apis:80')).toEqual([]);
    expect(refs('db:5432')).toEqual([]); // no Service db in shop
    expect(refs('x.api.shop.svc:80')).toEqual([]); // api is not headless
    expect(refs('api.other:80')).toEqual([]);
    expect(refs('x.api:80')).toEqual([]); // api is not headless
  });

  test('a bare name counts as the whole value of a host variable, with the sibling *_PORT', () => {
    expect(refs('api', 'API_HOST', 80)).toEqual(['shop/api:80']);
    expect(refs('api', 'API_URL')).toEqual(['shop/api:?']);
    expect(refs('api', 'API_NAME')).toEqual([]);
    expect(refs('api api', 'API_HOST')).toEqual([]);
  });

  test('env from values, $(VAR) references, ConfigMap keys and envFrom (env wins)', () => {
    const c = {
      name: 'c', envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CM_' }, { configMapRef: { name: 'missing' } }],
      env: [
        { name: 'HOST', value: 'api' },
        { name: 'URL', value: 'http://$(HOST):80/$$(HOST)' },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'DB' } } },
        { name: 'CM_OVERRIDDEN', value: 'mine' },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
    };
    const cms = new Map([['shop/settings', configMap('settings', 'shop', { DB: 'db.data:5432', OVERRIDDEN: 'theirs' })]]);
    const env = resolveEnv({ c, type: 'containers', path: ['p'], name: 'c' }, 'shop', cms);
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      CM_DB: 'db.data:5432', CM_OVERRIDDEN: 'mine', HOST: 'api', URL: 'http://api:80/$$(HOST)', FROM_CM: 'db.data:5432',
    });
    expect(env.find((e) => e.name === 'FROM_CM')!.path).toEqual(['p', 'env', 2, 'valueFrom', 'configMapKeyRef']);
    expect(env.find((e) => e.name === 'CM_DB')!.path).toEqual(['p', 'envFrom', 0, 'configMapRef']);
  });

  test('code names for the suggested fix', () => {
    expect(codeName('nightly-report')).toBe('nightlyReport');
    expect(codeName('api')).toBe('api');
    expect(codeName('3d-render')).toBe('dRender');
  });
});

/**
 * A multi-service app in two namespaces, calls going both ways:
 *   web → api (API_URL, a URL without port: http → Service port 80 → api's named port 9090)
 *   api → web (CALLBACK, `web.shop:80` → 8080), api → cache (from ConfigMap, CACHE_HOST + CACHE_PORT)
 *   api → db in namespace data (DATABASE_URL from envFrom, postgres URL with the FQDN)
 *   worker → cache (REDIS_ADDRS list), worker serves nothing
 * Each workload isolated, DNS allowed, and exactly the declared calls opened.
 */
function shop(opts: { drop?: string } = {}): any[] {
  const rule = (name: string) => name !== opts.drop;
  const to = (ns: string, name: string, port: number) => ({
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: app(name) } }], ports: [{ port, protocol: 'TCP' }],
  });
  const from = (ns: string, names: string[], port: number | string) => ({
    from: names.map((n) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: app(n) } })), ports: [{ port, protocol: 'TCP' }],
  });
  return [
    namespace('shop'), namespace('data'),
    configMap('api-settings', 'shop', { CACHE_HOST: 'cache', CACHE_PORT: '6379' }),
    configMap('api-db', 'shop', { DATABASE_URL: 'postgres://api@db.data.svc.cluster.local:5432/shop' }),
    // defined callers before callees, on purpose
    deployment('worker', 'shop', app('worker'), [], [{ name: 'REDIS_ADDRS', value: 'cache.shop:6379,cache.shop.svc:6379' }]),
    deployment('web', 'shop', app('web'), [{ name: 'http', port: 8080 }], [{ name: 'API_URL', value: 'http://api/v1' }]),
    deployment('api', 'shop', app('api'), [{ name: 'http', port: 9090 }, { name: 'metrics', port: 9100 }], [
      { name: 'CALLBACK', value: 'web.shop:80' },
      { name: 'CACHE_HOST', valueFrom: { configMapKeyRef: { name: 'api-settings', key: 'CACHE_HOST' } } },
      { name: 'CACHE_PORT', valueFrom: { configMapKeyRef: { name: 'api-settings', key: 'CACHE_PORT' } } },
    ], { container: { envFrom: [{ configMapRef: { name: 'api-db' } }] } }),
    deployment('cache', 'shop', app('cache'), [{ name: 'redis', port: 6379 }]),
    deployment('db', 'data', app('db'), [{ name: 'pg', port: 5432 }]),
    service('web', 'shop', app('web'), [{ port: 80, targetPort: 'http' }]),
    service('api', 'shop', app('api'), [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9100 }]),
    service('cache', 'shop', app('cache'), [{ port: 6379 }]),
    service('db', 'data', app('db'), [{ port: 5432, targetPort: 'pg' }]),
    isolate('worker', 'shop', [], [to('shop', 'cache', 6379)].filter(() => rule('worker-egress'))),
    isolate('web', 'shop', [from('shop', ['api'], 8080)].filter(() => rule('web-ingress')), [to('shop', 'api', 9090)]),
    isolate('api', 'shop', [from('shop', ['web'], 'http')], [to('shop', 'web', 8080), to('shop', 'cache', 6379), to('data', 'db', 5432)].filter((_r, i) => rule(['api-web', 'api-cache', 'api-db'][i]))),
    isolate('cache', 'shop', [from('shop', ['api', 'worker'], 6379)], []),
    isolate('db', 'data', [from('shop', ['api'], 'pg')], []),
  ];
}

describe('a multi-service app: the lint and the allowed matrix', () => {
  test('the NetworkPolicies allow exactly the declared calls and nothing else between the workloads', () => {
    const m = NetworkModel.fromObjects(shop());
    expect(m.allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`)).toEqual([
      'shop/Deployment/api -> data/Deployment/db 5432/TCP',
      'shop/Deployment/api -> shop/Deployment/cache 6379/TCP',
      'shop/Deployment/api -> shop/Deployment/web 8080/TCP',
      'shop/Deployment/web -> shop/Deployment/api 9090/TCP',
      'shop/Deployment/worker -> shop/Deployment/cache 6379/TCP',
    ]);
  });

  test('every declared call passes', () => {
    expect(check(shop(), { packs: NETWORK }).findings).toEqual([]);
  });

  test.each([
    ['worker-egress', 'Deployment shop/worker', 'REDIS_ADDRS', /worker.*cache.*6379\/TCP, but the caller's egress \(NetworkPolicy shop\/worker\) blocks it/, 'worker.connections.allowTo(cache, { port: 6379 })'],
    ['web-ingress', 'Deployment shop/api', 'CALLBACK', /Service shop\/web port 80 → Deployment shop\/web on 8080\/TCP, but the callee's ingress \(NetworkPolicy shop\/web\) blocks it/, 'api.connections.allowTo(web, { port: 8080 })'],
    ['api-cache', 'Deployment shop/api', 'CACHE_HOST', /from ConfigMap "api-settings" key "CACHE_HOST"\) names cache: .* on 6379\/TCP/, 'api.connections.allowTo(cache, { port: 6379 })'],
    ['api-db', 'Deployment shop/api', 'DATABASE_URL', /from ConfigMap "api-db" key "DATABASE_URL"\) names db.data.svc.cluster.local:5432: Deployment shop\/api calls Service data\/db port 5432 → Deployment data\/db on 5432\/TCP/, 'api.connections.allowTo(db, { port: 5432 })'],
  ])('a blocked call fails (%s removed), naming the variable, both workloads, the port and the fix', (drop, caller, variable, message, fix) => {
    const found = errors(shop({ drop }));
    expect(found).toHaveLength(1);
    const f = found[0];
    expect(`${f.object.kind} ${f.object.namespace}/${f.object.name}`).toBe(caller);
    expect(f.message).toContain(`env ${variable} `);
    expect(f.message).toMatch(message);
    expect(f.fix.startsWith(fix)).toBe(true);
    expect(f.severity).toBe('error');
  });

  test('the finding points at the field that sets the value', () => {
    expect(errors(shop({ drop: 'api-db' }))[0].path).toBe('spec.template.spec.containers[0].envFrom[0].configMapRef');
    expect(errors(shop({ drop: 'web-ingress' }))[0].path).toBe('spec.template.spec.containers[0].env[0].value');
  });

  test('secrets in a URL are never printed', () => {
    const objects = shop({ drop: 'api-db' });
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'api-db').data.DATABASE_URL = 'postgres://api:s3cr3t-pw@db.data:5432/shop';
    const f = errors(objects)[0];
    expect(`${f.message} ${f.fix}`).not.toContain('s3cr3t');
    expect(f.message).toContain('names db.data:5432');
  });

  test('a port left unknown is blocked only when every Service port is', () => {
    const objects = shop();
    objects.find((o) => o.metadata.name === 'web' && o.kind === 'Deployment').spec.template.spec.containers[0].env = [{ name: 'API_ADDR', value: 'api.shop' }];
    expect(errors(objects)).toEqual([]); // 80 → 9090 is open, 9100 is not
    const pol = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'web');
    pol.spec.egress = [DNS];
    const f = errors(objects);
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/on any of 9090\/TCP, 9100\/TCP/);
  });

  test('no false positives: the own Service, a Service without selector or pods, an unexposed port, a namespace not in the output', () => {
    const objects = shop();
    const web = objects.find((o) => o.metadata.name === 'web' && o.kind === 'Deployment');
    web.spec.template.spec.containers[0].env = [
      { name: 'PUBLIC_URL', value: 'http://web.shop:80' }, // its own address
      { name: 'EXT', value: 'http://payments:443' }, // Service without selector
      { name: 'GHOST', value: 'http://ghost:80' }, // no pods in the output
      { name: 'WRONG_PORT', value: 'api:9999' }, // not a port of the Service: not a policy problem
    ];
    objects.push(service('payments', 'shop', undefined, [{ port: 443 }]), service('ghost', 'shop', app('ghost'), [{ port: 80 }]));
    expect(errors(objects)).toEqual([]);
    // caller in a namespace that is not in the output, selected by a label the output cannot see
    const other = [
      deployment('client', 'elsewhere', app('client'), [], [{ name: 'CACHE', value: 'cache.shop:6379' }]),
      policy('cache-extra', 'shop', { podSelector: { matchLabels: app('cache') }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'trusted' } } }] }] }),
    ];
    expect(errors([...shop(), ...other])).toEqual([]);
  });

  test('no false positive: egress to a private ipBlock that may be the pod network', () => {
    const objects = shop({ drop: 'api-cache' });
    objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'api').spec.egress.push({ to: [{ ipBlock: { cidr: '10.244.0.0/16' } }], ports: [{ port: 6379 }] });
    expect(errors(objects)).toEqual([]);
  });

  test('three versions behind one Service: each blocked backend is reported', () => {
    const objects = shop();
    objects.push(deployment('api-canary', 'shop', { app: 'api', track: 'canary' }, [{ name: 'http', port: 9091 }]));
    const f = errors(objects);
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/Deployment shop\/web calls Service shop\/api port 80 → Deployment shop\/api-canary on 9091\/TCP/);
  });
});

describe('API token without a route to the API server', () => {
  const withToken = (egress: any[], podExtra: any) => [
    namespace('shop'),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'op', namespace: 'shop' }, automountServiceAccountToken: false },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'op', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'op' }, subjects: [{ kind: 'ServiceAccount', name: 'op', namespace: 'shop' }] },
    deployment('op', 'shop', app('op'), [], [], { pod: { serviceAccountName: 'op', ...podExtra }, container: { volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] } }),
    isolate('op', 'shop', [], egress),
  ];
  const projected = (audience?: string) => ({
    automountServiceAccountToken: false,
    volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, ...(audience ? { audience } : {}) } }] } }],
  });
  const route = { to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] };
  const found = (objects: any[]) => errors(objects, 'HARDENED-NET-011');

  test('a projected token with no egress to 443/6443 fails, with the fix', () => {
    const f = found(withToken([], projected()));
    expect(f).toHaveLength(1);
    expect(f[0].path).toBe('spec.template.spec.volumes[0]');
    expect(f[0].message).toBe('Deployment shop/op gets a projected API token (volume "kube-api-access"), but NetworkPolicy shop/op allows no egress to an address on 443 or 6443/TCP: its API calls cannot reach the API server');
    expect(f[0].fix).toMatch(/^op\.connections\.allowTo\(NetworkPeer\.apiServer\('<API server endpoint address>'\)\)/);
  });

  test('an ipBlock on the port, or an egress rule without peers, is a route', () => {
    expect(found(withToken([route], projected()))).toEqual([]);
    expect(found(withToken([{ ports: [{ port: 443 }] }], projected()))).toEqual([]);
    expect(found(withToken([{ ...route, ports: [{ port: 5432 }] }], projected()))).toHaveLength(1);
  });

  test('an automounted token counts when the ServiceAccount is bound; a token for another audience does not', () => {
    expect(found(withToken([], { automountServiceAccountToken: true }))).toHaveLength(1);
    expect(found(withToken([], { automountServiceAccountToken: false }))).toEqual([]);
    expect(found(withToken([], projected('vault')))).toEqual([]);
    expect(found(withToken([], projected('https://kubernetes.default.svc')))).toHaveLength(1);
  });

  test('a pod not isolated for egress has a route', () => {
    const objects = withToken([], projected()).filter((o) => o.kind !== 'NetworkPolicy');
    expect(found(objects)).toEqual([]);
  });
});

describe('at synth: the gate fails a blocked call and passes once it is declared or acknowledged', () => {
  /** web calls api by URL (the caller defined first); `declare` opens web's egress with the existing prop. */
  function build(opts: { declare?: boolean; acknowledge?: boolean } = {}) {
    const chart = new HardenedChart(new App(), 'shop', { namespace: 'shop', policyPacks: NETWORK });
    const web = new SecureApp(chart, 'web', {
      name: 'web-frontend', image: 'ghcr.io/acme/web:1.4.2', port: 8080, healthCheck: HealthCheck.tcp(),
      env: { API_URL: 'http://api.shop.svc.cluster.local:9090/v1' },
      egressTo: opts.declare ? [NetworkPeer.pods({ 'app.kubernetes.io/instance': 'api' }, { ports: [9090] })] : undefined,
    });
    new SecureApp(chart, 'api', { name: 'api', image: 'ghcr.io/acme/api:3.2.1', port: 9090, healthCheck: HealthCheck.tcp() });
    if (opts.acknowledge) Policy.acknowledge(web, 'HARDENED-NET-010', 'api is reached through the mesh egress gateway');
    return chart;
  }

  test('blocked: the synth fails with HARDENED-NET-010 and the line that fixes it', () => {
    const chart = build();
    expect(() => Testing.synth(chart)).toThrow(/HARDENED-NET-010[\s\S]*env API_URL of container "web" \(from value\) names api\.shop\.svc\.cluster\.local:9090: Deployment shop\/web-frontend calls Service shop\/api port 9090 → Deployment shop\/api on 9090\/TCP, but the caller's egress \(NetworkPolicy shop\/web-frontend\) blocks it[\s\S]*fix: web\.connections\.allowTo\(api, \{ port: 9090 \}\)/);
  });

  test('declared with the existing egressTo prop: passes', () => {
    const chart = build({ declare: true });
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('acknowledged like any rule', () => {
    const chart = build({ acknowledge: true });
    const web = Testing.synth(chart).find((o) => o.kind === 'Deployment' && o.metadata.name === 'web-frontend');
    expect(web.metadata.annotations['hardened.cdk8s.io/acknowledged']).toContain('HARDENED-NET-010: api is reached through the mesh egress gateway');
  });
});

test('the model is built once per evaluation', () => {
  const objects = shop().map((json, i) => ({ json, origin: `#${i}` }));
  const ctx = { objects } as unknown as PolicyContext;
  const { networkModelOf } = require('../src/policy/rules/connectivity');
  expect(networkModelOf(ctx)).toBe(networkModelOf(ctx));
});

describe('HARDENED-NET-012: a call to a port the Service does not have', () => {
  function build(url: string, servicePort?: number) {
    const chart = new HardenedChart(new App(), 'shop', { namespace: 'shop', policyPacks: NETWORK });
    const web = new SecureApp(chart, 'web', {
      name: 'web', image: 'ghcr.io/acme/web:1.4.2', port: 8080, healthCheck: HealthCheck.tcp(),
      env: { API_URL: url },
      egressTo: [NetworkPeer.pods({ 'app.kubernetes.io/instance': 'api' }, { ports: [9090] })],
    });
    new SecureApp(chart, 'api', { name: 'api', image: 'ghcr.io/acme/api:3.2.1', port: 9090, servicePort, healthCheck: HealthCheck.tcp() });
    return { chart, web };
  }

  test('non-compliant: a URL without a port (80) to a Service on 9090 fails the synth, naming the ports', () => {
    expect(() => Testing.synth(build('http://api/v1').chart)).toThrow(/HARDENED-NET-012[\s\S]*env API_URL of container "web" \(from value\) names api, port 80 of Service shop\/api, which has port 9090 only: every call is refused[\s\S]*fix: write the Service's port in the value \(e\.g\. api:9090\), or give the Service port 80 \(servicePort: 80\)/);
  });

  test('compliant: the URL names the Service port, or the Service has port 80', () => {
    expect(() => Testing.synth(build('http://api:9090/v1').chart)).not.toThrow();
    expect(() => Testing.synth(build('http://api/v1', 80).chart)).not.toThrow();
  });
});
