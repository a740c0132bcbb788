/*
 * Test support for users of this library. No jest import: the serializer follows the
 * pretty-format plugin interface structurally, so it costs nothing at run time.
 */
import { CONFIG_CHECKSUM_ANNOTATION } from './hardening/pod';
import { isVolatileChecksum } from './sealing/volatile';

/** What `encryptedData` values are replaced with in snapshots. */
export const SEALED_VALUE_PLACEHOLDER = '<sealed>';

/** What a pod template's config checksum is replaced with when it covers values sealed at synth. */
export const SEALED_CHECKSUM_PLACEHOLDER = '<checksum of values sealed at synth>';

/*
 * The pretty-format plugin interface (`expect.addSnapshotSerializer`, jest `snapshotSerializers`),
 * declared structurally; pretty-format's Config and Refs pass through untouched, hence `any`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
/** The printer pretty-format passes to a plugin (TypeScript only). */
export type SnapshotPrinter = (value: unknown, config: any, indentation: string, depth: number, refs: any) => string;

/** A pretty-format (jest snapshot) plugin. */
export interface ISnapshotSerializer {
  /** Whether this plugin prints `value`. */
  test(value: any): boolean;
  /** Prints `value`; `printer` is pretty-format's printer (a function). */
  serialize(value: any, config: any, indentation: string, depth: number, refs: any, printer: any): string;
}

/** The former name of `ISnapshotSerializer` (TypeScript only). */
export type SnapshotSerializer = ISnapshotSerializer;

function isUnmaskedSealedSecret(value: unknown): value is { spec: { encryptedData: Record<string, unknown> } } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { apiVersion?: unknown; kind?: unknown; spec?: { encryptedData?: unknown } };
  if (v.kind !== 'SealedSecret' || typeof v.apiVersion !== 'string' || !v.apiVersion.startsWith('bitnami.com/')) return false;
  const data = v.spec?.encryptedData;
  if (typeof data !== 'object' || data === null) return false;
  return Object.values(data).some(x => x !== SEALED_VALUE_PLACEHOLDER);
}

/** Object metadata whose config checksum covers values sealed in this process (random per run). */
function hasVolatileChecksum(value: unknown): value is { annotations: Record<string, string> } {
  if (typeof value !== 'object' || value === null) return false;
  const annotations = (value as { annotations?: unknown }).annotations;
  if (typeof annotations !== 'object' || annotations === null) return false;
  const checksum = (annotations as Record<string, unknown>)[CONFIG_CHECKSUM_ANNOTATION];
  return typeof checksum === 'string' && isVolatileChecksum(checksum);
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
 * Returns a copy of object metadata (e.g. a pod template's `metadata`) whose config checksum
 * annotation covers values sealed at synth in this process, with that checksum replaced by
 * `SEALED_CHECKSUM_PLACEHOLDER`. A checksum of ConfigMaps and pre-sealed values is stable and
 * is kept. Any other value is returned as it is.
 */
export function maskSealedChecksum(value: any): any {
  if (!hasVolatileChecksum(value)) return value;
  return { ...value, annotations: { ...value.annotations, [CONFIG_CHECKSUM_ANNOTATION]: SEALED_CHECKSUM_PLACEHOLDER } };
}

/**
 * A jest snapshot serializer for manifests holding sealed values: masks the ciphertext of
 * SealedSecrets (random by design; key names are kept) and the config checksum of pod
 * templates that use values sealed at synth (it changes with the ciphertext), so the snapshot
 * is the same on every run. Pre-sealed values and ConfigMaps keep their checksum, so a config
 * change still shows in the snapshot.
 *
 * @example
 * import { sealedSecretSerializer } from 'cdk8s-hardened';
 * expect.addSnapshotSerializer(sealedSecretSerializer);
 * expect(Testing.synth(chart)).toMatchSnapshot();
 */
export class SealedValuesSerializer implements ISnapshotSerializer {
  public test(value: any): boolean {
    return isUnmaskedSealedSecret(value) || hasVolatileChecksum(value);
  }

  public serialize(value: any, config: any, indentation: string, depth: number, refs: any, printer: any): string {
    return (printer as SnapshotPrinter)(maskSealedChecksum(maskSealedSecret(value)), config, indentation, depth, refs);
  }
}

/** The serializer to give `expect.addSnapshotSerializer` (a `SealedValuesSerializer`). */
export const sealedSecretSerializer: ISnapshotSerializer = new SealedValuesSerializer();
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Test support in a form every jsii language can call (the same functions as above). */
export class HardenedTesting {
  /** What `encryptedData` values are replaced with in snapshots. */
  public static readonly SEALED_VALUE_PLACEHOLDER = SEALED_VALUE_PLACEHOLDER;
  /** What a config checksum covering values sealed at synth is replaced with in snapshots. */
  public static readonly SEALED_CHECKSUM_PLACEHOLDER = SEALED_CHECKSUM_PLACEHOLDER;

  /** The snapshot serializer that masks values sealed at synth (see `SealedValuesSerializer`). */
  public static snapshotSerializer(): ISnapshotSerializer {
    return sealedSecretSerializer;
  }

  /** See `maskSealedSecret`. */
  public static maskSealedSecret(value: any): any {
    return maskSealedSecret(value);
  }

  /** See `maskSealedChecksum`. */
  public static maskSealedChecksum(value: any): any {
    return maskSealedChecksum(value);
  }

  private constructor() {}
}
