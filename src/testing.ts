/*
 * Test support for users of this library. No jest import: the serializer follows the
 * pretty-format plugin interface structurally, so it costs nothing at run time.
 */

/** What `encryptedData` values are replaced with in snapshots. */
export const SEALED_VALUE_PLACEHOLDER = '<sealed>';

/*
 * The pretty-format plugin interface (`expect.addSnapshotSerializer`, jest `snapshotSerializers`),
 * declared structurally; pretty-format's Config and Refs pass through untouched, hence `any`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
/** The printer pretty-format passes to a plugin. */
export type SnapshotPrinter = (value: unknown, config: any, indentation: string, depth: number, refs: any) => string;

/** A pretty-format (jest snapshot) plugin. */
export interface SnapshotSerializer {
  test(value: unknown): boolean;
  serialize(value: unknown, config: any, indentation: string, depth: number, refs: any, printer: SnapshotPrinter): string;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function isUnmaskedSealedSecret(value: unknown): value is { spec: { encryptedData: Record<string, unknown> } } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { apiVersion?: unknown; kind?: unknown; spec?: { encryptedData?: unknown } };
  if (v.kind !== 'SealedSecret' || typeof v.apiVersion !== 'string' || !v.apiVersion.startsWith('bitnami.com/')) return false;
  const data = v.spec?.encryptedData;
  if (typeof data !== 'object' || data === null) return false;
  return Object.values(data).some(x => x !== SEALED_VALUE_PLACEHOLDER);
}

/**
 * Returns a copy of a synthesized SealedSecret (a plain object, e.g. from `Testing.synth`)
 * with every `spec.encryptedData` value replaced by `<sealed>`; the key names stay. Any other
 * value is returned as it is.
 */
export function maskSealedSecret(value: any): any {
  if (!isUnmaskedSealedSecret(value)) return value;
  const masked = Object.fromEntries(Object.keys(value.spec.encryptedData).map(k => [k, SEALED_VALUE_PLACEHOLDER]));
  return { ...value, spec: { ...value.spec, encryptedData: masked } };
}

/**
 * A jest snapshot serializer that masks the ciphertext of SealedSecrets, which is random by
 * design, so that manifests holding them can be snapshot-tested. Key names are kept.
 *
 * @example
 * import { sealedSecretSerializer } from 'cdk8s-hardened';
 * expect.addSnapshotSerializer(sealedSecretSerializer);
 * expect(Testing.synth(chart)).toMatchSnapshot();
 */
export const sealedSecretSerializer: SnapshotSerializer = {
  test: isUnmaskedSealedSecret,
  serialize: (value, config, indentation, depth, refs, printer) =>
    printer(maskSealedSecret(value), config, indentation, depth, refs),
};
