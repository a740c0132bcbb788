/**
 * The pod and container fields of issue 13, through the one pod builder: env from references,
 * labels and annotations, probes, scheduling knobs, mounts, identity, writable volumes. Each
 * field: an assertion on the rendered field and a refusal of each bad value.
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BatchJob, Capability, ConfigAttachment, EncryptedConfig, HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, RolloutStrategy, SecureApp, SecureAppProps,
  StatefulApp, StorageAccessMode, Subject, Worker,
} from '../src';
import { CONFIG_CHECKSUM_ANNOTATION } from '../src/hardening/pod';
import { NetworkModel } from '../src/policy/reachability';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/web:1.0.0';
/** A pre-sealed value (the ciphertext shape `cdk8s-hardened seal` writes: RSA block length, RSA block, AES-GCM data). */
function sealed(fill: number): string {
  return Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 32, fill)]).toString('base64');
}
const SEALED = sealed(7);

function chart(): Chart {
  return new Chart(Testing.app(), 'shop', { namespace: 'shop' });
}

function secrets(c: Chart, id = 'db', values: Record<string, string> = { DB_PASSWORD: SEALED, DB_USER: SEALED }) {
  return new EncryptedConfig(c, id, { sealedValues: values });
}

function render(props: Partial<SecureAppProps> = {}, setup?: (c: Chart) => Partial<SecureAppProps>) {
  const c = chart();
  const extra = setup ? setup(c) : {};
  const app = new SecureApp(c, 'web', { image: IMAGE, ...extra, ...props } as SecureAppProps);
  const manifest = synth(c);
  const deployment = one(manifest, 'Deployment');
  return { chart: c, app, manifest, deployment, pod: podSpec(deployment), container: podSpec(deployment).containers[0] };
}

/** The message of the error `fn` throws (construct time or synth time). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

function expectRefused(fn: () => unknown, ...fragments: string[]) {
  const message = errorOf(fn);
  expect(message).toContain('shop/');
  for (const f of fragments) expect(message).toContain(f);
  expect(message).toContain('Fix:');
}

function app(props: Partial<SecureAppProps>, setup?: (c: Chart) => Partial<SecureAppProps>) {
  return () => {
    const c = chart();
    const extra = setup ? setup(c) : {};
    new SecureApp(c, 'web', { image: IMAGE, ...extra, ...props } as SecureAppProps);
    return synth(c);
  };
}

describe('envVariables: cdk8s-plus EnvValue', () => {
  test('ConfigMap and Secret keys (optional or not), downward-API and resource fields, plain values', () => {
    const { container } = render({}, c => {
      const settings = new kplus.ConfigMap(c, 'settings', { data: { LOG_LEVEL: 'info' } });
      const db = secrets(c);
      const tls = kplus.Secret.fromSecretName(c, 'tls', 'operator-tls');
      return {
        envVariables: {
          LOG_LEVEL: kplus.EnvValue.fromConfigMap(settings, 'LOG_LEVEL', { optional: true }),
          DATABASE_PASSWORD: db.envValue('DB_PASSWORD'),
          DATABASE_USER: db.envValue('DB_USER', { optional: true }),
          TLS_CA: kplus.EnvValue.fromSecretValue({ secret: tls, key: 'ca.crt' }, { optional: true }),
          POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          NODE_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME),
          MEMORY_LIMIT: kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.MEMORY_LIMIT),
          REGION: kplus.EnvValue.fromValue('eu-west-1'),
        },
      };
    });
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.LOG_LEVEL.valueFrom).toEqual({ configMapKeyRef: { name: expect.any(String), key: 'LOG_LEVEL', optional: true } });
    expect(env.DATABASE_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'db', key: 'DB_PASSWORD' } });
    expect(env.DATABASE_USER.valueFrom).toEqual({ secretKeyRef: { name: 'db', key: 'DB_USER', optional: true } });
    expect(env.TLS_CA.valueFrom).toEqual({ secretKeyRef: { name: 'operator-tls', key: 'ca.crt', optional: true } });
    expect(env.POD_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.NODE_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.MEMORY_LIMIT.valueFrom).toEqual({ resourceFieldRef: { resource: 'limits.memory' } });
    expect(env.REGION).toEqual({ name: 'REGION', value: 'eu-west-1' });
  });

  test('$(VAR) references: a variable comes after those it refers to, so the kubelet expands it', () => {
    const { container, pod } = render({
      env: {
        // Sorted by name, DATA_DIR would come before NODE_NAME, and env before envVariables.
        DATA_DIR: '/data/$(NODE_NAME)',
        NODE_NAME: 'rabbit@$(POD_NAME).db.$(POD_NAMESPACE)',
        LITERAL: 'cost: $$(ZZZ_LATER)',
        ZZZ_LATER: 'z',
      },
      envVariables: {
        POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      },
      sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0', env: { A_URL: 'http://$(Z_HOST):80' }, envVariables: { Z_HOST: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) } }],
    });
    expect(container.env.map((e: any) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'NODE_NAME', 'DATA_DIR', 'LITERAL', 'ZZZ_LATER']);
    expect(pod.containers[1].env.map((e: any) => e.name)).toEqual(['Z_HOST', 'A_URL']);
    // Without references the order stays sorted by name (env, then envVariables).
    expect(render({ env: { B: 'b', A: 'a' }, envVariables: { C: kplus.EnvValue.fromValue('c') } }).container.env.map((e: any) => e.name)).toEqual(['A', 'B', 'C']);
  });

  test('red team: a variable that refers to itself, directly or through others, is refused (the kubelet would leave literal text)', () => {
    expectRefused(app({ env: { PATH: '/app/bin:$(PATH)' } }), 'env.PATH "/app/bin:$(PATH)"', 'refers to itself', 'never to the image\'s environment', '$$(PATH)');
    expectRefused(app({ env: { A: '$(B)', B: 'x-$(C)', C: '$(A)' } }), 'env.A', 'refers to itself through $(B), $(C)');
    expectRefused(app({ env: { A: '$(B)' }, envVariables: { B: kplus.EnvValue.fromValue('$(A)') } }), 'env.A', 'through $(B)');
    expectRefused(app({ sidecars: [{ name: 'proxy', image: IMAGE, env: { HOME: '$(HOME)/x' } }] }), 'sidecars[0].env.HOME', 'refers to itself');
    expectRefused(app({ initContainers: [{ name: 'setup', image: IMAGE, envVariables: { X: kplus.EnvValue.fromValue('$(X)') } }] }), 'initContainers[0].envVariables.X');
    // Not references: an escaped $$(PATH), a name defined nowhere (left as written), a valueFrom entry.
    expect(errorOf(app({ env: { PATH: '/app/bin:$$(PATH)', A: '$(UNDEFINED)' }, envVariables: { B: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) } }))).toBe('');
    // A whole-object envFrom may define the name (its keys are known only at synth): left alone.
    expect(errorOf(app({ env: { PATH: '/app/bin:$(PATH)' } }, c => ({ config: [ConfigAttachment.env(new kplus.ConfigMap(c, 'paths', { data: { PATH: '/usr/bin' } }))] })))).toBe('');
  });

  test('red team: $(VAR) ordering follows the kubelet\'s expansion ($$ escapes, valueFrom, config attachments, undefined names), deterministically', () => {
    const env = {
      // "$$$(Z_POD)" is "$" and then a reference; "$$$$(Z_POD)" is the literal "$$(Z_POD)".
      A_ODD: 'x$$$(Z_POD)', B_EVEN: 'x$$$$(Z_POD)',
      D_UNDEFINED: '$(NOT_DEFINED_ANYWHERE)',
      E_URL: 'http://$(Z_HOST):$(Z_PORT)/', F_NESTED: '$(E_URL)health',
    };
    const setup = (c: Chart) => ({
      config: [ConfigAttachment.env(new kplus.ConfigMap(c, 'endpoints', { data: { Z_HOST: 'db', Z_PORT: '5432' } }), { keys: ['Z_HOST', 'Z_PORT'] })],
      envVariables: { Z_POD: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) },
    });
    const names = (props: Partial<SecureAppProps>) => render(props, setup).container.env.map((e: any) => e.name);
    const order = names({ env });
    // Each reference after its variable: Z_POD before A_ODD (not before B_EVEN, whose text is
    // literal), the attached keys before E_URL, E_URL before F_NESTED; the rest keeps its order.
    expect(order).toEqual(['Z_POD', 'A_ODD', 'B_EVEN', 'D_UNDEFINED', 'Z_HOST', 'Z_PORT', 'E_URL', 'F_NESTED']);
    // The same whatever order the map was written in.
    expect(names({ env: Object.fromEntries(Object.entries(env).reverse()) })).toEqual(order);
    // A whole-object attachment is envFrom, which the kubelet reads before env: nothing to move.
    const fromAll = render({ env: { URL: 'http://$(Z_HOST)/' } }, c => ({ config: [ConfigAttachment.env(new kplus.ConfigMap(c, 'endpoints', { data: { Z_HOST: 'db' } }))] })).container;
    expect(fromAll.env).toEqual([{ name: 'URL', value: 'http://$(Z_HOST)/' }]);
    expect(fromAll.envFrom).toHaveLength(1);
  });

  test('init containers and sidecars take envVariables and workingDir too', () => {
    const { pod } = render({
      initContainers: [{ name: 'setup', image: 'ghcr.io/acme/setup:1.0.0', workingDir: '/work', envVariables: { NS: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE) } }],
      sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0', envVariables: { POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP) } }],
    });
    expect(pod.initContainers[0].env).toEqual([{ name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    expect(pod.initContainers[0].workingDir).toBe('/work');
    expect(pod.containers[1].env).toEqual([{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]);
  });

  test('config referenced by env rolls the pods when it changes', () => {
    const checksum = (level: string) => render({}, c => {
      const settings = new kplus.ConfigMap(c, 'settings', { data: { LOG_LEVEL: level } });
      return { envVariables: { LOG_LEVEL: kplus.EnvValue.fromConfigMap(settings, 'LOG_LEVEL') } };
    }).deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum('info')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum('info')).toBe(checksum('info'));
    expect(checksum('debug')).not.toBe(checksum('info'));
    const sealedChecksum = (value: string) => render({}, c => ({ envVariables: { P: secrets(c, 'db', { DB_PASSWORD: value }).envValue('DB_PASSWORD') } }))
      .deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(sealedChecksum(SEALED)).not.toBe(sealedChecksum(sealed(9)));
  });

  test('a plaintext secret through EnvValue.fromValue is refused like env, without showing it', () => {
    const message = errorOf(app({ envVariables: { DB_PASSWORD: kplus.EnvValue.fromValue('hunter2-secret') } }));
    expect(message).toContain('envVariables.DB_PASSWORD');
    expect(message).toContain('<redacted>');
    expect(message).not.toContain('hunter2');
  });

  test('bad names, non-EnvValues and a variable set twice are refused', () => {
    expectRefused(app({ envVariables: { '1BAD': kplus.EnvValue.fromValue('x') } }), 'not a valid environment variable name');
    expectRefused(app({ envVariables: { A: 'plain' as any } }), 'not a kplus.EnvValue');
    expectRefused(app({ env: { A: 'x' }, envVariables: { A: kplus.EnvValue.fromValue('y') } }), 'set twice');
  });

  test('a key an EncryptedConfig lacks is refused, naming the keys it has (never values)', () => {
    const c = chart();
    const db = secrets(c);
    const message = errorOf(() => db.envValue('DB_PASSWRD'));
    expect(message).toContain('"DB_PASSWRD"');
    expect(message).toContain('"DB_PASSWORD", "DB_USER"');
    expect(message).not.toContain(SEALED.slice(0, 20));
    expect(message).toContain('Fix:');
  });

  test('a key a ConfigMap of the app lacks is refused, naming the keys it has', () => {
    expectRefused(app({}, c => {
      const settings = new kplus.ConfigMap(c, 'settings', { data: { LOG_LEVEL: 'info' } });
      return { envVariables: { LEVEL: kplus.EnvValue.fromConfigMap(settings, 'LOG_LEVL') } };
    }), 'envVariables.LEVEL', 'no key "LOG_LEVL"', 'it has "LOG_LEVEL"');
    // A ConfigMap the cluster has: its keys are unknown, so nothing is refused.
    expect(errorOf(app({}, c => ({ envVariables: { X: kplus.EnvValue.fromConfigMap(kplus.ConfigMap.fromConfigMapName(c, 'ext', 'external'), 'ANY') } })))).toBe('');
  });
});

describe('ConfigAttachment.env: keys, renaming, optional', () => {
  test('the old form still sets each key under its own name', () => {
    const { container } = render({}, c => ({ config: [ConfigAttachment.env(secrets(c), { keys: ['DB_USER'] })] }));
    expect(container.env).toEqual([{ name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'db', key: 'DB_USER' } } }]);
  });

  test('variables rename keys; optional marks every reference', () => {
    const { container } = render({}, c => ({ config: [ConfigAttachment.env(secrets(c), { keys: ['DB_USER'], variables: { PGPASSWORD: 'DB_PASSWORD' }, optional: true })] }));
    expect(container.env).toEqual([
      { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'db', key: 'DB_USER', optional: true } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'DB_PASSWORD', optional: true } } },
    ]);
    const all = render({}, c => ({ config: [ConfigAttachment.env(secrets(c), { optional: true })] })).container;
    expect(all.envFrom).toEqual([{ secretRef: { name: 'db', optional: true } }]);
  });

  test('a misspelled key is refused at construct time (EncryptedConfig) or synth (ConfigMap), naming the keys', () => {
    expectRefused(() => {
      const c = chart();
      new SecureApp(c, 'web', { image: IMAGE, config: [ConfigAttachment.env(secrets(c), { keys: ['DB_PASSWRD'] })] });
    }, 'config[0]', '"DB_PASSWRD"', '"DB_PASSWORD", "DB_USER"');
    expectRefused(app({}, c => ({ config: [ConfigAttachment.env(new kplus.ConfigMap(c, 'settings', { data: { A: '1' } }), { variables: { B: 'b' } })] })), '"b"', 'it has "A"');
  });

  test('bad variable names and a variable set twice are refused', () => {
    expectRefused(app({}, c => ({ config: [ConfigAttachment.env(secrets(c), { variables: { '9X': 'DB_USER' } })] })), 'not a valid environment variable name');
    expectRefused(app({ env: { PGUSER: 'x' } }, c => ({ config: [ConfigAttachment.env(secrets(c), { variables: { PGUSER: 'DB_USER' } })] })), 'set twice');
  });
});

describe('mounts: optional, items, objects the cluster has', () => {
  test('an optional Secret the cluster gets later, one key at a chosen file name', () => {
    const { pod, container, deployment } = render({}, c => ({
      config: [ConfigAttachment.files(kplus.Secret.fromSecretName(c, 'tls', 'web-tls'), { mountPath: '/etc/tls', optional: true, items: { 'tls.crt': 'server.crt', 'tls.key': 'server.key' } })],
    }));
    expect(pod.volumes).toEqual([{ name: 'config-0', secret: { secretName: 'web-tls', defaultMode: 0o440, optional: true, items: [{ key: 'tls.crt', path: 'server.crt' }, { key: 'tls.key', path: 'server.key' }] } }]);
    expect(container.volumeMounts).toEqual([{ name: 'config-0', mountPath: '/etc/tls', readOnly: true }]);
    // An object the cluster has is not hashed: its content is unknown.
    expect(deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBeDefined();
  });

  test('a ConfigMap the cluster has, by name; a chart ConfigMap keeps its checksum', () => {
    const { pod } = render({}, c => ({ config: [kplus.ConfigMap.fromConfigMapName(c, 'ca', 'kube-root-ca.crt'), new kplus.ConfigMap(c, 'settings', { data: { A: '1' } })] }));
    expect(pod.volumes[0].configMap.name).toBe('kube-root-ca.crt');
    const checksum = (v: string) => render({}, c => ({ config: [kplus.ConfigMap.fromConfigMapName(c, 'ca', 'kube-root-ca.crt'), new kplus.ConfigMap(c, 'settings', { data: { A: v } })] }))
      .deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum('1')).not.toBe(checksum('2'));
  });

  test('an items key the object lacks, a bad file name and a plaintext kplus Secret are refused', () => {
    expectRefused(app({}, c => ({ config: [ConfigAttachment.files(secrets(c), { items: { DB_PASSWRD: 'password' } })] })), 'no key "DB_PASSWRD"');
    expectRefused(app({}, c => ({ config: [ConfigAttachment.files(secrets(c), { items: { DB_USER: '../user' } })] })), 'relative file path');
    expectRefused(app({}, c => ({ config: [ConfigAttachment.files(secrets(c), { optional: 'yes' as any })] })), 'must be true or false');
    expectRefused(app({}, c => ({ config: [new kplus.Secret(c, 'plain', { stringData: { A: 'b' } })] })), 'not a ConfigMap or EncryptedConfig');
  });
});

describe('config on init containers and sidecars', () => {
  test('an init container mounts the script the main container also runs: one volume, one path', () => {
    const { pod, deployment } = render({}, c => {
      const scripts = new kplus.ConfigMap(c, 'scripts', { data: { 'init.sh': 'echo init', 'run.sh': 'echo run' } });
      const attach = () => ConfigAttachment.files(scripts, { mountPath: '/scripts' });
      return { config: [attach()], initContainers: [{ name: 'setup', image: IMAGE, command: ['/bin/sh', '/scripts/init.sh'], config: [attach()] }] };
    });
    expect(pod.volumes.filter((v: any) => v.configMap)).toEqual([{ name: 'config-0', configMap: { name: expect.stringMatching(/scripts/), defaultMode: 0o444 } }]);
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'config-0', mountPath: '/scripts', readOnly: true }]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'config-0', mountPath: '/scripts', readOnly: true }]);
    expect(deployment.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a sidecar\'s own object: its own volume, env attachments as its variables, the content rolls the pods', () => {
    const build = (value: string) => render({}, c => {
      const proxy = new kplus.ConfigMap(c, 'proxy', { data: { 'proxy.conf': value, 'unused.conf': '' } });
      const settings = new kplus.ConfigMap(c, 'proxy-settings', { data: { LOG_LEVEL: 'info' } });
      return {
        sidecars: [{
          name: 'proxy',
          image: IMAGE,
          healthCheck: HealthCheck.exec(['/bin/ready'], { livenessCommand: ['/bin/alive'] }),
          config: [ConfigAttachment.files(proxy, { mountPath: '/etc/proxy', items: { 'proxy.conf': 'proxy.conf' } }), ConfigAttachment.env(settings, { keys: ['LOG_LEVEL'] })],
        }],
      };
    });
    const { pod, deployment } = build('listen 8080');
    const sidecar = pod.containers[1];
    expect(pod.volumes).toContainEqual({ name: 'sidecar0-config-0', configMap: { name: expect.stringMatching(/proxy/), defaultMode: 0o444, items: [{ key: 'proxy.conf', path: 'proxy.conf' }] } });
    expect(sidecar.volumeMounts).toEqual([{ name: 'sidecar0-config-0', mountPath: '/etc/proxy', readOnly: true }]);
    expect(sidecar.env).toEqual([{ name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: expect.stringMatching(/proxy-settings/), key: 'LOG_LEVEL' } } }]);
    expect(pod.containers[0].volumeMounts).toBeUndefined();
    expect(pod.containers[0].env).toBeUndefined();
    const checksum = (d: any) => d.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum(deployment)).not.toBe(checksum(build('listen 9090').deployment));
    expect(schemaErrors(synth(build('x').chart))).toEqual([]);
  });

  test('works on a BatchJob\'s init container', () => {
    const c = chart();
    const scripts = new kplus.ConfigMap(c, 'scripts', { data: { 'wait.sh': 'true' } });
    new BatchJob(c, 'report', {
      image: IMAGE,
      initContainers: [{ name: 'wait', image: IMAGE, command: ['/bin/sh', '/scripts/wait.sh'], config: [ConfigAttachment.files(scripts, { mountPath: '/scripts' })] }],
    });
    const pod = podSpec(one(synth(c), 'Job'));
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'init0-config-0', mountPath: '/scripts', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'init0-config-0', configMap: { name: expect.stringMatching(/scripts/), defaultMode: 0o444 } }]);
    expect(pod.containers[0].volumeMounts).toBeUndefined();
  });

  test('refused: a missing key, a variable set twice, two different volumes at one path, a plaintext Secret, not a list', () => {
    const settings = (c: Chart) => new kplus.ConfigMap(c, 'settings', { data: { A: '1', B: '2' } });
    expectRefused(app({}, c => ({ initContainers: [{ name: 'setup', image: IMAGE, config: [ConfigAttachment.env(settings(c), { keys: ['C'] })] }] })),
      'initContainers[0].config[0]', 'no key "C"');
    expectRefused(app({}, c => ({ initContainers: [{ name: 'setup', image: IMAGE, env: { A: 'x' }, config: [ConfigAttachment.env(settings(c), { keys: ['A'] })] }] })),
      'initContainers[0].config', 'set twice');
    expectRefused(app({}, c => {
      const s = settings(c);
      return {
        config: [ConfigAttachment.files(s, { mountPath: '/etc/settings' })],
        sidecars: [{ name: 'proxy', image: IMAGE, healthCheck: HealthCheck.exec(['/bin/ready']), config: [ConfigAttachment.files(s, { mountPath: '/etc/settings', items: { A: 'a' } })] }],
      };
    }), 'sidecars[0].config[0].mountPath', 'mounts another volume');
    expectRefused(app({}, c => ({ initContainers: [{ name: 'setup', image: IMAGE, config: [new kplus.Secret(c, 'plain', { stringData: { A: 'b' } })] }] })),
      'initContainers[0].config[0]', 'not a ConfigMap or EncryptedConfig');
    expectRefused(app({}, c => ({ initContainers: [{ name: 'setup', image: IMAGE, config: settings(c) as any }] })), 'initContainers[0].config');
  });
});

describe('labels, pod labels and annotations, component', () => {
  test('labels go on every object; podLabels and podAnnotations on the pod template only; component is configurable', () => {
    const { manifest, deployment } = render({
      labels: { team: 'checkout' },
      podLabels: { app: 'web', version: 'v2' },
      podAnnotations: { 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
      component: 'frontend',
    });
    for (const o of manifest) {
      expect(o.metadata.labels.team).toBe('checkout');
      expect(o.metadata.labels['app.kubernetes.io/component']).toBe('frontend');
    }
    const tpl = deployment.spec.template.metadata;
    expect(tpl.labels).toMatchObject({ app: 'web', version: 'v2', team: 'checkout' });
    expect(deployment.metadata.labels.app).toBeUndefined();
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': deployment.metadata.name });
    expect(tpl.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' });
    expect(one(manifest, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('each workload has its own default component', () => {
    const c = chart();
    new Worker(c, 'w', { image: IMAGE, healthCheck: HealthCheck.exec(['/ok'], { livenessCommand: ['/alive'] }) });
    new BatchJob(c, 'j', { image: IMAGE });
    const m = synth(c);
    expect(one(m, 'Deployment').metadata.labels['app.kubernetes.io/component']).toBe('worker');
    expect(one(m, 'Job').metadata.labels['app.kubernetes.io/component']).toBe('job');
    expect(render().deployment.metadata.labels['app.kubernetes.io/component']).toBe('server');
  });

  test('selector labels cannot be overridden; bad keys and values, reserved annotations are refused', () => {
    expectRefused(app({ podLabels: { 'app.kubernetes.io/instance': 'other' } }), 'podLabels.app.kubernetes.io/instance', 'selectors and policies rely on it');
    expectRefused(app({ labels: { 'app.kubernetes.io/component': 'x' } }), 'set `component` instead');
    expectRefused(app({ podLabels: { 'bad key!': 'x' } }), 'not a valid label key');
    expectRefused(app({ labels: { team: 'not a value' } }), 'not a valid label value');
    expectRefused(app({ podAnnotations: { 'hardened.cdk8s.io/config-checksum': 'x' } }), 'belongs to Kubernetes or to this library');
    expectRefused(app({ podAnnotations: { 'kubectl.kubernetes.io/default-container': 'x' } }), 'belongs to Kubernetes or to this library');
    expectRefused(app({ podAnnotations: { 'prometheus.io/port': 9090 as any } }), 'not a string');
    expectRefused(app({ component: 'Front End' }), 'component');
  });
});

describe('probes: gRPC, port, headers, initial delay, liveness period', () => {
  test('HealthCheck.grpc on the main port, with distinct readiness and liveness services', () => {
    const { container } = render({ ports: [{ name: 'grpc', port: 9000 }], healthCheck: HealthCheck.grpc({ service: 'ready', livenessService: 'liveness' }) });
    expect(container.readinessProbe.grpc).toEqual({ port: 9000, service: 'ready' });
    expect(container.livenessProbe.grpc).toEqual({ port: 9000, service: 'liveness' });
  });

  test('a probe on a port the app does not list is declared on the container only (not the Service)', () => {
    const { container, manifest } = render({ ports: [{ name: 'grpc-tls', port: 8443 }], healthCheck: HealthCheck.http('/ready', { port: 8084, livenessPath: '/healthz' }) });
    expect(container.ports).toEqual([
      { name: 'grpc-tls', containerPort: 8443, protocol: 'TCP' },
      { name: 'health-8084', containerPort: 8084, protocol: 'TCP' },
    ]);
    expect(container.readinessProbe.httpGet.port).toBe('health-8084');
    expect(one(manifest, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['grpc-tls']);
    const listed = render({ ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9901 }], healthCheck: HealthCheck.tcp({ port: 9901 }) }).container;
    expect(listed.readinessProbe.tcpSocket.port).toBe('admin');
    expect(listed.ports).toHaveLength(2);
  });

  test('HTTP headers, initial delay and a liveness period of its own; the old default stays twice the period', () => {
    const { container } = render({ healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz', headers: { Host: 'shop.example.com' }, initialDelay: Duration.seconds(10), livenessPeriod: Duration.seconds(30), period: Duration.seconds(5) }) });
    expect(container.readinessProbe.httpGet.httpHeaders).toEqual([{ name: 'Host', value: 'shop.example.com' }]);
    expect(container.readinessProbe.initialDelaySeconds).toBe(10);
    expect(container.livenessProbe.initialDelaySeconds).toBe(10);
    expect(container.readinessProbe.periodSeconds).toBe(5);
    expect(container.livenessProbe.periodSeconds).toBe(30);
    const plain = render({ healthCheck: HealthCheck.http('/ready', { periodSeconds: 4 }) }).container;
    expect(plain.livenessProbe.periodSeconds).toBe(8);
    expect(plain.readinessProbe.initialDelaySeconds).toBeUndefined();
  });

  test('a Worker may probe a health port it names', () => {
    const c = chart();
    new Worker(c, 'w', { image: IMAGE, healthCheck: HealthCheck.http('/ready', { port: 8081, livenessPath: '/healthz' }) });
    const container = podSpec(one(synth(c), 'Deployment')).containers[0];
    expect(container.ports).toEqual([{ name: 'health-8081', containerPort: 8081, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health-8081', scheme: 'HTTP' });
  });

  test('liveness of another kind: HTTP readiness with a TCP liveness check on the same port (and the startup probe)', () => {
    const { container } = render({ port: 80, healthCheck: HealthCheck.http('/health', { liveness: HealthCheck.tcp(), startupProbe: true, startupTimeoutSeconds: 300 }) });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.livenessProbe.httpGet).toBeUndefined();
    expect(container.livenessProbe.periodSeconds).toBe(10);
    expect(container.startupProbe.tcpSocket).toEqual({ port: 'http' });
    expect(container.startupProbe.failureThreshold).toBe(60);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
  });

  test('a liveness check on its own port is declared there; exec readiness with an HTTP liveness; gRPC with a TCP liveness', () => {
    const own = render({ healthCheck: HealthCheck.http('/ready', { liveness: HealthCheck.http('/alive', { port: 9901 }) }) }).container;
    expect(own.readinessProbe.httpGet.port).toBe('http');
    expect(own.livenessProbe.httpGet).toEqual({ path: '/alive', port: 'health-9901', scheme: 'HTTP' });
    expect(own.ports.map((p: any) => p.name)).toEqual(['http', 'health-9901']);
    const exec = render({ healthCheck: HealthCheck.exec(['/app/ready'], { liveness: HealthCheck.http('/healthz') }) }).container;
    expect(exec.readinessProbe.exec.command).toEqual(['/app/ready']);
    expect(exec.livenessProbe.httpGet.path).toBe('/healthz');
    const grpc = render({ ports: [{ name: 'grpc', port: 9000 }], healthCheck: HealthCheck.grpc({ service: 'ready', liveness: HealthCheck.tcp() }) }).container;
    expect(grpc.readinessProbe.grpc).toEqual({ port: 9000, service: 'ready' });
    expect(grpc.livenessProbe.tcpSocket).toEqual({ port: 'grpc' });
  });

  test('the probes then differ in kind, so the identical-probe rule (HARDENED-PROBE-003, kube-score pod-probes-identical) does not fire', () => {
    const probe003 = (check: HealthCheck) => {
      const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
      new SecureApp(c, 'web', { image: IMAGE, healthCheck: check });
      return c.policyReport().findings.filter((f: any) => f.ruleId === 'HARDENED-PROBE-003').length;
    };
    expect(probe003(HealthCheck.http('/health'))).toBe(1);
    expect(probe003(HealthCheck.http('/health', { liveness: HealthCheck.tcp() }))).toBe(0);
  });

  test('bad liveness checks are refused', () => {
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { liveness: 'tcp' as any }) }), 'healthCheck.liveness', 'not a HealthCheck');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { livenessPath: '/h', liveness: HealthCheck.tcp() }) }), 'healthCheck.livenessPath', 'keep one of livenessPath and liveness');
    expectRefused(app({ healthCheck: HealthCheck.exec(['/r'], { livenessCommand: ['/a'], liveness: HealthCheck.tcp() }) }), 'healthCheck.livenessCommand');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { liveness: HealthCheck.tcp({ periodSeconds: 3 }) }) }), 'healthCheck.liveness.periodSeconds', 'takes its timing from the check it belongs to');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { liveness: HealthCheck.http('/a', { livenessPath: '/b' }) }) }), 'healthCheck.liveness.livenessPath');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { liveness: HealthCheck.http('healthz') }) }), 'healthCheck.liveness', 'must start with "/"');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { liveness: HealthCheck.tcp({ port: 0 }) }) }), 'healthCheck.liveness.port');
    expectRefused(() => new Worker(chart(), 'w', { image: IMAGE, healthCheck: HealthCheck.exec(['/r'], { liveness: HealthCheck.tcp() }) }), 'a Worker serves no port');
  });

  test('bad probe values are refused', () => {
    expectRefused(app({ healthCheck: HealthCheck.tcp({ port: 70000 }) }), 'healthCheck.port');
    expectRefused(app({ ports: [{ name: 'dns', port: 5353, protocol: 'UDP' as any }], healthCheck: HealthCheck.tcp({ port: 5353 }) }), 'UDP or SCTP');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { headers: { 'Bad Header': 'x' } }) }), 'not an HTTP header');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { headers: { Host: 'a\nb' } }) }), 'not an HTTP header');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { period: Duration.seconds(5), periodSeconds: 5 }) }), 'both period and periodSeconds');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { livenessPeriod: Duration.seconds(0) }) }), 'livenessPeriod');
    expectRefused(app({ healthCheck: HealthCheck.http('/r', { initialDelay: Duration.hours(2) }) }), 'initialDelay');
    expectRefused(app({ healthCheck: HealthCheck.grpc({ service: 3 as any }) }), 'service');
    expectRefused(app({ healthCheck: HealthCheck.tcp({ portName: 'health' }) }), 'healthCheck.portName', 'has no port');
    expectRefused(app({ ports: [{ name: 'http', port: 8080 }, { name: 'health', port: 9000 }], healthCheck: HealthCheck.tcp({ port: 8081, portName: 'health' }) }), 'healthCheck.portName', 'another port of the container is named "health"');
    expectRefused(() => new Worker(chart(), 'w', { image: IMAGE, healthCheck: HealthCheck.grpc() }), 'a Worker serves no port');
  });
});

describe('pod knobs', () => {
  test('terminationGracePeriod, nodeSelector, tolerations, workingDir, imagePullSecrets render on the pod', () => {
    const { pod, container } = render({
      terminationGracePeriod: Duration.seconds(60),
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      tolerations: [
        { key: 'dedicated', value: 'web', effect: kplus.TaintEffect.NO_SCHEDULE },
        { key: 'node.kubernetes.io/unreachable', effect: kplus.TaintEffect.NO_EXECUTE, tolerationSeconds: Duration.seconds(30) },
      ],
      workingDir: '/app',
      imagePullSecrets: ['registry-credentials'],
    });
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
    expect(container.workingDir).toBe('/app');
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
  });

  test('bad knob values are refused', () => {
    expectRefused(app({ terminationGracePeriod: Duration.millis(1500) }), 'terminationGracePeriod', 'whole number of seconds');
    expectRefused(app({ nodeSelector: { 'kubernetes.io/arch': 'arm 64' } }), 'nodeSelector');
    expectRefused(app({ tolerations: [{ value: 'x' }] }), 'a value needs a key');
    expectRefused(app({ tolerations: [{ key: 'k', effect: 'Sometimes' as any }] }), 'not a taint effect');
    expectRefused(app({ tolerations: [{ key: 'k', effect: kplus.TaintEffect.NO_SCHEDULE, tolerationSeconds: Duration.seconds(5) }] }), 'only a NoExecute toleration');
    expectRefused(app({ workingDir: 'app' }), 'workingDir', 'absolute path');
    expectRefused(app({ imagePullSecrets: ['Registry_Creds'] }), 'imagePullSecrets[0]');
    expectRefused(app({ imagePullSecrets: ['a', 'a'] }), 'listed twice');
  });

  test('rolloutStrategy: Recreate on Deployments; refused where it does not apply', () => {
    expect(render({ rolloutStrategy: RolloutStrategy.RECREATE }).deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(render().deployment.spec.strategy.type).toBe('RollingUpdate');
    const c = chart();
    new Worker(c, 'w', { image: IMAGE, healthCheck: HealthCheck.exec(['/ok'], { livenessCommand: ['/alive'] }), rolloutStrategy: RolloutStrategy.RECREATE });
    expect(one(synth(c), 'Deployment').spec.strategy).toEqual({ type: 'Recreate' });
    expectRefused(() => new StatefulApp(chart(), 'db', { image: IMAGE, rolloutStrategy: RolloutStrategy.RECREATE }), 'only a Deployment');
    expectRefused(() => new BatchJob(chart(), 'j', { image: IMAGE, rolloutStrategy: RolloutStrategy.RECREATE }), 'only a Deployment');
    expectRefused(app({ rolloutStrategy: 'Blue' as any }), 'not a rollout strategy');
    expectRefused(app({ autoscaling: { enabled: false }, replicas: 1, rolloutStrategy: RolloutStrategy.ROLLING_UPDATE, storage: [{ mountPath: '/data', size: '1Gi', accessMode: StorageAccessMode.READ_WRITE_ONCE }] }), 'single-writer');
  });

  test('a shared ServiceAccount: one identity for several workloads, API token for all when a role is bound', () => {
    const c = chart();
    const v1 = new SecureApp(c, 'reviews-v1', { image: IMAGE, healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }) });
    const v2 = new SecureApp(c, 'reviews-v2', { image: IMAGE, serviceAccount: v1.serviceAccount, healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }) });
    expect(v2.serviceAccount).toBe(v1.serviceAccount);
    new NamespaceRole(c, 'reader', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], subjects: [Subject.fromServiceAccount(v1.serviceAccount)] });
    const m = synth(c);
    expect(m.filter(o => o.kind === 'ServiceAccount')).toHaveLength(1);
    const deployments = m.filter(o => o.kind === 'Deployment');
    for (const d of deployments) {
      expect(podSpec(d).serviceAccountName).toBe(v1.serviceAccount.name);
      expect(podSpec(d).volumes.map((v: any) => v.name)).toContain('kube-api-access');
    }
  });

  test('a ServiceAccount that is not a workload\'s, or of another namespace, is refused', () => {
    const c = chart();
    const sa = new kplus.ServiceAccount(c, 'sa');
    expectRefused(() => new SecureApp(c, 'web', { image: IMAGE, serviceAccount: (sa as any).apiObject }), 'not the ServiceAccount of a workload of this library');
    const a = Testing.app();
    const other = new SecureApp(new Chart(a, 'other', { namespace: 'other' }), 'x', { image: IMAGE });
    expectRefused(() => new SecureApp(new Chart(a, 'shop', { namespace: 'shop' }), 'web', { image: IMAGE, serviceAccount: other.serviceAccount }), 'its own namespace');
  });
});

describe('identity: a uid below 10000 only with the image\'s reason', () => {
  test('acknowledged: rendered, and the gate records the reason', () => {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
    new StatefulApp(c, 'db', { image: IMAGE, runAsUser: 999, runAsGroup: 999, userIdReason: 'postgres image: data files owned by uid 999', healthCheck: HealthCheck.exec(['pg_isready'], { livenessCommand: ['/alive'] }) });
    const sts = one(synth(c), 'StatefulSet');
    expect(podSpec(sts).securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(sts.metadata.annotations['hardened.cdk8s.io/acknowledged']).toContain('HARDENED-CTR-002: runAsUser 999, runAsGroup 999: postgres image: data files owned by uid 999');
  });

  test('65534 (nobody) needs no reason; root, low ids without a reason, short reasons and needless reasons are refused', () => {
    expect(render({ runAsUser: 65534, runAsGroup: 65534 }).pod.securityContext.runAsUser).toBe(65534);
    expectRefused(app({ runAsUser: 1000 }), 'runAsUser', 'userIdReason');
    expectRefused(app({ runAsUser: 0, userIdReason: 'the image wants root' }), 'runAsUser');
    expectRefused(app({ runAsUser: 1000, userIdReason: 'needs' }), 'at least 10 characters');
    expectRefused(app({ userIdReason: 'nothing to acknowledge here' }), 'nothing to acknowledge');
  });
});

describe('writable volumes with their own sizes', () => {
  test('per-path size limits beside writablePaths; the budget counts each size', () => {
    const { pod, container } = render({
      writablePaths: ['/tmp'],
      writableVolumes: [{ path: '/opt/tools', sizeLimit: Size.mebibytes(256) }, { path: '/cache' }],
      resources: { ephemeralStorage: { request: '512Mi', limit: '512Mi' } },
      initContainers: [{ name: 'copy', image: 'ghcr.io/acme/tools:1.0.0', writableVolumes: [{ path: '/opt/tools', sizeLimit: Size.mebibytes(256) }], resources: { ephemeralStorage: { request: '300Mi', limit: '300Mi' } } }],
    });
    const sizes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v.emptyDir.sizeLimit]));
    expect(sizes).toEqual({ 'writable-tmp': '64Mi', 'writable-opt-tools': '256Mi', 'writable-cache': '64Mi' });
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/opt/tools', '/cache']);
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'writable-opt-tools', mountPath: '/opt/tools' }]);
  });

  test('sharedWith: an init container fills, from the image\'s own directory, the emptyDir the main container mounts over it', () => {
    const { pod, container } = render({
      writablePaths: ['/tmp'],
      writableVolumes: [{ path: '/opt/app/plugins', sizeLimit: Size.mebibytes(128) }],
      resources: { ephemeralStorage: { request: '256Mi', limit: '256Mi' } },
      initContainers: [{
        name: 'copy-plugins',
        image: 'ghcr.io/acme/app:1.0.0',
        command: ['cp', '-r', '/opt/app/plugins/.', '/seed/plugins/'],
        writableVolumes: [{ path: '/seed/plugins', sharedWith: '/opt/app/plugins' }],
        resources: { ephemeralStorage: { request: '128Mi', limit: '128Mi' } },
      }],
    });
    expect(pod.volumes.map((v: any) => [v.name, v.emptyDir.sizeLimit])).toEqual([['writable-tmp', '64Mi'], ['writable-opt-app-plugins', '128Mi']]);
    expect(container.volumeMounts).toEqual([{ name: 'writable-tmp', mountPath: '/tmp' }, { name: 'writable-opt-app-plugins', mountPath: '/opt/app/plugins' }]);
    // The init container does not mount anything at /opt/app/plugins, so it reads the image's files there.
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'writable-opt-app-plugins', mountPath: '/seed/plugins' }]);
  });

  test('sharedWith is refused on the main container, for a path the main container does not list, with a size, and over the budget', () => {
    const init = (volume: object, extra: object = {}) => app({
      writableVolumes: [{ path: '/opt/app/plugins', sizeLimit: Size.mebibytes(128) }],
      initContainers: [{ name: 'copy', image: 'ghcr.io/acme/app:1.0.0', writableVolumes: [volume as any], ...extra }],
    });
    expectRefused(app({ writableVolumes: [{ path: '/x', sharedWith: '/tmp' }] }), 'writableVolumes[0].sharedWith', 'only an init container or a sidecar');
    expectRefused(init({ path: '/seed', sharedWith: '/opt/other' }), 'initContainers[0].writableVolumes[0].sharedWith', 'its writable paths: /opt/app/plugins');
    expectRefused(init({ path: '/seed', sharedWith: '/opt/app/plugins', sizeLimit: Size.mebibytes(8) }), 'sizeLimit', 'main container');
    expectRefused(init({ path: '/seed', sharedWith: 'relative' }), 'sharedWith');
    expectRefused(init({ path: '/seed', sharedWith: '/opt/app/plugins' }, { resources: { ephemeralStorage: { request: '64Mi', limit: '64Mi' } } }), "exceeds the container's ephemeral-storage limit", 'at least 128Mi');
  });

  test('over the ephemeral-storage limit, a path twice, different sizes for one shared path and bad sizes are refused', () => {
    expectRefused(app({ writableVolumes: [{ path: '/opt/tools', sizeLimit: Size.gibibytes(1) }] }), 'exceeds the ephemeral-storage limit', 'at least 1024Mi');
    expectRefused(app({ writablePaths: ['/tmp'], writableVolumes: [{ path: '/tmp', sizeLimit: Size.mebibytes(8) }] }), 'listed twice');
    expectRefused(app({ writableVolumes: [{ path: '/x', sizeLimit: Size.mebibytes(8) }], sidecars: [{ name: 's', image: 'ghcr.io/acme/s:1.0.0', writablePaths: ['/x'] }] }), 'same size limit');
    expectRefused(app({ writableVolumes: [{ path: 'relative' }] }), 'writableVolumes[0].path');
    expectRefused(app({ writableVolumes: [{ path: '/x', sizeLimit: '1Gi' as any }] }), 'not a Size');
  });
});

test('every new field validates against the Kubernetes schemas', () => {
  const c = chart();
  const db = secrets(c);
  const settings = new kplus.ConfigMap(c, 'settings', { data: { LOG_LEVEL: 'info' } });
  new SecureApp(c, 'web', {
    image: IMAGE,
    ports: [{ name: 'grpc', port: 9000 }],
    healthCheck: HealthCheck.grpc({ service: 'ready', livenessService: 'live', initialDelay: Duration.seconds(5) }),
    envVariables: { LOG_LEVEL: kplus.EnvValue.fromConfigMap(settings, 'LOG_LEVEL', { optional: true }), PW: db.envValue('DB_PASSWORD'), NODE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME) },
    config: [ConfigAttachment.files(kplus.Secret.fromSecretName(c, 'tls', 'web-tls'), { optional: true, items: { 'tls.crt': 'server.crt' } }), ConfigAttachment.env(db, { variables: { PGUSER: 'DB_USER' }, optional: true })],
    labels: { team: 'checkout' }, podLabels: { app: 'web', version: 'v1' }, podAnnotations: { 'prometheus.io/scrape': 'true' }, component: 'frontend',
    terminationGracePeriod: Duration.seconds(45), nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', value: 'web', effect: kplus.TaintEffect.NO_SCHEDULE }],
    workingDir: '/app', imagePullSecrets: ['registry'], rolloutStrategy: RolloutStrategy.RECREATE,
    writableVolumes: [{ path: '/cache', sizeLimit: Size.mebibytes(128) }],
  });
  new Worker(c, 'w', { image: IMAGE, healthCheck: HealthCheck.http('/ready', { port: 8081, livenessPath: '/healthz', headers: { Host: 'w' } }) });
  expect(schemaErrors(synth(c))).toEqual([]);
});

describe('typed resources: kplus.Cpu and Size beside the strings', () => {
  test('rendered as quantities', () => {
    const { container, pod } = render({
      resources: {
        cpuResources: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
        memoryResources: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
        ephemeralStorageResources: { request: Size.mebibytes(64), limit: Size.mebibytes(512) },
      },
      initContainers: [{ name: 'setup', image: 'ghcr.io/acme/setup:1.0.0', resources: { cpuResources: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(100) } } }],
    });
    expect(container.resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '512Mi' },
    });
    expect(pod.initContainers[0].resources.limits.cpu).toBe('100m');
  });

  test('both forms, an incomplete range, a wrong type and a limit below the request are refused', () => {
    expectRefused(app({ resources: { cpu: { request: '1', limit: '1' }, cpuResources: { request: kplus.Cpu.units(1), limit: kplus.Cpu.units(1) } } }), 'both cpu and cpuResources');
    expectRefused(app({ resources: { memoryResources: { limit: Size.mebibytes(256) } } }), 'memoryResources.request', 'needs a Size');
    expectRefused(app({ resources: { memoryResources: { request: kplus.Cpu.units(1) as any, limit: Size.mebibytes(256) } } }), 'needs a Size');
    expectRefused(app({ resources: { cpuResources: { request: kplus.Cpu.units(2), limit: kplus.Cpu.units(1) } } }), 'the limit is below the request');
  });
});

test('every workload gets the pod-spec props through the one builder (StatefulApp, BatchJob, CronJob)', () => {
  const c = chart();
  const props = {
    envVariables: { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) },
    podLabels: { app: 'x' }, podAnnotations: { 'example.com/owner': 'team' }, labels: { team: 'data' },
    terminationGracePeriod: Duration.seconds(90), nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', value: 'data', effect: kplus.TaintEffect.NO_SCHEDULE }],
    workingDir: '/srv', imagePullSecrets: ['registry'],
    writableVolumes: [{ path: '/scratch', sizeLimit: Size.mebibytes(128) }],
  };
  new StatefulApp(c, 'db', { image: IMAGE, healthCheck: HealthCheck.exec(['/ready'], { livenessCommand: ['/alive'] }), ...props });
  new BatchJob(c, 'job', { image: IMAGE, ...props });
  new BatchJob(c, 'cron', { image: IMAGE, schedule: '0 3 * * *', ...props });
  const m = synth(c);
  for (const kind of ['StatefulSet', 'Job', 'CronJob']) {
    const w = one(m, kind);
    const tpl = w.spec.jobTemplate ? w.spec.jobTemplate.spec.template : w.spec.template;
    expect(w.metadata.labels.team).toBe('data');
    expect(tpl.metadata.labels.app).toBe('x');
    expect(tpl.metadata.annotations['example.com/owner']).toBe('team');
    const spec = tpl.spec;
    expect(spec.terminationGracePeriodSeconds).toBe(90);
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec.tolerations[0].value).toBe('data');
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(spec.containers[0].workingDir).toBe('/srv');
    expect(spec.containers[0].env).toEqual([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(spec.volumes.find((v: any) => v.name === 'writable-scratch').emptyDir.sizeLimit).toBe('128Mi');
  }
  expect(schemaErrors(m)).toEqual([]);
});

test('a workload using the new props passes the policy gate', () => {
  const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
  const pinned = 'ghcr.io/acme/web:1.0.0@sha256:' + 'a'.repeat(64);
  const settings = new kplus.ConfigMap(c, 'settings', { data: { LOG_LEVEL: 'info' } });
  const v1 = new SecureApp(c, 'reviews-v1', {
    image: pinned,
    ports: [{ name: 'grpc', port: 9080 }],
    healthCheck: HealthCheck.grpc({ service: 'ready', livenessService: 'liveness', initialDelay: Duration.seconds(2) }),
    envVariables: { LOG_LEVEL: kplus.EnvValue.fromConfigMap(settings, 'LOG_LEVEL'), NODE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.NODE_NAME) },
    config: [ConfigAttachment.files(kplus.Secret.fromSecretName(c, 'tls', 'reviews-tls'), { mountPath: '/etc/tls', optional: true, items: { 'tls.crt': 'server.crt' } })],
    labels: { team: 'reviews' }, podLabels: { app: 'reviews', version: 'v1' }, podAnnotations: { 'sidecar.istio.io/inject': 'true' },
    terminationGracePeriod: Duration.seconds(45), nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', value: 'shop', effect: kplus.TaintEffect.NO_SCHEDULE }], imagePullSecrets: ['registry'],
    runAsUser: 1000, runAsGroup: 1000, userIdReason: 'vendor image: files owned by uid 1000',
    writableVolumes: [{ path: '/cache', sizeLimit: Size.mebibytes(128) }],
  });
  new SecureApp(c, 'reviews-v2', {
    image: pinned, serviceAccount: v1.serviceAccount, podLabels: { app: 'reviews', version: 'v2' },
    healthCheck: HealthCheck.http('/ready', { port: 8084, livenessPath: '/healthz', headers: { 'X-Probe': 'kubelet' } }),
  });
  const m = synth(c);
  expect(m.filter(o => o.kind === 'Deployment')).toHaveLength(2);
  expect(schemaErrors(m)).toEqual([]);
});

describe('capabilities: NET_BIND_SERVICE added back after dropping ALL', () => {
  test('on the main container and on ContainerOptions; nothing added by default', () => {
    const { container, pod } = render({
      port: 80,
      capabilities: [Capability.NET_BIND_SERVICE],
      initContainers: [{ name: 'setup', image: IMAGE, capabilities: [Capability.NET_BIND_SERVICE] }],
      sidecars: [{ name: 'proxy', image: IMAGE }],
    });
    expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    expect(pod.initContainers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    expect(pod.containers[1].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(render().container.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('every workload takes it (StatefulApp, Worker, BatchJob)', () => {
    const c = chart();
    new StatefulApp(c, 'db', { image: IMAGE, port: 389, capabilities: [Capability.NET_BIND_SERVICE] });
    new Worker(c, 'w', { image: IMAGE, healthCheck: HealthCheck.exec(['true'], { livenessCommand: ['/bin/alive'] }), capabilities: [Capability.NET_BIND_SERVICE] });
    new BatchJob(c, 'j', { image: IMAGE, capabilities: [Capability.NET_BIND_SERVICE] });
    const m = synth(c);
    for (const kind of ['StatefulSet', 'Deployment', 'Job']) {
      expect(podSpec(one(m, kind)).containers[0].securityContext.capabilities.add).toEqual(['NET_BIND_SERVICE']);
    }
    expect(schemaErrors(m)).toEqual([]);
  });

  test('any other capability, a capability twice and a non-list are refused', () => {
    expectRefused(app({ capabilities: ['SYS_ADMIN' as any] }), 'capabilities[0]', '"SYS_ADMIN"', 'only NET_BIND_SERVICE', 'Capability.NET_BIND_SERVICE');
    expectRefused(app({ capabilities: ['NET_RAW' as any] }), 'capabilities[0]', '"NET_RAW"');
    expectRefused(app({ capabilities: [Capability.NET_BIND_SERVICE, Capability.NET_BIND_SERVICE] }), 'capabilities[1]', 'listed twice');
    expectRefused(app({ capabilities: 'NET_BIND_SERVICE' as any }), 'capabilities', 'an array');
    expectRefused(app({ sidecars: [{ name: 'proxy', image: IMAGE, capabilities: ['CHOWN' as any] }] }), 'sidecars[0].capabilities[0]', '"CHOWN"');
  });

  test('the gate warns about a port below 1024 without it (HARDENED-CTR-003), naming the prop; not with it', () => {
    const gate = (props: Partial<SecureAppProps>) => {
      const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop' });
      new SecureApp(c, 'web', { image: IMAGE, runAsUser: 10001, runAsGroup: 10001, ...props } as SecureAppProps);
      return c.policyReport().findings.filter((f: any) => f.ruleId === 'HARDENED-CTR-003');
    };
    const missing = gate({ port: 80 });
    expect(missing).toHaveLength(1);
    expect(missing[0].severity).toBe('warning');
    expect(missing[0].message).toContain('port 80');
    expect(missing[0].fix).toContain('capabilities: [Capability.NET_BIND_SERVICE]');
    expect(gate({ port: 80, capabilities: [Capability.NET_BIND_SERVICE] })).toEqual([]);
    expect(gate({ port: 8080 })).toEqual([]);
  });
});

describe('sidecar ports and probes', () => {
  const PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });
  const EXPORTER = 'ghcr.io/acme/exporter:0.29.0';

  test('a sidecar port: a containerPort on the sidecar, a Service port of the same name, its own ingress rule; probes on it', () => {
    const { container, pod, manifest } = render({
      ingressFrom: [NetworkPeer.namespace('web')],
      sidecars: [{ name: 'proxy', image: IMAGE, ports: [{ name: 'admin', port: 9901, ingressFrom: [NetworkPeer.namespace('ops')] }], healthCheck: HealthCheck.http('/ready', { liveness: HealthCheck.tcp() }) }],
    });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    const proxy = pod.containers[1];
    expect(proxy.ports).toEqual([{ name: 'admin', containerPort: 9901, protocol: 'TCP' }]);
    expect(proxy.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'admin', scheme: 'HTTP' });
    expect(proxy.livenessProbe.tcpSocket).toEqual({ port: 'admin' });
    expect(one(manifest, 'Service').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'admin', port: 9901, targetPort: 'admin', protocol: 'TCP' },
    ]);
    const ingress = one(manifest, 'NetworkPolicy').spec.ingress;
    const rule = ingress.find((r: any) => r.ports.some((p: any) => p.port === 9901));
    expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }]);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('a sidecar without ports may still probe a port it names (declared on the sidecar as health-<port>)', () => {
    const { pod, manifest } = render({ sidecars: [{ name: 'proxy', image: IMAGE, healthCheck: HealthCheck.tcp({ port: 15021 }) }] });
    expect(pod.containers[1].ports).toEqual([{ name: 'health-15021', containerPort: 15021, protocol: 'TCP' }]);
    expect(one(manifest, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http']);
  });

  test('metrics on a port a sidecar declares: that sidecar and its port name, ingress from the scraper only', () => {
    const { container, pod, manifest } = render({
      ports: [{ name: 'amqp', port: 5672 }],
      sidecars: [{ name: 'exporter', image: EXPORTER, ports: [{ name: 'exporter', port: 9090 }], healthCheck: HealthCheck.http('/', { liveness: HealthCheck.tcp() }) }],
      metrics: { port: 9090, scraper: PROMETHEUS },
    });
    expect(container.ports).toEqual([{ name: 'amqp', containerPort: 5672, protocol: 'TCP' }]);
    expect(pod.containers[1].ports).toEqual([{ name: 'exporter', containerPort: 9090, protocol: 'TCP' }]);
    expect(one(manifest, 'Service').spec.ports.map((p: any) => [p.name, p.port])).toEqual([['amqp', 5672], ['exporter', 9090]]);
    expect(one(manifest, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'exporter', path: '/metrics', scheme: 'http' }]);
    const rules = one(manifest, 'NetworkPolicy').spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === 9090));
    expect(rules).toHaveLength(1);
    expect(rules[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
    // Without a sidecar declaring it, the main container serves metrics, as before.
    const plain = render({ sidecars: [{ name: 'exporter', image: EXPORTER }], metrics: { port: 9090, scraper: PROMETHEUS } });
    expect(plain.container.ports.map((p: any) => p.name)).toEqual(['http', 'metrics']);
    expect(one(plain.manifest, 'ServiceMonitor').spec.endpoints[0].port).toBe('metrics');
  });

  test('connections.allowTo(app, { port }) reaches a sidecar\'s port: the model resolves it on the destination', () => {
    const c = chart();
    const db = new SecureApp(c, 'db', { name: 'db', image: IMAGE, ingressFrom: [], sidecars: [{ name: 'proxy', image: IMAGE, ports: [{ name: 'admin', port: 9901 }] }] });
    const web = new SecureApp(c, 'web', { name: 'web', image: IMAGE, ingressFrom: [] });
    web.connections.allowTo(db, { port: 9901 });
    const m = NetworkModel.fromObjects(synth(c));
    const calls = m.allowedMatrix().map((x) => `${x.from.replace(/.*\//, '')} -> ${x.to.replace(/.*\//, '')} ${x.port}`);
    expect(calls).toEqual(['web -> db 9901']);
  });

  test('a StatefulApp\'s sidecar port is on its headless Service', () => {
    const c = chart();
    new StatefulApp(c, 'db', { image: IMAGE, sidecars: [{ name: 'exporter', image: EXPORTER, ports: [{ name: 'exporter', port: 9187 }] }] });
    const m = synth(c);
    expect(one(m, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http', 'exporter']);
    expect(podSpec(one(m, 'StatefulSet')).containers[1].ports[0].containerPort).toBe(9187);
  });

  test('a port or name another container uses, ports on an init container or a Worker, a port check without a port are refused', () => {
    const proxy = (extra: any) => ({ sidecars: [{ name: 'proxy', image: IMAGE, ...extra }] });
    expectRefused(app(proxy({ ports: [{ name: 'admin', port: 8080 }] })), 'sidecars[0].ports[0]', 'container port 8080/TCP is used by the main container');
    expectRefused(app(proxy({ ports: [{ name: 'http', port: 9901 }] })), 'sidecars[0].ports[0]', 'the name "http"');
    expectRefused(app({ sidecars: [{ name: 'a', image: IMAGE, ports: [{ name: 'a', port: 9901 }] }, { name: 'b', image: IMAGE, ports: [{ name: 'b', port: 9901 }] }] }), 'sidecars[1].ports[0]', 'sidecars[0].ports[0]');
    expectRefused(app(proxy({ ports: [{ name: 'Admin', port: 9901 }] })), 'sidecars[0].ports[0].name', 'IANA service name');
    expectRefused(app(proxy({ ports: [{ name: 'admin', port: 70000 }] })), 'sidecars[0].ports[0].port');
    expectRefused(app(proxy({ healthCheck: HealthCheck.http('/ready') })), 'sidecars[0].healthCheck', 'declares no port', 'ports: [{ name');
    expectRefused(app({ healthCheck: HealthCheck.tcp({ port: 9901 }), ...proxy({ ports: [{ name: 'admin', port: 9901 }] }) }), 'healthCheck.port', 'sidecars[0]', 'its healthCheck');
    expectRefused(app({ initContainers: [{ name: 'setup', image: IMAGE, ports: [{ name: 'x', port: 9901 }] }] }), 'initContainers[0].ports', 'serves no port');
    expectRefused(() => new Worker(chart(), 'w', { image: IMAGE, healthCheck: HealthCheck.exec(['/r']), sidecars: [{ name: 'p', image: IMAGE, ports: [{ name: 'x', port: 9901 }] }] }), 'sidecars[0].ports', 'no Service');
    expectRefused(app({ sidecars: [{ name: 'exporter', image: EXPORTER, ports: [{ name: 'metrics', port: 9091 }] }], metrics: { port: 9090, scraper: PROMETHEUS } }), 'metrics', 'already named "metrics"');
  });
});

test('red team (issue 16): a sidecar\'s liveness port check without a port is refused naming the liveness check and a fix of its kind', () => {
  const message = errorOf(app({ sidecars: [{ name: 'proxy', image: IMAGE, healthCheck: HealthCheck.exec(['/bin/ready'], { liveness: HealthCheck.tcp() }) }] }));
  expect(message).toContain('invalid sidecars[0].healthCheck.liveness "tcp"');
  expect(message).toContain('HealthCheck.tcp({ port: 9090 })');
  expect(message).not.toContain('HealthCheck.exec({');
});

describe('red team (issue 16): shared volumes and read-only mounts', () => {
  test('a writable path inside a read-only config mount of the same container is refused, in either order and on sidecars', () => {
    const cm = (c: Chart) => new kplus.ConfigMap(c, 'settings', { data: { 'app.yaml': 'a: 1' } });
    expectRefused(app({ writablePaths: ['/etc/app/cache'] }, c => ({ config: [ConfigAttachment.files(cm(c), { mountPath: '/etc/app' })] })),
      '/etc/app/cache (writablePaths[0]) is inside the read-only mount /etc/app', 'fail to start', 'beside, not inside');
    expectRefused(() => {
      const c = chart();
      new SecureApp(c, 'web', { image: IMAGE, writablePaths: ['/data'], sidecars: [{ name: 'proxy', image: IMAGE, config: [ConfigAttachment.files(cm(c), { mountPath: '/etc/app' })], writableVolumes: [{ path: '/etc/app/plugins', sharedWith: '/data' }] }] });
    }, 'sidecars[0].writableVolumes[0]', 'inside the read-only mount /etc/app');
    expectRefused(app({ sidecars: [{ name: 'proxy', image: IMAGE, mountApiToken: true, writablePaths: ['/var/run/secrets/kubernetes.io/serviceaccount/cache'] }] }),
      'inside the read-only mount /var/run/secrets/kubernetes.io/serviceaccount');
    // Beside it, or a config mount inside a writable directory (the emptyDir is writable): fine.
    expect(errorOf(app({ writablePaths: ['/etc/app-cache', '/var/lib/app'] }, c => ({ config: [ConfigAttachment.files(cm(c), { mountPath: '/etc/app' }), ConfigAttachment.files(new kplus.ConfigMap(c, 'extra', { data: { x: 'y' } }), { mountPath: '/var/lib/app/conf' })] })))).toBe('');
  });

  test('an init container reaches only what the main container lists as writable (sharedWith), never a config, token or other container\'s path', () => {
    const init = (sharedWith: string) => app({ writablePaths: ['/data'], sidecars: [{ name: 'cache', image: IMAGE, writablePaths: ['/cache'] }], initContainers: [{ name: 'setup', image: IMAGE, writableVolumes: [{ path: '/seed', sharedWith }] }] });
    expectRefused(init('/cache'), 'initContainers[0].writableVolumes[0].sharedWith "/cache"', 'not a writable path of the main container', '/data');
    expectRefused(init('/var/run/secrets/kubernetes.io/serviceaccount'), 'sharedWith "/var/run/secrets/kubernetes.io/serviceaccount"');
    expectRefused(app({ writablePaths: ['/data'], initContainers: [{ name: 'setup', image: IMAGE, writableVolumes: [{ path: '/etc/app', sharedWith: '/data' }] }] },
      c => ({ config: [ConfigAttachment.files(new kplus.ConfigMap(c, 'settings', { data: { a: 'b' } }), { mountPath: '/etc/app' })] })), 'initContainers[0].writableVolumes[0] "/etc/app"', 'mounts another volume');
  });
});

describe('red team (issue 16): a wrong-typed value never reveals a secret in the error', () => {
  const S = 'hunter2-not-for-logs';
  const leaks: Array<[string, Partial<SecureAppProps>, string]> = [
    ['EncryptedConfig props passed as config', { config: [{ values: { DB_PASSWORD: S } } as any] }, 'config[0] <redacted>'],
    ['EncryptedConfig props passed as sidecar config', { sidecars: [{ name: 'proxy', image: IMAGE, config: [{ values: { DB_PASSWORD: S } } as any] }] }, 'sidecars[0].config[0] <redacted>'],
    ['a values map passed as sidecar config', { sidecars: [{ name: 'proxy', image: IMAGE, config: { DB_PASSWORD: S } as any }] }, 'sidecars[0].config <redacted>'],
    ['an array under a secret-like env name', { sidecars: [{ name: 'proxy', image: IMAGE, env: { DB_PASSWORD: [S] as any } }] }, 'sidecars[0].env.DB_PASSWORD <redacted>'],
    ['an object under a secret-like env name', { env: { DB_PASSWORD: { value: S } as any } }, 'env.DB_PASSWORD <redacted>'],
    ['a number under a secret-like env name', { env: { PIN_SECRET: 482913 as any } }, 'env.PIN_SECRET <redacted>'],
    ['a plain string for an EnvValue under a secret-like name', { sidecars: [{ name: 'proxy', image: IMAGE, envVariables: { API_TOKEN: S as any } }] }, 'envVariables.API_TOKEN <redacted>'],
    ['a capability entry holding a secret', { capabilities: [{ DB_PASSWORD: S } as any] }, 'capabilities[0] <redacted>'],
    ['a liveness check that is not a HealthCheck', { healthCheck: HealthCheck.http('/ready', { liveness: { password: S } as any }) }, 'healthCheck.liveness <redacted>'],
    ['a command line as one string with a password option', { command: `server --db-password ${S}` as any }, 'command <redacted>'],
  ];
  test.each(leaks)('%s', (_what, props, fragment) => {
    const message = errorOf(app(props));
    expect(message).toContain(fragment);
    expect(message).toContain('Fix:');
    expect(message).not.toContain(S);
  });

  test('a whole construct tree passed by mistake is not walked without end, and is refused with the library error', () => {
    const started = Date.now();
    const message = errorOf(() => {
      const c = chart();
      secrets(c, 'db', { DB_PASSWORD: SEALED });
      new SecureApp(c, 'web', { image: IMAGE, healthCheck: HealthCheck.http('/ready', { liveness: c as any }) });
    });
    expect(message).toContain('shop/web: invalid healthCheck.liveness');
    expect(message).toContain('Fix:');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('values that reveal nothing are still shown', () => {
    expectRefused(app({ capabilities: ['net_bind_service' as any] }), 'capabilities[0] "net_bind_service"');
    expectRefused(app({ sidecars: [{ name: 'proxy', image: IMAGE, ports: [{ name: 'admin', port: '9901' as any }] }] }), 'sidecars[0].ports[0].port "9901"', 'not a number');
    expectRefused(app({ env: { LOG_LEVEL: 5 as any } }), 'env.LOG_LEVEL 5', 'not a string');
  });
});
