/*
 * Test-only X.509 builder: node:crypto can sign but cannot build certificates, so this encodes
 * a minimal v3 certificate in DER by hand (RFC 5280 §4.1). The key pairs are generated at test
 * time and never written to disk.
 */
import * as crypto from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const nullValue = () => Buffer.from([0x05, 0x00]);
const explicit = (n: number, ...items: Buffer[]) => tlv(0xa0 + n, ...items);
const octetString = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), b);
const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const boolean = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0x00]));

function integer(n: Buffer): Buffer {
  let b = n;
  while (b.length > 1 && b[0] === 0 && (b[1] & 0x80) === 0) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0] * 40 + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    let v = part >> 7;
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')); // UTCTime
  return tlv(0x18, Buffer.from(`${iso}Z`, 'ascii')); // GeneralizedTime
}

function name(commonName?: string): Buffer {
  if (commonName === undefined) return sequence(); // empty, like the sealed-secrets controller's certificate
  return sequence(set(sequence(oid('2.5.4.3'), utf8String(commonName))));
}

export interface TestCertificateOptions {
  /** Key whose public half goes into the certificate. Default: a fresh RSA-2048 key. */
  readonly keyPair?: crypto.KeyPairKeyObjectResult;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Subject and issuer common name; undefined = empty subject, like the controller's. */
  readonly commonName?: string;
  /** Add KeyUsage (keyEncipherment + certSign, critical) and BasicConstraints CA:true, like the controller's certificate. */
  readonly controllerExtensions?: boolean;
  /** The SubjectPublicKeyInfo (DER) to put into the certificate instead of the key pair's (a forged or broken key). */
  readonly spki?: Buffer;
}

/** An RSA SubjectPublicKeyInfo (DER) with any modulus and exponent, sound or not. */
export function rsaSpki(modulus: Buffer, exponent: Buffer): Buffer {
  return sequence(sequence(oid('1.2.840.113549.1.1.1'), nullValue()), bitString(sequence(integer(modulus), integer(exponent))));
}

/** The modulus and exponent of an RSA public key. */
export function rsaParts(key: crypto.KeyObject): { n: Buffer; e: Buffer } {
  const jwk = key.export({ format: 'jwk' });
  return { n: Buffer.from(jwk.n!, 'base64url'), e: Buffer.from(jwk.e!, 'base64url') };
}

export interface TestCertificate {
  readonly pem: string;
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
}

const DAY = 24 * 3600 * 1000;

/** A self-signed (for non-RSA keys: RSA-signed) v3 certificate for the test key. */
export function makeCertificate(options: TestCertificateOptions = {}): TestCertificate {
  const keyPair = options.keyPair ?? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer = keyPair.privateKey.asymmetricKeyType === 'rsa'
    ? keyPair.privateKey
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - DAY);
  const notAfter = options.notAfter ?? new Date(now + 365 * DAY);
  const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), nullValue());
  const extensions = options.controllerExtensions
    ? [explicit(3, sequence(
      // KeyUsage: keyEncipherment (bit 2) + keyCertSign (bit 5) = 0b00100100, 2 unused bits.
      sequence(oid('2.5.29.15'), boolean(true), octetString(bitString(Buffer.from([0x24]), 2))),
      // BasicConstraints: CA:true.
      sequence(oid('2.5.29.19'), boolean(true), octetString(sequence(boolean(true)))),
    ))]
    : [];
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(crypto.randomBytes(16)),
    sha256WithRsa,
    name(options.commonName),
    sequence(time(notBefore), time(notAfter)),
    name(options.commonName),
    options.spki ?? keyPair.publicKey.export({ type: 'spki', format: 'der' }),
    ...extensions,
  );
  const signature = crypto.sign('sha256', tbs, signer);
  const der = sequence(tbs, sha256WithRsa, bitString(signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
  };
}
