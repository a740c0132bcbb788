import * as crypto from 'node:crypto';
import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import {
  ConfigObjectKind,
  EncryptedConfig,
  EncryptedConfigProps,
  SealingCertificate,
  SealingScope,
  SecretType,
  maskSealedSecret,
  sealedSecretSerializer,
} from '../src';
import { controllerCertificate, ecCertificate, expiredCertificate } from './helpers/keys';
import { sealedSecretSchemaErrors } from './helpers/sealed-secret-schema';
import { leakForms, unseal, unsealLabel } from './helpers/unseal';

expect.addSnapshotSerializer(sealedSecretSerializer);

const PASSWORD = 'S3cr3t-p@ssw0rd-4f1c';
const USER = 'shop-app-user';
const TOKEN = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 10, 13]);

const cert = () => controllerCertificate();
const certificate = () => SealingCertificate.fromPem(cert().pem);

/** A chart in namespace `shop`; `null` for a chart without a namespace. */
function chart(namespace: string | null = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace: namespace ?? undefined });
}

function sealedSecret(c: Chart): any {
  const docs = Testing.synth(c).filter(d => d.kind === 'SealedSecret');
  expect(docs).toHaveLength(1);
  return docs[0];
}

/** Pre-sealed as `cdk8s-hardened seal` would, for a given target. */
function preSeal(value: string, namespace = 'shop', name = 'db-credentials', scope = SealingScope.STRICT): string {
  return certificate().seal(value, { namespace, name, scope });
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('EncryptedConfig output', () => {
  test('strict scope (default): a SealedSecret named after the construct id, in the chart\'s namespace', () => {
    const c = chart();
    const config = new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD, DB_USER: USER } });
    const doc = sealedSecret(c);

    expect(doc.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(doc.metadata.name).toBe('db-credentials');
    expect(doc.metadata.namespace).toBe('shop');
    expect(doc.metadata.annotations).toBeUndefined(); // strict scope has no scope annotation
    expect(doc.spec.template.metadata).toEqual({ name: 'db-credentials', namespace: 'shop', labels: doc.metadata.labels });
    expect(doc.spec.template.type).toBe('Opaque');
    expect(doc.spec.template.immutable).toBeUndefined();
    expect(doc.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'db-credentials',
      'app.kubernetes.io/instance': 'db-credentials',
      'app.kubernetes.io/component': 'config',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/managed-by': 'cdk8s-hardened',
    });
    expect(Object.keys(doc.spec.encryptedData)).toEqual(['DB_PASSWORD', 'DB_USER']);
    const label = unsealLabel('strict', 'shop', 'db-credentials');
    expect(unseal(cert().privateKey, doc.spec.encryptedData.DB_PASSWORD, label).toString()).toBe(PASSWORD);
    expect(unseal(cert().privateKey, doc.spec.encryptedData.DB_USER, label).toString()).toBe(USER);
    expect(config.name).toBe('db-credentials');
    expect(config.namespace).toBe('shop');
    expect(config.keys).toEqual(['DB_PASSWORD', 'DB_USER']);
  });

  test.each([
    [SealingScope.NAMESPACE_WIDE, 'sealedsecrets.bitnami.com/namespace-wide', unsealLabel('namespace-wide', 'shop')],
    [SealingScope.CLUSTER_WIDE, 'sealedsecrets.bitnami.com/cluster-wide', unsealLabel('cluster-wide')],
  ])('%s scope: annotated on the SealedSecret (and its template, as kubeseal does) and sealed with its label', (scope, annotation, label) => {
    const c = chart();
    new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), scope, values: { DB_PASSWORD: PASSWORD } });
    const doc = sealedSecret(c);
    expect(doc.metadata.annotations).toEqual({ [annotation]: 'true' });
    expect(doc.spec.template.metadata.annotations).toEqual({ [annotation]: 'true' });
    expect(unseal(cert().privateKey, doc.spec.encryptedData.DB_PASSWORD, label).toString()).toBe(PASSWORD);
    expect(() => unseal(cert().privateKey, doc.spec.encryptedData.DB_PASSWORD, unsealLabel('strict', 'shop', 'db-credentials'))).toThrow();
  });

  test('cluster-wide scope works without a namespace', () => {
    const c = chart(null);
    new EncryptedConfig(c, 'registry', { certificate: certificate(), scope: SealingScope.CLUSTER_WIDE, values: { token: PASSWORD } });
    const doc = sealedSecret(c);
    expect(doc.metadata.namespace).toBeUndefined();
    expect(unseal(cert().privateKey, doc.spec.encryptedData.token, unsealLabel('cluster-wide')).toString()).toBe(PASSWORD);
  });

  test('name and namespace props pin metadata and the ciphertext label', () => {
    const c = chart();
    new EncryptedConfig(c, 'Db', { name: 'db-creds', namespace: 'payments', certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
    const doc = sealedSecret(c);
    expect(doc.metadata).toMatchObject({ name: 'db-creds', namespace: 'payments' });
    expect(doc.spec.template.metadata).toMatchObject({ name: 'db-creds', namespace: 'payments' });
    expect(unseal(cert().privateKey, doc.spec.encryptedData.DB_PASSWORD, unsealLabel('strict', 'payments', 'db-creds')).toString()).toBe(PASSWORD);
    expect(() => unseal(cert().privateKey, doc.spec.encryptedData.DB_PASSWORD, unsealLabel('strict', 'shop', 'db-creds'))).toThrow();
  });

  test('binary values are sealed byte for byte', () => {
    const c = chart();
    new EncryptedConfig(c, 'keystore', { certificate: certificate(), binaryValues: { 'token.bin': TOKEN.toString('base64') } });
    const doc = sealedSecret(c);
    expect(unseal(cert().privateKey, doc.spec.encryptedData['token.bin'], unsealLabel('strict', 'shop', 'keystore')).equals(TOKEN)).toBe(true);
  });

  test('a Buffer in binaryValues (the former type) is still sealed byte for byte', () => {
    const c = chart();
    new EncryptedConfig(c, 'keystore', { certificate: certificate(), binaryValues: { 'token.bin': TOKEN as unknown as string } });
    const doc = sealedSecret(c);
    expect(unseal(cert().privateKey, doc.spec.encryptedData['token.bin'], unsealLabel('strict', 'shop', 'keystore')).equals(TOKEN)).toBe(true);
  });

  test('sealedValues pass through unchanged and mix with values and binaryValues; no certificate needed for sealedValues only', () => {
    const sealed = preSeal(USER);
    const c = chart();
    new EncryptedConfig(c, 'db-credentials', { sealedValues: { DB_USER: sealed } });
    expect(sealedSecret(c).spec.encryptedData).toEqual({ DB_USER: sealed });

    const mixed = chart();
    new EncryptedConfig(mixed, 'db-credentials', {
      certificate: certificate(),
      sealedValues: { DB_USER: sealed },
      values: { DB_PASSWORD: PASSWORD },
      binaryValues: { 'token.bin': TOKEN.toString('base64') },
    });
    const doc = sealedSecret(mixed);
    expect(Object.keys(doc.spec.encryptedData)).toEqual(['DB_PASSWORD', 'DB_USER', 'token.bin']);
    const label = unsealLabel('strict', 'shop', 'db-credentials');
    for (const [key, value] of [['DB_PASSWORD', PASSWORD], ['DB_USER', USER], ['token.bin', TOKEN]] as const) {
      expect(unseal(cert().privateKey, doc.spec.encryptedData[key], label).equals(Buffer.from(value))).toBe(true);
    }
  });

  test('type, immutable, labels and annotations reach the Secret template', () => {
    const c = chart();
    new EncryptedConfig(c, 'tls', {
      certificate: certificate(),
      type: SecretType.TLS,
      values: { 'tls.crt': 'cert', 'tls.key': 'key' },
      immutable: true,
      labels: { 'team': 'payments', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'example.com/owner': 'payments team', 'sealedsecrets.bitnami.com/managed': 'true' },
    });
    const doc = sealedSecret(c);
    expect(doc.spec.template.type).toBe('kubernetes.io/tls');
    expect(doc.spec.template.immutable).toBe(true);
    expect(doc.metadata.labels).toMatchObject({ 'team': 'payments', 'app.kubernetes.io/part-of': 'shop' });
    expect(doc.spec.template.metadata.labels).toEqual(doc.metadata.labels);
    expect(doc.spec.template.metadata.annotations).toEqual({ 'example.com/owner': 'payments team', 'sealedsecrets.bitnami.com/managed': 'true' });
    expect(doc.metadata.annotations).toBeUndefined();
  });

  test('SecretType.of maps known types and accepts custom ones', () => {
    expect(SecretType.of('kubernetes.io/tls')).toBe(SecretType.TLS);
    expect(SecretType.of('example.com/custom').value).toBe('example.com/custom');
  });

  test('configBinding: a Secret with its keys; the fingerprint follows the ciphertext, never the plaintext', () => {
    const sealedA = preSeal(PASSWORD);
    const make = (sealed: string) => {
      const c = chart();
      return new EncryptedConfig(c, 'db-credentials', { sealedValues: { DB_PASSWORD: sealed, DB_USER: preSealedUser } });
    };
    const preSealedUser = preSeal(USER);
    const a = make(sealedA).configBinding();
    expect(a).toMatchObject({ kind: ConfigObjectKind.SECRET, name: 'db-credentials', keys: ['DB_PASSWORD', 'DB_USER'] });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(make(sealedA).configBinding().fingerprint).toBe(a.fingerprint); // same data, same fingerprint
    expect(make(preSeal(PASSWORD)).configBinding().fingerprint).not.toBe(a.fingerprint); // re-sealed: new ciphertext
    for (const form of [...leakForms(PASSWORD), ...leakForms(USER)]) expect(JSON.stringify(a)).not.toContain(form);
  });

  test('the output validates against the SealedSecret CRD structure', () => {
    const c = chart();
    new EncryptedConfig(c, 'db-credentials', {
      certificate: certificate(),
      values: { DB_PASSWORD: PASSWORD },
      immutable: true,
      scope: SealingScope.NAMESPACE_WIDE,
      annotations: { 'example.com/owner': 'payments' },
    });
    const doc = sealedSecret(c);
    expect(sealedSecretSchemaErrors(doc)).toEqual([]);
    // kubernetes-models is ESM-only and cannot be loaded by this CommonJS jest setup; the
    // independent checker (/work/shared/checks) validates with it and @kubernetes-models/sealed-secrets.
    expect(doc.spec.template.immutable).toBe(true);
  });

  test('never emits a plain Secret', () => {
    const c = chart();
    new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
    expect(Testing.synth(c).map(d => d.kind)).toEqual(['SealedSecret']);
  });

  test('snapshot (ciphertext masked by sealedSecretSerializer, key names kept)', () => {
    const c = chart();
    new EncryptedConfig(c, 'db-credentials', {
      certificate: certificate(),
      values: { DB_PASSWORD: PASSWORD },
      sealedValues: { DB_USER: preSeal(USER) },
      labels: { team: 'payments' },
    });
    const manifest = Testing.synth(c);
    expect(manifest).toMatchSnapshot();
  });
});

describe('synth-time checks (after escape hatches)', () => {
  test('a patched name or namespace, which the values were not sealed for, fails the synth', () => {
    const app = Testing.app();
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const config = new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
    ApiObject.of(config.apiObject).addJsonPatch(JsonPatch.replace('/metadata/name', 'renamed'));
    ApiObject.of(config.apiObject).addJsonPatch(JsonPatch.replace('/metadata/namespace', 'other'));
    expect(() => app.synthYaml()).toThrow(/shop\/db-credentials: the SealedSecret is emitted as "renamed", but its values were sealed for the name "db-credentials"/);
    expect(() => app.synthYaml()).toThrow(/emitted in namespace "other", but its values were sealed for "shop"/);
  });

  test('patched scope annotations fail the synth', () => {
    const app = Testing.app();
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const config = new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
    ApiObject.of(config.apiObject).metadata.addAnnotation('sealedsecrets.bitnami.com/cluster-wide', 'true');
    expect(() => app.synthYaml()).toThrow(/emitted with cluster-wide scope annotations, but its values were sealed for strict scope/);
  });

  test('other patches survive', () => {
    const app = Testing.app();
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const config = new EncryptedConfig(c, 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
    ApiObject.of(config.apiObject).addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { 'example.com/x': 'y' }));
    expect(() => app.synthYaml()).not.toThrow();
    expect(sealedSecret(c).spec.template.metadata.annotations).toEqual({ 'example.com/x': 'y' });
  });

  test('two configs with the same name in the same namespace fail the synth', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'shop' });
    const b = new Chart(app, 'b', { namespace: 'shop' });
    new EncryptedConfig(a, 'db-credentials', { certificate: certificate(), values: { X: 'x' } });
    new EncryptedConfig(b, 'db-credentials', { certificate: certificate(), values: { Y: 'y' } });
    expect(() => app.synthYaml()).toThrow(/"db-credentials" in namespace "shop" is also defined by b\/db-credentials/);
    const app2 = Testing.app();
    new EncryptedConfig(new Chart(app2, 'a', { namespace: 'shop' }), 'db-credentials', { certificate: certificate(), values: { X: 'x' } });
    new EncryptedConfig(new Chart(app2, 'b', { namespace: 'payments' }), 'db-credentials', { certificate: certificate(), values: { X: 'x' } });
    expect(() => app2.synthYaml()).not.toThrow();
  });
});

describe('bad input is refused with path, prop, value and fix', () => {
  const good = (): EncryptedConfigProps => ({ certificate: certificate(), values: { DB_PASSWORD: PASSWORD } });
  const cases: Array<[string, string, () => EncryptedConfigProps, RegExp, string?, string?]> = [
    ['invalid name', 'db-credentials', () => ({ ...good(), name: 'DB_Credentials' }), /invalid name "DB_Credentials": is not a DNS-1123 subdomain.*Fix: /],
    ['id that is no valid default name', 'DbCredentials', () => good(), /invalid name "DbCredentials": defaults to the construct id, which is not a DNS-1123 subdomain.*Fix: set name/],
    ['too long name', 'x', () => ({ ...good(), name: 'a'.repeat(254) }), /invalid name "a+": is 254 characters long/],
    ['invalid namespace', 'db', () => ({ ...good(), namespace: 'Shop' }), /invalid namespace "Shop": is not a DNS-1123 label.*Fix: /],
    ['invalid chart namespace', 'db', () => good(), /invalid namespace "shop_1": is not a DNS-1123 label.* \(taken from the chart\)/, 'shop_1'],
    ['strict without namespace', 'db', () => good(), /invalid namespace undefined: strict scope binds the ciphertext to a namespace.*Fix: set namespace/, 'none'],
    ['namespace-wide without namespace', 'db', () => ({ ...good(), scope: SealingScope.NAMESPACE_WIDE }), /invalid namespace undefined: namespace-wide scope binds/, 'none'],
    ['unknown scope', 'db', () => ({ ...good(), scope: 'global' as SealingScope }), /invalid scope "global": is not a sealing scope.*Fix: use SealingScope.STRICT/],
    ['bad key', 'db', () => ({ ...good(), values: { 'DB PASSWORD': PASSWORD } }), /invalid values key "DB PASSWORD": may contain only letters.*Fix: rename/],
    ['dot-dot key', 'db', () => ({ ...good(), values: { '..data': PASSWORD } }), /invalid values key "..data": must not be/],
    ['duplicate key', 'db', () => ({ ...good(), sealedValues: { DB_PASSWORD: preSeal(PASSWORD, 'shop', 'db') } }), /invalid sealedValues key "DB_PASSWORD": the key is also given in values.*Fix: give each key once/],
    ['empty config', 'db', () => ({ certificate: certificate() }), /invalid values \{\}: the config is empty.*Fix: give at least one value/],
    ['empty maps', 'db', () => ({ values: {}, sealedValues: {} }), /the config is empty/],
    ['plaintext in sealedValues', 'db', () => ({ sealedValues: { DB_PASSWORD: PASSWORD } }), /invalid sealedValues.DB_PASSWORD <redacted>: is not standard base64.*Fix: give the base64 output of `cdk8s-hardened seal`/],
    ['base64 plaintext in sealedValues', 'db', () => ({ sealedValues: { DB_PASSWORD: Buffer.from(PASSWORD).toString('base64') } }), /invalid sealedValues.DB_PASSWORD <redacted>: (does not start with the length of an RSA block|is too short)/],
    ['sealed value in values', 'db', () => ({ ...good(), values: { DB_PASSWORD: preSeal(PASSWORD, 'shop', 'db') } }), /invalid values.DB_PASSWORD <redacted>: looks like a sealed value.*Fix: move it to sealedValues/],
    ['values without certificate', 'db', () => ({ values: { DB_PASSWORD: PASSWORD } }), /invalid certificate undefined: values DB_PASSWORD are sealed at synth.*Fix: set certificate/],
    ['expired certificate', 'db', () => ({ ...good(), certificate: SealingCertificate.fromPem(expiredCertificate().pem) }), /invalid certificate "<PEM text>": the certificate expired on .*Fix: fetch the current certificate/],
    ['expired certificate with sealedValues only', 'db', () => ({ certificate: SealingCertificate.fromPem(expiredCertificate().pem), sealedValues: { X: preSeal('x', 'shop', 'db') } }), /the certificate expired on/],
    ['non-RSA certificate', 'db', () => ({ ...good(), certificate: SealingCertificate.fromPem(ecCertificate().pem) }), /invalid certificate "<PEM text>": the certificate holds an ec key.*Fix: /],
    ['missing certificate file', 'db', () => ({ ...good(), certificate: SealingCertificate.fromFile('certs/nope.pem') }), /invalid certificate "certs\/nope.pem": cannot read the certificate file "certs\/nope.pem" \(ENOENT\).*Fix: fetch/],
    ['number in values', 'db', () => ({ ...good(), values: { PORT: 5432 as unknown as string } }), /invalid values.PORT <redacted>: is a number, not a string/],
    ['Buffer in values', 'db', () => ({ ...good(), values: { KEY: Buffer.from(PASSWORD) as unknown as string } }), /invalid values.KEY <redacted>: is a Buffer, not a string.*Fix: give a string, or binary data as base64 in binaryValues/],
    ['object in sealedValues', 'db', () => ({ sealedValues: { KEY: {} as unknown as string } }), /invalid sealedValues.KEY <redacted>: is an object, not a string/],
    ['text (not base64) in binaryValues', 'db', () => ({ ...good(), binaryValues: { 'k.bin': 'not base64!' } }), /invalid binaryValues.k.bin <redacted>: is not base64, not base64 bytes.*Fix: give the bytes as base64/],
    ['number in binaryValues', 'db', () => ({ ...good(), binaryValues: { 'k.bin': 42 as unknown as string } }), /invalid binaryValues.k.bin <redacted>: is a number, not base64 bytes/],
    ['TLS without tls.key', 'db', () => ({ ...good(), type: SecretType.TLS, values: { 'tls.crt': 'c' } }), /invalid type "kubernetes.io\/tls": a kubernetes.io\/tls Secret needs the key\(s\) "tls.key".*Fix: add the key/],
    ['basic-auth without username or password', 'db', () => ({ ...good(), type: SecretType.BASIC_AUTH }), /needs at least one of the keys "username", "password"/],
    ['bad label key', 'db', () => ({ ...good(), labels: { 'team name': 'x' } }), /invalid labels key "team name"/],
    ['bad label value', 'db', () => ({ ...good(), labels: { team: 'payments team' } }), /invalid labels.team "payments team": is not a label value/],
    ['scope annotation in annotations', 'db', () => ({ ...good(), annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } }), /invalid annotations key "sealedsecrets.bitnami.com\/cluster-wide": the scope annotations are set from the scope prop.*Fix: remove it and set scope/],
  ];

  // (A rest parameter: jest would take a fifth named parameter for a `done` callback.)
  test.each(cases)('%s', (...testCase) => {
    const [, id, props, message, chartNamespace] = testCase;
    const c = chart(chartNamespace === 'none' ? null : chartNamespace ?? 'shop');
    const error = thrown(() => new EncryptedConfig(c, id, props()));
    expect(error).toMatch(message);
    expect(error.startsWith(`shop/${id}: invalid `)).toBe(true);
    expect(error).toMatch(/\. Fix: .+\.$/);
  });

  test('no error message, synthesized output or binding contains a value, its base64 or its sha256', () => {
    const texts: string[] = [];
    for (const [, id, props, , chartNamespace] of cases) {
      try {
        new EncryptedConfig(chart(chartNamespace === 'none' ? null : chartNamespace ?? 'shop'), id, props());
      } catch (e) {
        texts.push((e as Error).message, (e as Error).stack ?? '');
      }
    }
    const app = Testing.app();
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    const config = new EncryptedConfig(c, 'db-credentials', {
      certificate: certificate(),
      values: { DB_PASSWORD: PASSWORD, DB_USER: USER },
      binaryValues: { 'token.bin': TOKEN.toString('base64') },
    });
    texts.push(app.synthYaml(), JSON.stringify(Testing.synth(c)), JSON.stringify(config.configBinding()));
    expect(texts.length).toBeGreaterThan(cases.length);
    const all = texts.join('\n');
    for (const secret of [PASSWORD, USER, TOKEN]) {
      for (const form of leakForms(secret)) expect(all).not.toContain(form);
    }
    // Hashes of the plaintext in other common forms.
    expect(all).not.toContain(crypto.createHash('sha1').update(PASSWORD).digest('hex'));
  });
});

test('construct without a chart namespace uses the namespace prop', () => {
  const c = new Chart(new App(), 'x');
  const config = new EncryptedConfig(c, 'db', { namespace: 'shop', sealedValues: { A: preSeal('a', 'shop', 'db') } });
  expect(config.namespace).toBe('shop');
});

describe('sealedSecretSerializer', () => {
  test('masks only SealedSecret encryptedData values and leaves everything else alone', () => {
    const doc = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'x' }, spec: { encryptedData: { A: 'AgB...', B: 'AgC...' }, template: { type: 'Opaque' } } };
    const masked = maskSealedSecret(doc);
    expect(masked.spec).toEqual({ encryptedData: { A: '<sealed>', B: '<sealed>' }, template: { type: 'Opaque' } });
    expect(doc.spec.encryptedData.A).toBe('AgB...'); // the input is not modified
    expect(sealedSecretSerializer.test(doc)).toBe(true);
    expect(sealedSecretSerializer.test(masked)).toBe(false);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', data: { encryptedData: 'x' } };
    expect(sealedSecretSerializer.test(configMap)).toBe(false);
    expect(maskSealedSecret(configMap)).toBe(configMap);
  });
});

test('a long name (a DNS subdomain beyond 63 characters) is accepted; the name labels are left out', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Chart: C, Testing: T } = require('cdk8s');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EncryptedConfig: E, SealingCertificate: S } = require('../src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { controllerCertificate: cert } = require('./helpers/keys');
  const c = new C(T.app(), 'c', { namespace: 'shop' });
  const name = `${'a'.repeat(60)}.credentials`;
  new E(c, 'db', { name, certificate: S.fromPem(cert().pem), values: { A: 'x' } });
  const sealed = T.synth(c)[0];
  expect(sealed.metadata.name).toBe(name);
  expect(sealed.metadata.labels['app.kubernetes.io/name']).toBeUndefined();
  expect(sealed.metadata.labels['app.kubernetes.io/component']).toBe('config');
});

describe('envValue: a key as a cdk8s-plus EnvValue', () => {
  test('renders a secretKeyRef to the Secret the SealedSecret becomes, optional when asked', () => {
    const config = new EncryptedConfig(chart(), 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD, DB_USER: USER } });
    expect(config.envValue('DB_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'db-credentials', key: 'DB_PASSWORD' } });
    expect(config.envValue('DB_USER', { optional: true }).valueFrom).toEqual({ secretKeyRef: { name: 'db-credentials', key: 'DB_USER', optional: true } });
  });

  test('a key the config lacks is refused, naming its keys and never a value', () => {
    const config = new EncryptedConfig(chart(), 'db-credentials', { certificate: certificate(), values: { DB_PASSWORD: PASSWORD, DB_USER: USER } });
    let message = '';
    try {
      config.envValue('DB_PASSWRD');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('shop/db-credentials: invalid envValue key "DB_PASSWRD"');
    expect(message).toContain('it has "DB_PASSWORD", "DB_USER"');
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain(USER);
  });
});

describe('snapshots of an app that seals values at synth', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { format } = require('pretty-format');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecureApp, HardenedTesting, CONFIG_CHECKSUM_ANNOTATION, SEALED_CHECKSUM_PLACEHOLDER } = require('../src');
  const demo = () => SealingCertificate.fromFile(`${__dirname}/../certs/sealed-secrets-demo.pem`);
  // Pre-sealed against the demo certificate for shop/db-credentials (examples/sealed-values.md).
  const DEMO_DB_USER = /`DB_USER` \| `([^`]+)`/.exec(require('fs').readFileSync(`${__dirname}/../examples/sealed-values.md`, 'utf8'))![1];

  /** A chart with one app using config sealed at synth and one using pre-sealed config. */
  function synthShop(): any[] {
    const c = chart();
    const fresh = new EncryptedConfig(c, 'api-token', { certificate: demo(), values: { TOKEN: PASSWORD } });
    const preSealed = new EncryptedConfig(c, 'db', { name: 'db-credentials', certificate: demo(), sealedValues: { DB_USER: DEMO_DB_USER } });
    new SecureApp(c, 'web', { image: 'ghcr.io/acme/web:1.4.2', config: [fresh] });
    new SecureApp(c, 'api', { image: 'ghcr.io/acme/api:3.2.1', config: [preSealed] });
    return Testing.synth(c);
  }
  const checksumOf = (manifest: any[], name: string) =>
    manifest.find(d => d.kind === 'Deployment' && d.metadata.name.startsWith(name)).spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];

  test('the checksum of values sealed at synth changes on every synth, and the serializer masks it', () => {
    const [a, b] = [synthShop(), synthShop()];
    expect(checksumOf(a, 'shop-web')).not.toBe(checksumOf(b, 'shop-web')); // random ciphertext
    const print = (m: any[]) => format(m, { plugins: [sealedSecretSerializer] });
    expect(print(a)).toBe(print(b));
    expect(print(a)).toContain(`"${CONFIG_CHECKSUM_ANNOTATION}": "${SEALED_CHECKSUM_PLACEHOLDER}"`);
  });

  test('a checksum of pre-sealed values is stable and stays in the snapshot', () => {
    const manifest = synthShop();
    const checksum = checksumOf(manifest, 'shop-api');
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(format(manifest, { plugins: [sealedSecretSerializer] })).toContain(checksum);
    const template = manifest.find(d => d.kind === 'Deployment' && d.metadata.name.startsWith('shop-api')).spec.template.metadata;
    expect(HardenedTesting.maskSealedChecksum(template)).toBe(template);
  });

  test('snapshot (stable across runs: sealed at synth with the demo certificate)', () => {
    expect(synthShop()).toMatchSnapshot();
  });
});
