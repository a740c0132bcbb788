/*
 * Values that change on every synth because they hold ciphertext sealed at synth time (a fresh
 * random key each run): the fingerprints of such EncryptedConfigs and the pod-template config
 * checksums derived from them. The snapshot serializer (src/testing.ts) masks exactly these,
 * so a snapshot stays stable while a checksum of pre-sealed or plain config is still compared.
 * Kept per process; holds hashes only, never plaintext or ciphertext.
 */
const volatileFingerprints = new Set<string>();
const volatileChecksums = new Set<string>();

/** Records the fingerprint of a config whose ciphertext was sealed in this synth. */
export function markVolatileFingerprint(fingerprint: string): void {
  volatileFingerprints.add(fingerprint);
}

/** Whether a config fingerprint holds ciphertext sealed at synth. */
export function isVolatileFingerprint(fingerprint: string): boolean {
  return volatileFingerprints.has(fingerprint);
}

/** Records a config checksum that covers ciphertext sealed at synth. */
export function markVolatileChecksum(checksum: string): void {
  volatileChecksums.add(checksum);
}

/** Whether a config checksum covers ciphertext sealed at synth. */
export function isVolatileChecksum(checksum: string): boolean {
  return volatileChecksums.has(checksum);
}
