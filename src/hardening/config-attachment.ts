import { createHash } from 'crypto';
import { IConstruct, IMixin, Node } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ConfigBinding, ConfigObjectKind } from './config';
import { configMapBinding, isConfigSource, missingKeyError, sortedJson } from './env';
import { propError } from './errors';
import { isImportedConfigMap } from './single-copy';
import { checkAbsolutePath, suggestDnsLabel } from './validation';
import { isVolatileFingerprint, markVolatileChecksum } from '../sealing/volatile';

/** Options of `ConfigAttachment.files`. */
export interface ConfigFilesOptions {
  /**
   * Directory the keys are mounted in, one read-only file per key.
   * @default - "/etc/config/<object name>" for a ConfigMap, "/etc/secrets/<object name>" for a secret
   */
  readonly mountPath?: string;
  /**
   * Mount only these keys, each at the file name given (relative to `mountPath`), e.g.
   * `{ 'tls.crt': 'server.crt' }`. A key the object lacks is refused when the app defines it.
   * @default - every key, each at a file of its own name
   */
  readonly items?: { [key: string]: string };
  /**
   * Start the pod even when the object (or a key in `items`) does not exist, e.g. a TLS Secret
   * that an operator creates later; the directory stays empty until it appears. Without it a
   * missing object keeps the pod in ContainerCreating.
   * @default false
   */
  readonly optional?: boolean;
}

/** Options of `ConfigAttachment.env`. */
export interface ConfigEnvOptions {
  /**
   * Keys to expose, each as a variable of the same name.
   * @default - every key of the object
   */
  readonly keys?: string[];
  /**
   * Keys to expose under another variable name: `{ VARIABLE: 'key' }`. With `keys`, both apply.
   * @default - none
   */
  readonly variables?: { [variable: string]: string };
  /**
   * Start the container even when the object or a key does not exist (the variable is then
   * unset). A key that a ConfigMap or EncryptedConfig of the app lacks is refused all the same.
   * @default false
   */
  readonly optional?: boolean;
}

/**
 * How a workload sees an attached ConfigMap or EncryptedConfig. Passing the object itself
 * to `config` means `ConfigAttachment.files(object)`.
 */
export class ConfigAttachment implements IConstruct {
  /** Mount every key as a read-only file (the default, and the right choice for secrets). */
  public static files(source: IConstruct, options: ConfigFilesOptions = {}): ConfigAttachment {
    return new ConfigAttachment(source, 'files', options.mountPath, undefined, undefined, options.optional, options.items);
  }

  /**
   * Expose keys as environment variables. For secrets, prefer files: environment variables
   * leak into crash dumps, `/proc/<pid>/environ` and child processes, and kube-linter warns
   * (`read-secret-from-env-var`).
   */
  public static env(source: IConstruct, options: ConfigEnvOptions = {}): ConfigAttachment {
    return new ConfigAttachment(source, 'env', undefined, options.keys, options.variables, options.optional, undefined);
  }

  private constructor(
    /** The ConfigMap or EncryptedConfig. */
    public readonly source: IConstruct,
    /** "files" or "env". */
    public readonly exposure: string,
    /** Mount path, for files. */
    public readonly mountPath: string | undefined,
    /** Selected keys, for env. */
    public readonly keys: string[] | undefined,
    /** Renamed keys (variable name to key), for env. */
    public readonly variables: { [variable: string]: string } | undefined,
    /** Whether the object and its keys may be missing. */
    public readonly optional: boolean | undefined,
    /** Selected keys and their file names, for files. */
    public readonly items: { [key: string]: string } | undefined,
  ) {}

  /** The environment variables an env attachment sets (undefined: every key, via envFrom). */
  public get variableNames(): string[] | undefined {
    if (this.keys === undefined && this.variables === undefined) return undefined;
    return [...(this.keys ?? []), ...Object.keys(this.variables ?? {})];
  }

  /** @internal variable name to key, for env */
  public _envPairs(): Array<[string, string]> {
    return [...(this.keys ?? []).map(k => [k, k] as [string, string]), ...Object.entries(this.variables ?? {})];
  }

  /** @internal the keys this attachment refers to by name */
  public _referencedKeys(): string[] {
    if (this.exposure === 'files') return Object.keys(this.items ?? {});
    return this._envPairs().map(([, key]) => key);
  }

  /** The construct node of the attached object. */
  public get node(): Node {
    return this.source.node;
  }

  /** Applies mixins to the attached object. */
  public with(...mixins: IMixin[]): IConstruct {
    return this.source.with(...mixins);
  }
}

/** An attached config object, resolved for the pod builder. */
export interface ResolvedConfig {
  readonly attachment: ConfigAttachment;
  /** Whether the app defines the object (so its keys are known), rather than the cluster. */
  readonly owned: boolean;
  readonly prop: string;
  /** Evaluated at synth time, after the whole app is built. */
  readonly binding: () => ConfigBinding;
  readonly volumeName?: string;
  readonly mountPath?: string;
  /** Whether the volume is another container's (the same object and keys), so it is not added again. */
  readonly shared?: boolean;
}

/** How the pod refers to an attached object, or an error naming what `config` accepts. */
function bindingOf(scope: IConstruct, index: number, source: IConstruct, propPrefix = ''): () => ConfigBinding {
  if (source instanceof kplus.ConfigMap) {
    return () => configMapBinding(source);
  }
  if (isConfigSource(source)) {
    return () => source.configBinding();
  }
  const imported = source as any;
  if (isImportedConfigMap(scope, `${propPrefix}config[${index}]`, source)) {
    // kplus.ConfigMap.fromConfigMapName(): an object the cluster provides; only its name is known.
    return () => ({ kind: ConfigObjectKind.CONFIG_MAP, name: imported.name, keys: [], fingerprint: `imported:${imported.name}` });
  }
  if (imported && imported.resourceType === 'secrets' && typeof imported.name === 'string' && !(source instanceof kplus.Secret)) {
    // kplus.Secret.fromSecretName(): a Secret the cluster provides (an operator's TLS Secret, a
    // pull secret); only its name is known. A plaintext kplus.Secret in the chart is not taken.
    return () => ({ kind: ConfigObjectKind.SECRET, name: imported.name, keys: [], fingerprint: `imported:${imported.name}` });
  }
  throw propError(scope, `${propPrefix}config[${index}]`, source?.node?.path ?? String(source),
    'not a ConfigMap or EncryptedConfig', 'pass a cdk8s-plus ConfigMap, an EncryptedConfig, kplus.ConfigMap.fromConfigMapName / kplus.Secret.fromSecretName for objects the cluster has, or ConfigAttachment.files/env of one');
}

/** Namespace of an attached object, when it is known at construct time. */
function namespaceOf(source: IConstruct): string | undefined {
  if (source instanceof kplus.ConfigMap) return source.metadata.namespace;
  const ns = (source as any).namespace;
  return typeof ns === 'string' ? ns : undefined;
}

/**
 * Resolves a workload's `config` list: validates it at construct time and assigns volume
 * names and mount paths for the file attachments.
 */
export function resolveConfig(scope: IConstruct, config: IConstruct[] | undefined, namespace: string | undefined,
  propPrefix = '', volumePrefix = 'config'): ResolvedConfig[] {
  const resolved: ResolvedConfig[] = [];
  const seen = new Set<IConstruct>();
  if (config !== undefined && !Array.isArray(config)) {
    throw propError(scope, `${propPrefix}config`, config, 'must be a list', 'write it like config: [settings, ConfigAttachment.files(scripts, { mountPath: "/scripts" })]');
  }
  (config ?? []).forEach((item, index) => {
    const attachment = item instanceof ConfigAttachment ? item : ConfigAttachment.files(item);
    const binding = bindingOf(scope, index, attachment.source, propPrefix);
    if (seen.has(attachment.source)) {
      throw propError(scope, `${propPrefix}config[${index}]`, attachment.source.node.path, 'attached twice', 'attach each object once');
    }
    seen.add(attachment.source);
    const sourceNamespace = namespaceOf(attachment.source);
    if (sourceNamespace && sourceNamespace !== namespace) {
      throw propError(scope, `${propPrefix}config[${index}]`, attachment.source.node.path,
        `it is in namespace ${JSON.stringify(sourceNamespace)}, the workload in ${namespace ? JSON.stringify(namespace) : 'no namespace (whatever kubectl points at)'}; a pod can only mount objects of its own namespace`,
        namespace ? 'define the object in the workload\'s chart or namespace' : `give the workload's chart the namespace ${JSON.stringify(sourceNamespace)}`);
    }
    const prop = `${propPrefix}config[${index}]`;
    if (attachment.optional !== undefined && typeof attachment.optional !== 'boolean') {
      throw propError(scope, `${prop}.optional`, attachment.optional, 'must be true or false', 'write optional: true or leave it unset');
    }
    const owned = !(attachment.source as any)?.resourceType || attachment.source instanceof kplus.ConfigMap;
    if (attachment.exposure === 'files') {
      if (attachment.mountPath !== undefined) checkAbsolutePath(scope, `${prop}.mountPath`, attachment.mountPath);
      for (const [key, file] of Object.entries(attachment.items ?? {})) {
        if (typeof file !== 'string' || file === '' || file.startsWith('/') || file.split('/').some(seg => seg === '' || seg === '.' || seg === '..')) {
          throw propError(scope, `${prop}.items.${key}`, file, 'must be a relative file path without "..", "." or "//"', 'write it like "server.crt" or "tls/server.crt"');
        }
      }
      const volumeName = `${volumePrefix}-${index}`;
      resolved.push({ attachment, binding, volumeName, mountPath: attachment.mountPath, owned, prop });
    } else {
      for (const [variable, key] of attachment._envPairs()) {
        if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(variable)) {
          throw propError(scope, `${prop}.${attachment.keys?.includes(variable) ? 'keys' : 'variables'}`, variable, 'not a valid environment variable name', 'use letters, digits, "_", "-" and "."');
        }
        if (typeof key !== 'string' || key === '') {
          throw propError(scope, `${prop}.variables.${variable}`, key, 'must name a key of the object', 'write it like { DATABASE_PASSWORD: "DB_PASSWORD" }');
        }
      }
      resolved.push({ attachment, binding, owned, prop });
    }
    // The keys of an EncryptedConfig are fixed at construction: check them now (a ConfigMap's
    // are checked at synth, when its data is complete).
    if (owned && isConfigSource(attachment.source)) checkAttachmentKeys(scope, prop, attachment, attachment.source.configBinding());
  });
  return resolved;
}

/** Refuses a key that the attached object (defined in the app) lacks, naming the keys it has. */
export function checkAttachmentKeys(scope: IConstruct, prop: string, attachment: ConfigAttachment, binding: ConfigBinding): void {
  for (const key of attachment._referencedKeys()) {
    if (!binding.keys.includes(key)) throw missingKeyError(scope, prop, binding.kind, binding.name, key, binding.keys);
  }
}

/** Default directory of a file attachment. */
export function defaultMountPath(binding: ConfigBinding): string {
  const base = binding.kind === ConfigObjectKind.SECRET ? '/etc/secrets' : '/etc/config';
  return `${base}/${suggestDnsLabel(binding.name)}`;
}

/** Volume of a file attachment: read-only files, readable by the pod's group. */
export function configVolume(name: string, binding: ConfigBinding, attachment?: ConfigAttachment): k8s.Volume {
  const items = attachment?.items ? Object.keys(attachment.items).sort().map(key => ({ key, path: attachment.items![key] })) : undefined;
  const optional = attachment?.optional ? true : undefined;
  return binding.kind === ConfigObjectKind.SECRET
    ? { name, secret: { secretName: binding.name, defaultMode: 0o440, items, optional } }
    : { name, configMap: { name: binding.name, defaultMode: 0o444, items, optional } };
}

/** Environment of an env attachment: selected keys one by one, or the whole object. */
export function configEnv(binding: ConfigBinding, attachment: ConfigAttachment): { env: k8s.EnvVar[]; envFrom: k8s.EnvFromSource[] } {
  const secret = binding.kind === ConfigObjectKind.SECRET;
  const optional = attachment.optional ? true : undefined;
  if (!attachment.variableNames) {
    return { env: [], envFrom: [secret ? { secretRef: { name: binding.name, optional } } : { configMapRef: { name: binding.name, optional } }] };
  }
  return {
    envFrom: [],
    env: attachment._envPairs().map(([name, key]) => ({
      name,
      valueFrom: secret ? { secretKeyRef: { name: binding.name, key, optional } } : { configMapKeyRef: { name: binding.name, key, optional } },
    })),
  };
}

/**
 * Checksum of everything that should roll the pods when it changes: each attached object's
 * fingerprint (ConfigMap data, SealedSecret ciphertext; never plaintext) and the env map.
 */
export function configChecksum(bindings: ConfigBinding[], env: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const b of [...bindings].sort((x, y) => `${x.kind}/${x.name}`.localeCompare(`${y.kind}/${y.name}`))) {
    hash.update(JSON.stringify([b.kind, b.name, b.fingerprint]));
  }
  hash.update(JSON.stringify(sortedJson(env)));
  const checksum = hash.digest('hex');
  if (bindings.some(b => isVolatileFingerprint(b.fingerprint))) markVolatileChecksum(checksum);
  return checksum;
}
