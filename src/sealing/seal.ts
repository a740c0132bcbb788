import * as crypto from 'node:crypto';

/*
 * Hybrid encryption of the Bitnami sealed-secrets controller, written from its format
 * (bitnami-labs/sealed-secrets pkg/crypto/crypto.go, HybridEncrypt; the label from
 * pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go, EncryptionLabel):
 *
 *   uint16 big-endian length of the RSA ciphertext
 *   ‖ RSA-OAEP(SHA-256, MGF1-SHA-256, label)(random 32-byte AES-256 key)
 *   ‖ AES-256-GCM(that key, 12-byte zero nonce)(plaintext) ‖ 16-byte GCM tag
 *
 * The AES key is used for exactly one value, which is why the zero nonce is safe.
 */

/** Where a sealed value may be unsealed: what the RSA-OAEP label binds the ciphertext to. */
export enum SealingScope {
  /**
   * Only into a Secret of exactly this name in exactly this namespace
   * (label `namespace/name`). The controller's default and the safest choice.
   */
  STRICT = 'strict',
  /**
   * Into a Secret of any name in this namespace (label `namespace`). The SealedSecret carries
   * the annotation `sealedsecrets.bitnami.com/namespace-wide: "true"`.
   */
  NAMESPACE_WIDE = 'namespace-wide',
  /**
   * Into any Secret in any namespace (empty label). Anyone who can create a SealedSecret
   * anywhere in the cluster can have it unsealed into their namespace. The SealedSecret carries
   * the annotation `sealedsecrets.bitnami.com/cluster-wide: "true"`.
   */
  CLUSTER_WIDE = 'cluster-wide',
}

/** The SealedSecret annotation that selects namespace-wide scope. */
export const NAMESPACE_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/namespace-wide';
/** The SealedSecret annotation that selects cluster-wide scope. */
export const CLUSTER_WIDE_ANNOTATION = 'sealedsecrets.bitnami.com/cluster-wide';

/** Bytes of the random AES-256 session key. */
const SESSION_KEY_BYTES = 32;
/** Bytes of the AES-GCM nonce (all zero) and tag. */
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** RSA ciphertext lengths a real controller key produces: 2048 to 16384 bits. */
const MIN_RSA_BYTES = 256;
const MAX_RSA_BYTES = 2048;

/**
 * Bad input to the sealing functions. Carries the problem and the fix separately so that a
 * construct can rethrow it with its path and prop, and the CLI can print it on one line.
 * Never carries a secret value.
 */
export class SealingError extends Error {
  constructor(public readonly problem: string, public readonly fix: string) {
    super(`${problem}. Fix: ${fix}.`);
    this.name = 'SealingError';
  }
}

/**
 * The RSA-OAEP label for a scope. `namespace`/`name` must already be validated; a scope that
 * needs one and does not get it is refused.
 */
export function encryptionLabel(scope: SealingScope, namespace?: string, name?: string): Buffer {
  switch (scope) {
    case SealingScope.CLUSTER_WIDE:
      return Buffer.alloc(0);
    case SealingScope.NAMESPACE_WIDE:
      if (!namespace) {
        throw new SealingError('namespace-wide scope binds the value to a namespace, and none was given', 'give the namespace the Secret will live in');
      }
      return Buffer.from(namespace, 'utf8');
    case SealingScope.STRICT:
      if (!namespace || !name) {
        throw new SealingError(
          `strict scope binds the value to a namespace and a name, and ${!namespace && !name ? 'neither was' : !namespace ? 'no namespace was' : 'no name was'} given`,
          'give both the namespace and the name of the Secret, or choose a wider scope',
        );
      }
      return Buffer.from(`${namespace}/${name}`, 'utf8');
    default:
      throw new SealingError(`unknown sealing scope ${JSON.stringify(scope)}`, 'use strict, namespace-wide or cluster-wide');
  }
}

/** The scope annotations the SealedSecret's metadata needs for this scope (none for strict). */
export function scopeAnnotations(scope: SealingScope): Record<string, string> {
  switch (scope) {
    case SealingScope.NAMESPACE_WIDE:
      return { [NAMESPACE_WIDE_ANNOTATION]: 'true' };
    case SealingScope.CLUSTER_WIDE:
      return { [CLUSTER_WIDE_ANNOTATION]: 'true' };
    default:
      return {};
  }
}

/**
 * Encrypts one value for the controller holding the private half of `publicKey`.
 * Returns the raw bytes; `encryptedData` holds them base64-encoded (with padding).
 */
export function hybridEncrypt(publicKey: crypto.KeyObject, plaintext: Buffer, label: Buffer): Buffer {
  const sessionKey = crypto.randomBytes(SESSION_KEY_BYTES);
  try {
    const rsaCiphertext = crypto.publicEncrypt(
      {
        key: publicKey,
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        // OpenSSL uses the OAEP digest for MGF1 too, as Go's rsa.EncryptOAEP does.
        oaepHash: 'sha256',
        ...(label.length > 0 ? { oaepLabel: label } : {}),
      },
      sessionKey,
    );
    const length = Buffer.alloc(2);
    length.writeUInt16BE(rsaCiphertext.length, 0);

    const cipher = crypto.createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(GCM_NONCE_BYTES), {
      authTagLength: GCM_TAG_BYTES,
    });
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([length, rsaCiphertext, body, cipher.getAuthTag()]);
  } finally {
    sessionKey.fill(0);
  }
}

/** Like `hybridEncrypt`, base64-encoded with padding as `encryptedData` and `kubeseal --raw` have it. */
export function sealToBase64(publicKey: crypto.KeyObject, plaintext: Buffer, label: Buffer): string {
  return hybridEncrypt(publicKey, plaintext, label).toString('base64');
}

/**
 * Checks that a pre-sealed value has the layout above: base64 with padding, an RSA length
 * field of a real key size, the RSA block and at least a GCM tag. It cannot tell whether the
 * value was sealed for the right key, name or namespace (only the controller can).
 * Returns the problem, or `undefined` when the layout is plausible. Never echoes the value.
 */
export function checkSealedValue(value: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'is empty';
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    return 'is not standard base64 with padding, so it is not sealed-secrets ciphertext';
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 2) return 'is too short to be sealed-secrets ciphertext';
  const rsaLength = bytes.readUInt16BE(0);
  if (rsaLength < MIN_RSA_BYTES || rsaLength > MAX_RSA_BYTES) {
    return `does not start with the length of an RSA block of 2048 to 16384 bits (${bytes.length} bytes decoded), so it is not sealed-secrets ciphertext`;
  }
  if (bytes.length < 2 + rsaLength + GCM_TAG_BYTES) {
    return `is ${bytes.length} bytes decoded, too short to hold the 2-byte length, a ${rsaLength}-byte RSA block and a 16-byte AES-GCM tag`;
  }
  return undefined;
}
