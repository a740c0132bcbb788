import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { checkNamespaceName, checkObjectName, isBase64 } from './names';
import { encryptionLabel, SealingError, SealingScope, sealToBase64 } from './seal';

/** The smallest RSA key accepted: 2048 bits (the controller generates 4096-bit keys). */
const MIN_MODULUS_BITS = 2048;

/**
 * Refuses an RSA public key that does not encrypt: a public exponent below 3 or even (with
 * exponent 1 the "ciphertext" is the plaintext, and anyone can unseal it), or an even modulus
 * (not a product of two odd primes; OpenSSL fails on it). Never prints a key value.
 */
function checkRsaKey(publicKey: crypto.KeyObject): void {
  let exponent: bigint | undefined;
  let modulus: Buffer | undefined;
  try {
    exponent = publicKey.asymmetricKeyDetails?.publicExponent;
    const n = publicKey.export({ format: 'jwk' }).n;
    modulus = n ? Buffer.from(n, 'base64url') : undefined;
  } catch {
    exponent = undefined;
  }
  if (exponent === undefined || modulus === undefined || modulus.length === 0) {
    throw new SealingError('the certificate\'s RSA public key cannot be read', 'give the sealed-secrets controller certificate that `kubeseal --fetch-cert` prints');
  }
  if (exponent < BigInt(3) || exponent % BigInt(2) === BigInt(0)) {
    throw new SealingError(
      'the certificate\'s RSA public exponent is not an odd number of at least 3, so sealing with it would not encrypt (with exponent 1 the sealed value is the plaintext)',
      'give the sealed-secrets controller certificate (its exponent is 65537); this one is broken or forged',
    );
  }
  if ((modulus[modulus.length - 1] & 1) === 0) {
    throw new SealingError(
      'the certificate\'s RSA modulus is even, so it is not an RSA key anyone can decrypt for',
      'give the sealed-secrets controller certificate that `kubeseal --fetch-cert` prints; this one is broken or forged',
    );
  }
}

/** Where and how to seal one value with `SealingCertificate.seal()`. */
export interface SealOptions {
  /**
   * Where the value may be unsealed.
   * @default SealingScope.STRICT
   */
  readonly scope?: SealingScope;
  /**
   * Namespace of the Secret. Required for strict and namespace-wide scope.
   * @default - none (only valid for cluster-wide scope)
   */
  readonly namespace?: string;
  /**
   * `metadata.name` of the SealedSecret and of the Secret it becomes. Required for strict scope.
   * @default - none (only valid for namespace-wide and cluster-wide scope)
   */
  readonly name?: string;
}

interface Loaded {
  readonly certificate: crypto.X509Certificate;
  readonly publicKey: crypto.KeyObject;
}

/**
 * The sealed-secrets controller's public certificate: the PEM that
 * `kubeseal --fetch-cert` prints. Safe to commit; it holds only the public key.
 *
 * Like kubeseal, it refuses a certificate that is expired (or not yet valid) and a key that
 * is not RSA. It deliberately does not check the subject, the issuer, KeyUsage or the CA flag:
 * the controller's self-signed certificate has an empty subject and a KeyUsage that strict
 * TLS parsers reject, and it is used here only as a container for the public key.
 */
export class SealingCertificate {
  /**
   * Reads the certificate from a PEM (or DER) file, relative to the working directory.
   * The file is read when the certificate is first used.
   */
  public static fromFile(path: string): SealingCertificate {
    return new SealingCertificate(path, () => {
      try {
        return fs.readFileSync(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'read error';
        throw new SealingError(
          `cannot read the certificate file ${JSON.stringify(path)} (${code})`,
          'fetch the controller certificate with `kubeseal --fetch-cert > ' + path + '` and check the path (relative paths are resolved from the working directory)',
        );
      }
    });
  }

  /** Takes the certificate as PEM text, e.g. the output of `kubeseal --fetch-cert`. */
  public static fromPem(pem: string): SealingCertificate {
    return new SealingCertificate('<PEM text>', () => Buffer.from(pem, 'utf8'));
  }

  /** Where the certificate comes from, for messages: the file path, or `<PEM text>`. Never key material. */
  public readonly source: string;

  private loaded?: Loaded;

  private constructor(source: string, private readonly read: () => Buffer) {
    this.source = source;
  }

  /** End of the validity period. Throws when the certificate cannot be read. */
  public get notAfter(): Date {
    return new Date(this.load().certificate.validTo);
  }

  /** SHA-256 fingerprint of the certificate (DER), as `openssl x509 -fingerprint -sha256` prints it. */
  public get fingerprint256(): string {
    return this.load().certificate.fingerprint256;
  }

  /**
   * Checks that the certificate can seal at time `at`: readable, a sound RSA key (at least 2048
   * bits, an odd modulus, an odd public exponent of at least 3), and `at` within its validity
   * period. Throws a `SealingError` otherwise.
   */
  public validate(at: Date = new Date()): void {
    this.publicKeyAt(at);
  }

  /**
   * Seals one text value (its UTF-8 bytes), like `kubeseal --raw`: returns the base64
   * ciphertext for `encryptedData`. Each call uses a fresh random AES key, so the same value
   * seals differently every time. (A Buffer is still accepted at run time and sealed as it is;
   * binary data is best given to `sealBase64`.)
   */
  public seal(plaintext: string, options: SealOptions = {}): string {
    const bytes: unknown = plaintext;
    if (bytes instanceof Uint8Array) return this._sealBytes(Buffer.from(bytes), options);
    if (typeof plaintext !== 'string') throw new SealingError(`the value to seal is ${typeof plaintext}, not a string`, 'give a string, or binary data as base64 to sealBase64()');
    const buffer = Buffer.from(plaintext, 'utf8');
    try {
      return this._sealBytes(buffer, options);
    } finally {
      buffer.fill(0);
    }
  }

  /**
   * Seals binary data given as base64 (e.g. `buffer.toString('base64')`); the bytes, not the
   * base64 text, are sealed, as `kubeseal --raw --from-file` does.
   */
  public sealBase64(data: string, options: SealOptions = {}): string {
    if (typeof data !== 'string' || !isBase64(data)) throw new SealingError('the value to seal is not base64', 'give the bytes as base64, e.g. buffer.toString(\'base64\')');
    const buffer = Buffer.from(data, 'base64');
    try {
      return this._sealBytes(buffer, options);
    } finally {
      buffer.fill(0);
    }
  }

  /** @internal seals bytes; the caller owns (and zeroes) the buffer */
  public _sealBytes(plaintext: Buffer, options: SealOptions = {}): string {
    const scope = options.scope ?? SealingScope.STRICT;
    if (options.namespace !== undefined) {
      const problem = checkNamespaceName(options.namespace);
      if (problem) throw new SealingError(`namespace ${JSON.stringify(options.namespace)} ${problem}`, 'give a valid namespace name');
    }
    if (options.name !== undefined) {
      const problem = checkObjectName(options.name);
      if (problem) throw new SealingError(`name ${JSON.stringify(options.name)} ${problem}`, 'give a valid Secret name');
    }
    const label = encryptionLabel(scope, options.namespace, options.name);
    return sealToBase64(this.publicKeyAt(new Date()), plaintext, label);
  }

  /** The RSA public key, after checking the certificate is usable at `at`. */
  private publicKeyAt(at: Date): crypto.KeyObject {
    const { certificate, publicKey } = this.load();
    const notBefore = new Date(certificate.validFrom);
    const notAfter = new Date(certificate.validTo);
    if (at.getTime() > notAfter.getTime()) {
      throw new SealingError(
        `the certificate expired on ${notAfter.toISOString()}`,
        'fetch the current certificate with `kubeseal --fetch-cert` (the controller renews its key; sealing with an expired certificate is refused, as kubeseal does)',
      );
    }
    if (at.getTime() < notBefore.getTime()) {
      throw new SealingError(
        `the certificate is not valid before ${notBefore.toISOString()}`,
        'check the clock, or fetch the current certificate with `kubeseal --fetch-cert`',
      );
    }
    return publicKey;
  }

  private load(): Loaded {
    if (this.loaded) return this.loaded;
    const bytes = this.read();
    const text = bytes.toString('latin1');
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw new SealingError(
        `the certificate contains a private key`,
        'give only the public certificate that `kubeseal --fetch-cert` prints; a private key must never be committed or passed to the build',
      );
    }
    let input: Buffer | string = bytes;
    if (text.includes('-----BEGIN')) {
      // kubeseal uses the first certificate of a PEM bundle.
      const match = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text);
      if (!match) {
        throw new SealingError(
          `the certificate holds no PEM block "BEGIN CERTIFICATE"`,
          'give the PEM certificate that `kubeseal --fetch-cert` prints (a bare public key is not enough)',
        );
      }
      input = match[0];
    }
    let certificate: crypto.X509Certificate;
    try {
      certificate = new crypto.X509Certificate(input);
    } catch {
      throw new SealingError(
        `the certificate is not a readable X.509 certificate`,
        'give the PEM certificate that `kubeseal --fetch-cert` prints',
      );
    }
    let publicKey: crypto.KeyObject;
    try {
      publicKey = certificate.publicKey;
    } catch {
      throw new SealingError(
        'the certificate\'s public key cannot be read',
        'give the PEM certificate that `kubeseal --fetch-cert` prints',
      );
    }
    if (publicKey.asymmetricKeyType !== 'rsa') {
      throw new SealingError(
        `the certificate holds a${publicKey.asymmetricKeyType === 'ec' || publicKey.asymmetricKeyType === 'ed25519' ? 'n' : ''} ${publicKey.asymmetricKeyType} key, and sealed-secrets encrypts with RSA-OAEP`,
        'give the sealed-secrets controller certificate, which holds an RSA key',
      );
    }
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_MODULUS_BITS) {
      throw new SealingError(
        `the certificate holds a ${bits}-bit RSA key; at least ${MIN_MODULUS_BITS} bits are required`,
        'give the sealed-secrets controller certificate (the controller generates 4096-bit keys)',
      );
    }
    checkRsaKey(publicKey);
    this.loaded = { certificate, publicKey };
    return this.loaded;
  }
}
