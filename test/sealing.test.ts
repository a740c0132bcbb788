import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SealingCertificate } from '../src/sealing/certificate';
import { checkSealedValue, encryptionLabel, SealingError, SealingScope } from '../src/sealing/seal';
import { makeCertificate, rsaParts, rsaSpki } from './helpers/certificates';
import { controllerCertificate, ecCertificate, expiredCertificate, futureCertificate, otherCertificate } from './helpers/keys';
import { unseal, unsealLabel } from './helpers/unseal';

const PLAINTEXT = 'correct horse battery staple';

function sealingError(fn: () => unknown): SealingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SealingError) return e;
    throw e;
  }
  throw new Error('expected a SealingError');
}

describe('hybrid encryption (sealed-secrets layout)', () => {
  const cert = controllerCertificate();
  const sealing = SealingCertificate.fromPem(cert.pem);

  test.each([
    ['strict', SealingScope.STRICT, unsealLabel('strict', 'shop', 'db-credentials')],
    ['namespace-wide', SealingScope.NAMESPACE_WIDE, unsealLabel('namespace-wide', 'shop')],
    ['cluster-wide', SealingScope.CLUSTER_WIDE, unsealLabel('cluster-wide')],
  ])('round trip with %s scope', (_, scope, label) => {
    const sealed = sealing.seal(PLAINTEXT, {
      scope,
      namespace: scope === SealingScope.CLUSTER_WIDE ? undefined : 'shop',
      name: scope === SealingScope.STRICT ? 'db-credentials' : undefined,
    });
    expect(unseal(cert.privateKey, sealed, label).toString()).toBe(PLAINTEXT);
  });

  test('layout: uint16 RSA length, RSA block, AES-GCM body, 16-byte tag; padded base64', () => {
    const sealed = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(sealed.length % 4).toBe(0);
    const bytes = Buffer.from(sealed, 'base64');
    expect(bytes.readUInt16BE(0)).toBe(256); // 2048-bit key
    expect(bytes.length).toBe(2 + 256 + Buffer.byteLength(PLAINTEXT) + 16);
    expect(checkSealedValue(sealed)).toBeUndefined();
  });

  test('labels are exactly those of EncryptionLabel', () => {
    expect(encryptionLabel(SealingScope.STRICT, 'shop', 'db').toString()).toBe('shop/db');
    expect(encryptionLabel(SealingScope.NAMESPACE_WIDE, 'shop', 'db').toString()).toBe('shop');
    expect(encryptionLabel(SealingScope.CLUSTER_WIDE, 'shop', 'db').length).toBe(0);
  });

  test('a value sealed for one name/namespace does not unseal under another (the label binds it)', () => {
    const strict = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    expect(() => unseal(cert.privateKey, strict, unsealLabel('strict', 'shop', 'other'))).toThrow();
    expect(() => unseal(cert.privateKey, strict, unsealLabel('strict', 'other', 'db'))).toThrow();
    expect(() => unseal(cert.privateKey, strict, unsealLabel('namespace-wide', 'shop'))).toThrow();
    expect(() => unseal(cert.privateKey, strict, unsealLabel('cluster-wide'))).toThrow();

    const nsWide = sealing.seal(PLAINTEXT, { scope: SealingScope.NAMESPACE_WIDE, namespace: 'shop' });
    expect(() => unseal(cert.privateKey, nsWide, unsealLabel('namespace-wide', 'other'))).toThrow();
    expect(() => unseal(cert.privateKey, nsWide, unsealLabel('strict', 'shop', 'db'))).toThrow();

    const clusterWide = sealing.seal(PLAINTEXT, { scope: SealingScope.CLUSTER_WIDE });
    expect(() => unseal(cert.privateKey, clusterWide, unsealLabel('namespace-wide', 'shop'))).toThrow();
  });

  test('a value sealed for one controller does not unseal with another key', () => {
    const sealed = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    expect(() => unseal(otherCertificate().privateKey, sealed, unsealLabel('strict', 'shop', 'db'))).toThrow();
  });

  test('every seal uses a fresh AES key: the same value never seals the same twice', () => {
    const a = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    const b = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    expect(a).not.toBe(b);
  });

  test('binary values, empty values and large values round-trip', () => {
    const label = unsealLabel('strict', 'shop', 'db');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const large = crypto.randomBytes(100_000);
    for (const value of [all, Buffer.alloc(0), large]) {
      const sealed = sealing.sealBase64(value.toString('base64'), { namespace: 'shop', name: 'db' });
      expect(unseal(cert.privateKey, sealed, label).equals(value)).toBe(true);
    }
  });

  test('a 4096-bit controller key gives a 512-byte RSA block', () => {
    const big = makeCertificate({ keyPair: crypto.generateKeyPairSync('rsa', { modulusLength: 4096 }) });
    const sealed = SealingCertificate.fromPem(big.pem).seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    expect(Buffer.from(sealed, 'base64').readUInt16BE(0)).toBe(512);
    expect(unseal(big.privateKey, sealed, unsealLabel('strict', 'shop', 'db')).toString()).toBe(PLAINTEXT);
  });

  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (python ? test : test.skip)('an independent implementation of the controller\'s HybridDecrypt (Python cryptography) decrypts every scope, and only under the sealed-for label', () => {
    const values = [Buffer.from(PLAINTEXT), Buffer.from([0, 1, 2, 255, 254]), Buffer.alloc(0)];
    const cases: { label: string; value: string; plaintext?: Buffer }[] = [];
    for (const v of values) {
      cases.push({ label: 'shop/db', value: sealing.sealBase64(v.toString('base64'), { namespace: 'shop', name: 'db' }), plaintext: v });
      cases.push({ label: 'shop', value: sealing.sealBase64(v.toString('base64'), { scope: SealingScope.NAMESPACE_WIDE, namespace: 'shop' }), plaintext: v });
      cases.push({ label: '', value: sealing.sealBase64(v.toString('base64'), { scope: SealingScope.CLUSTER_WIDE }), plaintext: v });
    }
    // The wrong name, the wrong namespace, and a strict value read as cluster-wide must fail.
    const strict = sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
    cases.push({ label: 'shop/other', value: strict }, { label: 'other/db', value: strict }, { label: '', value: strict });
    const out = JSON.parse(execFileSync('python3', [path.join(__dirname, 'helpers', 'unseal.py')], {
      input: JSON.stringify({ key: cert.privateKey.export({ type: 'pkcs8', format: 'pem' }), items: cases.map(c => ({ label: c.label, value: c.value })) }),
      encoding: 'utf8',
    }));
    cases.forEach((c, i) => {
      if (c.plaintext) expect({ i, ...out[i] }).toEqual({ i, ok: true, plaintext: c.plaintext.toString('base64') });
      else expect({ i, ok: out[i].ok }).toEqual({ i, ok: false });
    });
  });

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (openssl ? test : test.skip)('an independent implementation (openssl pkeyutl) recovers the AES key with OAEP SHA-256/MGF1-SHA-256 and the label', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-openssl-'));
    try {
      const keyFile = path.join(dir, 'key.pem');
      fs.writeFileSync(keyFile, cert.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const sealed = Buffer.from(sealing.seal(PLAINTEXT, { namespace: 'shop', name: 'db' }), 'base64');
      const rsaLength = sealed.readUInt16BE(0);
      const rsaFile = path.join(dir, 'rsa.bin');
      fs.writeFileSync(rsaFile, sealed.subarray(2, 2 + rsaLength));
      const sessionKey = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', rsaFile,
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256',
        '-pkeyopt', `rsa_oaep_label:${Buffer.from('shop/db').toString('hex')}`]);
      expect(sessionKey.length).toBe(32);
      const body = sealed.subarray(2 + rsaLength);
      const decipher = crypto.createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
      decipher.setAuthTag(body.subarray(body.length - 16));
      const plaintext = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
      expect(plaintext.toString()).toBe(PLAINTEXT);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('strict and namespace-wide scope refuse a missing namespace or name', () => {
    expect(sealingError(() => sealing.seal('x', { namespace: 'shop' })).problem).toMatch(/strict scope .* no name was given/);
    expect(sealingError(() => sealing.seal('x', { name: 'db' })).problem).toMatch(/no namespace was given/);
    expect(sealingError(() => sealing.seal('x', {})).problem).toMatch(/neither was given/);
    expect(sealingError(() => sealing.seal('x', { scope: SealingScope.NAMESPACE_WIDE })).problem).toMatch(/namespace-wide/);
    expect(sealingError(() => sealing.seal('x', { namespace: 'Shop', name: 'db' })).problem).toMatch(/DNS-1123 label/);
    expect(sealingError(() => sealing.seal('x', { namespace: 'shop', name: 'DB_' })).problem).toMatch(/DNS-1123 subdomain/);
  });
});

describe('SealingCertificate', () => {
  test('accepts the controller\'s kind of certificate: empty subject, KeyUsage some parsers reject, CA flag', () => {
    const cert = SealingCertificate.fromPem(controllerCertificate().pem);
    expect(() => cert.validate()).not.toThrow();
    expect(cert.notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(cert.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('accepts validity dates after 2049 (GeneralizedTime)', () => {
    const cert = makeCertificate({ notAfter: new Date('2060-01-01T00:00:00Z') });
    expect(SealingCertificate.fromPem(cert.pem).notAfter.toISOString()).toBe('2060-01-01T00:00:00.000Z');
  });

  test('refuses an expired certificate, like kubeseal', () => {
    const e = sealingError(() => SealingCertificate.fromPem(expiredCertificate().pem).validate());
    expect(e.problem).toMatch(/^the certificate expired on \d{4}-/);
    expect(e.fix).toMatch(/kubeseal --fetch-cert/);
  });

  test('refuses a certificate that is not valid yet', () => {
    expect(sealingError(() => SealingCertificate.fromPem(futureCertificate().pem).validate()).problem).toMatch(/is not valid before/);
  });

  test('checks validity at sealing time, not only when loaded', () => {
    const cert = SealingCertificate.fromPem(controllerCertificate().pem);
    expect(() => cert.validate(new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000))).toThrow(/expired/);
  });

  test('refuses a non-RSA key', () => {
    const e = sealingError(() => SealingCertificate.fromPem(ecCertificate().pem).validate());
    expect(e.problem).toBe('the certificate holds an ec key, and sealed-secrets encrypts with RSA-OAEP');
    const ed = makeCertificate({ keyPair: crypto.generateKeyPairSync('ed25519') });
    expect(sealingError(() => SealingCertificate.fromPem(ed.pem).validate()).problem).toMatch(/ed25519 key/);
  });

  test('refuses an RSA key shorter than 2048 bits', () => {
    const small = makeCertificate({ keyPair: crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }) });
    expect(sealingError(() => SealingCertificate.fromPem(small.pem).validate()).problem).toMatch(/1024-bit RSA key/);
  });

  test('refuses PEM holding a private key, without echoing it', () => {
    const cert = controllerCertificate();
    const keyPem = cert.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const e = sealingError(() => SealingCertificate.fromPem(cert.pem + keyPem).validate());
    expect(e.problem).toBe('the certificate contains a private key');
    expect(e.message).not.toContain(keyPem.split('\n')[1]);
  });

  test('refuses a bare public key and garbage', () => {
    const spki = controllerCertificate().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(sealingError(() => SealingCertificate.fromPem(spki).validate()).problem).toMatch(/no PEM block "BEGIN CERTIFICATE"/);
    expect(sealingError(() => SealingCertificate.fromPem('hello').validate()).problem).toMatch(/not a readable X.509 certificate/);
  });

  test('fromFile reads PEM or DER lazily and reports a missing file with the path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-cert-'));
    try {
      const pemFile = path.join(dir, 'cert.pem');
      fs.writeFileSync(pemFile, `# fetched with kubeseal --fetch-cert\n${controllerCertificate().pem}${otherCertificate().pem}`);
      const derFile = path.join(dir, 'cert.der');
      fs.writeFileSync(derFile, new crypto.X509Certificate(controllerCertificate().pem).raw);
      const fromPem = SealingCertificate.fromFile(pemFile);
      expect(fromPem.source).toBe(pemFile);
      // The first certificate of a bundle is used, as kubeseal does.
      const sealed = fromPem.seal(PLAINTEXT, { namespace: 'shop', name: 'db' });
      expect(unseal(controllerCertificate().privateKey, sealed, unsealLabel('strict', 'shop', 'db')).toString()).toBe(PLAINTEXT);
      expect(() => SealingCertificate.fromFile(derFile).validate()).not.toThrow();

      const missing = SealingCertificate.fromFile(path.join(dir, 'missing.pem')); // no throw yet
      expect(sealingError(() => missing.validate()).problem).toMatch(/cannot read the certificate file ".*missing\.pem" \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkSealedValue', () => {
  const valid = SealingCertificate.fromPem(controllerCertificate().pem).seal('v', { namespace: 'shop', name: 'db' });

  test('accepts real ciphertext', () => {
    expect(checkSealedValue(valid)).toBeUndefined();
  });

  test.each([
    ['empty', '', /is empty/],
    ['plaintext', 'hunter2!', /not standard base64/],
    ['unpadded base64', Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(299, 7)]).toString('base64').replace(/=+$/, ''), /not standard base64/],
    ['base64url', Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(300, 0xfb)]).toString('base64url'), /not standard base64/],
    ['base64 of plaintext', Buffer.from('a password that is only base64').toString('base64'), /does not start with the length of an RSA block/],
    ['truncated', Buffer.from(valid, 'base64').subarray(0, 200).toString('base64'), /too short to hold/],
  ])('refuses %s', (_, value, problem) => {
    const result = checkSealedValue(value);
    expect(result).toMatch(problem);
    if (value.length > 0) expect(result).not.toContain(value);
  });
});

describe('SealingCertificate.seal and sealBase64 (jsii-compatible signatures)', () => {
  const sealing = () => SealingCertificate.fromPem(controllerCertificate().pem);
  const label = () => unsealLabel('strict', 'shop', 'db');

  test('seal() seals the UTF-8 bytes of a string', () => {
    const sealed = sealing().seal('grüße', { namespace: 'shop', name: 'db' });
    expect(unseal(controllerCertificate().privateKey, sealed, label()).toString('utf8')).toBe('grüße');
  });

  test('seal() still seals a Buffer (the former signature) as it is', () => {
    const bytes = Buffer.from([0, 255, 10]);
    const sealed = sealing().seal(bytes as unknown as string, { namespace: 'shop', name: 'db' });
    expect(unseal(controllerCertificate().privateKey, sealed, label()).equals(Buffer.from([0, 255, 10]))).toBe(true);
  });

  test('sealBase64() seals the decoded bytes, and refuses text that is not base64', () => {
    const bytes = Buffer.from([0, 1, 254, 255]);
    const sealed = sealing().sealBase64(bytes.toString('base64'), { namespace: 'shop', name: 'db' });
    expect(unseal(controllerCertificate().privateKey, sealed, label()).equals(bytes)).toBe(true);
    const error = (() => { try { sealing().sealBase64('not base64!', { namespace: 'shop', name: 'db' }); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(SealingError);
    expect((error as SealingError).problem).toMatch(/not base64/);
  });

  test('seal() of a number is a SealingError, not a TypeError', () => {
    expect(() => sealing().seal(42 as unknown as string, { namespace: 'shop', name: 'db' })).toThrow(/the value to seal is number, not a string/);
  });

  test('SealingError from the package entry is the class the library throws', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require('../src');
    expect(entry.SealingError).toBe(SealingError);
    expect(() => sealing().seal('x', { namespace: 'shop' })).toThrow(entry.SealingError);
  });
});

describe('unsound RSA keys are refused (issue #10)', () => {
  const { n, e } = rsaParts(controllerCertificate().publicKey);
  const forged = (modulus: Buffer, exponent: Buffer) => SealingCertificate.fromPem(makeCertificate({ spki: rsaSpki(modulus, exponent) }).pem);
  const even = Buffer.from(n);
  even[even.length - 1] &= 0xfe;
  test.each([
    ['exponent 1 (the "ciphertext" is the plaintext)', n, Buffer.from([1]), /public exponent is not an odd number of at least 3/],
    ['exponent 2', n, Buffer.from([2]), /public exponent is not an odd number of at least 3/],
    ['even exponent 65536', n, Buffer.from([1, 0, 0]), /public exponent is not an odd number of at least 3/],
    ['even modulus', even, e, /RSA modulus is even/],
    ['1024-bit modulus', n.subarray(0, 128), e, /1024-bit RSA key; at least 2048 bits are required/],
  ])('%s', (_what, modulus, exponent, message) => {
    const cert = forged(modulus as Buffer, exponent as Buffer);
    let error: unknown;
    try {
      cert.validate();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SealingError);
    const text = (error as Error).message;
    expect(text).toMatch(message as RegExp);
    // never a key value: no modulus bytes in any encoding
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(text).not.toContain((modulus as Buffer).subarray(8, 24).toString(enc));
    expect(() => cert.seal('hunter2', { namespace: 'shop', name: 'db' })).toThrow(SealingError);
  });
  test('exponent 3 and 65537 are sound', () => {
    const k3 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    expect(() => SealingCertificate.fromPem(makeCertificate({ keyPair: k3 }).pem).validate()).not.toThrow();
    expect(() => forged(n, e).validate()).not.toThrow();
  });
});
