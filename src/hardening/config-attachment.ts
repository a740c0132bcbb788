import { createHash } from 'crypto';
import { IConstruct, IMixin, Node } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ConfigBinding, ConfigObjectKind, IConfigSource } from './config';
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
}

/** Options of `ConfigAttachment.env`. */
export interface ConfigEnvOptions {
  /**
   * Keys to expose, each as a variable of the same name.
   * @default - every key of the object
   */
  readonly keys?: string[];
}

/**
 * How a workload sees an attached ConfigMap or EncryptedConfig. Passing the object itself
 * to `config` means `ConfigAttachment.files(object)`.
 */
export class ConfigAttachment implements IConstruct {
  /** Mount every key as a read-only file (the default, and the right choice for secrets). */
  public static files(source: IConstruct, options: ConfigFilesOptions = {}): ConfigAttachment {
    return new ConfigAttachment(source, 'files', options.mountPath, undefined);
  }

  /**
   * Expose keys as environment variables. For secrets, prefer files: environment variables
   * leak into crash dumps, `/proc/<pid>/environ` and child processes, and kube-linter warns
   * (`read-secret-from-env-var`).
   */
  public static env(source: IConstruct, options: ConfigEnvOptions = {}): ConfigAttachment {
    return new ConfigAttachment(source, 'env', undefined, options.keys);
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
  ) {}

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
  /** Evaluated at synth time, after the whole app is built. */
  readonly binding: () => ConfigBinding;
  readonly volumeName?: string;
  readonly mountPath?: string;
}

function isConfigSource(x: any): x is IConfigSource {
  return x && typeof x.configBinding === 'function';
}

function sortedJson(record: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record ?? {}).sort()) out[key] = record![key];
  return out;
}

/** How the pod refers to an attached object, or an error naming what `config` accepts. */
function bindingOf(scope: IConstruct, index: number, source: IConstruct): () => ConfigBinding {
  if (source instanceof kplus.ConfigMap) {
    return () => ({
      kind: ConfigObjectKind.CONFIG_MAP,
      name: source.name,
      keys: [...Object.keys(source.data), ...Object.keys(source.binaryData)].sort(),
      fingerprint: JSON.stringify({ data: sortedJson(source.data), binaryData: sortedJson(source.binaryData) }),
    });
  }
  if (isConfigSource(source)) {
    return () => source.configBinding();
  }
  const imported = source as any;
  if (isImportedConfigMap(scope, `config[${index}]`, source)) {
    // kplus.ConfigMap.fromConfigMapName(): an object the cluster provides; only its name is known.
    return () => ({ kind: ConfigObjectKind.CONFIG_MAP, name: imported.name, keys: [], fingerprint: `imported:${imported.name}` });
  }
  throw propError(scope, `config[${index}]`, source?.node?.path ?? String(source),
    'not a ConfigMap or EncryptedConfig', 'pass a cdk8s-plus ConfigMap, an EncryptedConfig, or ConfigAttachment.files/env of one');
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
export function resolveConfig(scope: IConstruct, config: IConstruct[] | undefined, namespace: string | undefined): ResolvedConfig[] {
  const resolved: ResolvedConfig[] = [];
  const seen = new Set<IConstruct>();
  (config ?? []).forEach((item, index) => {
    const attachment = item instanceof ConfigAttachment ? item : ConfigAttachment.files(item);
    const binding = bindingOf(scope, index, attachment.source);
    if (seen.has(attachment.source)) {
      throw propError(scope, `config[${index}]`, attachment.source.node.path, 'attached twice', 'attach each object once');
    }
    seen.add(attachment.source);
    const sourceNamespace = namespaceOf(attachment.source);
    if (sourceNamespace && sourceNamespace !== namespace) {
      throw propError(scope, `config[${index}]`, attachment.source.node.path,
        `it is in namespace ${JSON.stringify(sourceNamespace)}, the workload in ${namespace ? JSON.stringify(namespace) : 'no namespace (whatever kubectl points at)'}; a pod can only mount objects of its own namespace`,
        namespace ? 'define the object in the workload\'s chart or namespace' : `give the workload's chart the namespace ${JSON.stringify(sourceNamespace)}`);
    }
    if (attachment.exposure === 'files') {
      if (attachment.mountPath !== undefined) checkAbsolutePath(scope, `config[${index}].mountPath`, attachment.mountPath);
      const volumeName = `config-${index}`;
      resolved.push({ attachment, binding, volumeName, mountPath: attachment.mountPath });
    } else {
      for (const key of attachment.keys ?? []) {
        if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
          throw propError(scope, `config[${index}].keys`, key, 'not a valid environment variable name', 'use letters, digits, "_", "-" and "."');
        }
      }
      resolved.push({ attachment, binding });
    }
  });
  return resolved;
}

/** Default directory of a file attachment. */
export function defaultMountPath(binding: ConfigBinding): string {
  const base = binding.kind === ConfigObjectKind.SECRET ? '/etc/secrets' : '/etc/config';
  return `${base}/${suggestDnsLabel(binding.name)}`;
}

/** Volume of a file attachment: read-only files, readable by the pod's group. */
export function configVolume(name: string, binding: ConfigBinding): k8s.Volume {
  return binding.kind === ConfigObjectKind.SECRET
    ? { name, secret: { secretName: binding.name, defaultMode: 0o440 } }
    : { name, configMap: { name: binding.name, defaultMode: 0o444 } };
}

/** Environment of an env attachment: selected keys one by one, or the whole object. */
export function configEnv(binding: ConfigBinding, keys: string[] | undefined): { env: k8s.EnvVar[]; envFrom: k8s.EnvFromSource[] } {
  const secret = binding.kind === ConfigObjectKind.SECRET;
  if (!keys) {
    return { env: [], envFrom: [secret ? { secretRef: { name: binding.name } } : { configMapRef: { name: binding.name } }] };
  }
  return {
    envFrom: [],
    env: keys.map(key => ({
      name: key,
      valueFrom: secret ? { secretKeyRef: { name: binding.name, key } } : { configMapKeyRef: { name: binding.name, key } },
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
