/*
 * Test-only decryptor, written from the sealed-secrets format (not from src/): it is what the
 * controller does with a value, so a round trip through it proves the layout and the label.
 *
 *   uint16 BE rsaLen ‖ RSA-OAEP(SHA-256, MGF1-SHA-256, label)(AES key) ‖ AES-256-GCM(zero nonce) ‖ tag
 */
import * as crypto from 'node:crypto';

export function unsealLabel(scope: 'strict' | 'namespace-wide' | 'cluster-wide', namespace = '', name = ''): Buffer {
  if (scope === 'cluster-wide') return Buffer.alloc(0);
  if (scope === 'namespace-wide') return Buffer.from(namespace);
  return Buffer.from(`${namespace}/${name}`);
}

export function unseal(privateKey: crypto.KeyObject, base64: string, label: Buffer): Buffer {
  const data = Buffer.from(base64, 'base64');
  if (data.toString('base64') !== base64) throw new Error('not canonical padded base64');
  const rsaLen = data.readUInt16BE(0);
  const rsaPart = data.subarray(2, 2 + rsaLen);
  const aesPart = data.subarray(2 + rsaLen);
  const key = crypto.privateDecrypt({
    key: privateKey,
    padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: 'sha256',
    ...(label.length ? { oaepLabel: label } : {}),
  }, rsaPart);
  if (key.length !== 32) throw new Error(`session key is ${key.length} bytes`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.alloc(12));
  decipher.setAuthTag(aesPart.subarray(aesPart.length - 16));
  return Buffer.concat([decipher.update(aesPart.subarray(0, aesPart.length - 16)), decipher.final()]);
}

/** Every way a plaintext could leak into text: itself, its base64 (and base64url), its sha256 (hex and base64). */
export function leakForms(plaintext: string | Buffer): string[] {
  const b = Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext);
  const sha = crypto.createHash('sha256').update(b).digest();
  return [b.toString('utf8'), b.toString('base64'), b.toString('base64url'), sha.toString('hex'), sha.toString('base64')];
}
