import { IConstruct } from 'constructs';

/** The kind of Kubernetes object a config source becomes in the cluster. */
export enum ConfigObjectKind {
  /** A ConfigMap: mounted with a `configMap` volume, read with `configMapKeyRef`. */
  CONFIG_MAP = 'ConfigMap',
  /** A Secret (for example the one a SealedSecret turns into): `secret` volume, `secretKeyRef`. */
  SECRET = 'Secret',
}

/** What a workload needs to know about an attached config object. */
export interface ConfigBinding {
  /** Kind of object the pod refers to. */
  readonly kind: ConfigObjectKind;
  /** `metadata.name` of that object in the workload's namespace. */
  readonly name: string;
  /** The keys it holds (file names when mounted, variable names when exposed as env). */
  readonly keys: string[];
  /**
   * Non-secret material that changes exactly when the data changes (for a ConfigMap its data,
   * for a SealedSecret its ciphertext). Hashed into the pod template's checksum annotation.
   * Never plaintext secret data.
   */
  readonly fingerprint: string;
}

/**
 * Anything a workload's `config` can take besides a cdk8s-plus ConfigMap: implemented by
 * `EncryptedConfig`. `configBinding()` is called at synth time, after the whole app is built.
 */
export interface IConfigSource extends IConstruct {
  /** Describes the object this source becomes in the cluster. */
  configBinding(): ConfigBinding;
}
