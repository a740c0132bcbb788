import * as crypto from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import { ConfigBinding, ConfigObjectKind, IConfigSource } from '../hardening/config';
import { missingKeyError, secretKeyEnvValue } from '../hardening/env';
import { propError, REDACTED } from '../hardening/errors';
import { LABEL_INSTANCE, LABEL_NAME, partOfLabel, recommendedLabels } from '../hardening/labels';
import { isLabelValue } from '../hardening/validation';
import { SealingCertificate } from '../sealing/certificate';
import { markVolatileFingerprint } from '../sealing/volatile';
import {
  checkLabelValue,
  checkNamespaceName,
  checkObjectName,
  checkQualifiedKey,
  checkSecretKey,
  isBase64,
} from '../sealing/names';
import {
  checkSealedValue,
  CLUSTER_WIDE_ANNOTATION,
  NAMESPACE_WIDE_ANNOTATION,
  SealingError,
  SealingScope,
  scopeAnnotations,
} from '../sealing/seal';
import { sameCopies } from '../hardening/single-copy';
import { anything, bool, instanceOf, isPlainObject, labelMap, mapOf, optional, refine, secret, str, struct, validateProps } from '../hardening/props';
import { isLabelKey } from '../hardening/validation';

/** apiVersion and kind of the Bitnami sealed-secrets custom resource. */
const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';
const SEALED_SECRET_KIND = 'SealedSecret';

/**
 * The `type` of the Secret the controller creates. Known types are checked for the keys the
 * API server requires, so a SealedSecret that the controller could never turn into a Secret
 * is refused at synth instead of failing in the cluster.
 */
export class SecretType {
  /** Arbitrary user data. */
  public static readonly OPAQUE = new SecretType('Opaque', [], []);
  /** Credentials for basic authentication: needs `username` or `password`. */
  public static readonly BASIC_AUTH = new SecretType('kubernetes.io/basic-auth', [], ['username', 'password']);
  /** An SSH private key: needs `ssh-privatekey`. */
  public static readonly SSH_AUTH = new SecretType('kubernetes.io/ssh-auth', ['ssh-privatekey'], []);
  /** A TLS certificate and key: needs `tls.crt` and `tls.key`. */
  public static readonly TLS = new SecretType('kubernetes.io/tls', ['tls.crt', 'tls.key'], []);
  /** Image pull credentials: needs `.dockerconfigjson`. */
  public static readonly DOCKER_CONFIG_JSON = new SecretType('kubernetes.io/dockerconfigjson', ['.dockerconfigjson'], []);

  /** Any other type string, e.g. `bootstrap.kubernetes.io/token`. Its keys are not checked. */
  public static of(type: string): SecretType {
    const known = [SecretType.OPAQUE, SecretType.BASIC_AUTH, SecretType.SSH_AUTH, SecretType.TLS, SecretType.DOCKER_CONFIG_JSON];
    return known.find(t => t.value === type) ?? new SecretType(type, [], []);
  }

  private constructor(
    /** The type string, e.g. `Opaque`. */
    public readonly value: string,
    private readonly requiredKeys: string[],
    private readonly oneOfKeys: string[],
  ) {}

  /** @internal The API server's key requirement this type's Secret fails for `keys`, if any. */
  public _missingKeys(keys: string[]): string | undefined {
    const missing = this.requiredKeys.filter(k => !keys.includes(k));
    if (missing.length > 0) return `a ${this.value} Secret needs the key(s) ${missing.map(k => JSON.stringify(k)).join(', ')}`;
    if (this.oneOfKeys.length > 0 && !this.oneOfKeys.some(k => keys.includes(k))) {
      return `a ${this.value} Secret needs at least one of the keys ${this.oneOfKeys.map(k => JSON.stringify(k)).join(', ')}`;
    }
    return undefined;
  }
}

/** Props of `EncryptedConfig`. Give at least one of `values`, `binaryValues`, `sealedValues`. */
export interface EncryptedConfigProps {
  /**
   * `metadata.name` of the SealedSecret and of the Secret the controller creates from it.
   * With strict scope the ciphertext is bound to this name, so it must be known when sealing:
   * the default is the construct id itself (no hash suffix), so `cdk8s-hardened seal --name`
   * can be run before the chart is written.
   * @default - the construct id
   */
  readonly name?: string;

  /**
   * Namespace of the SealedSecret and its Secret. Strict and namespace-wide scope bind the
   * ciphertext to it and therefore need one.
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * The sealed-secrets controller's public certificate (`kubeseal --fetch-cert`). Required
   * when `values` or `binaryValues` are given; checked (RSA, not expired) whenever given.
   * @default - none: only `sealedValues` can be used
   */
  readonly certificate?: SealingCertificate;

  /**
   * Where the values may be unsealed. Must match the scope pre-sealed values were sealed with.
   * @default SealingScope.STRICT
   */
  readonly scope?: SealingScope;

  /**
   * Plaintext strings, sealed (UTF-8) at construct time with `certificate`. The ciphertext
   * is random, so it changes on every synth, and so does the pod-template checksum of the
   * workloads that use this config: their pods roll on every deploy. Use `sealedValues` for
   * stable output.
   * @default - none
   */
  readonly values?: { [key: string]: string };

  /**
   * Binary values given as base64 (e.g. `buffer.toString('base64')`), sealed as bytes at
   * construct time with `certificate`, so the Secret holds the bytes themselves. Same caveat
   * as `values`. (A Buffer is still accepted at run time.)
   * @default - none
   */
  readonly binaryValues?: { [key: string]: string };

  /**
   * Values sealed beforehand with `cdk8s-hardened seal` or `kubeseal --raw`, for the same
   * scope, namespace and (strict scope) name as this construct. Can be mixed with `values`
   * and `binaryValues`. The output is stable, so it diffs cleanly in GitOps.
   * @default - none
   */
  readonly sealedValues?: { [key: string]: string };

  /**
   * Type of the Secret the controller creates.
   * @default SecretType.OPAQUE
   */
  readonly type?: SecretType;

  /**
   * Extra labels, on the SealedSecret and on the Secret created from it. They override the
   * `app.kubernetes.io/*` recommended labels this construct sets.
   * @default - only the recommended labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * Annotations of the Secret created from the SealedSecret (`spec.template.metadata`).
   * The scope annotations are set from `scope` and cannot be given here.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };

  /**
   * Whether the created Secret is immutable. An immutable Secret cannot be updated: changing
   * a value then needs a new `name` (and re-sealing for strict scope).
   * @default - not set: the Secret is mutable
   */
  readonly immutable?: boolean;
}

/** Runtime schema of EncryptedConfigProps (type, range and format of every prop; values are never shown). */
const ENCRYPTED_CONFIG_SCHEMA = struct({
  name: optional(str()),
  namespace: optional(str()),
  certificate: optional(instanceOf(SealingCertificate, 'SealingCertificate', 'use SealingCertificate.fromFile(path) or SealingCertificate.fromPem(pem)')),
  scope: optional(anything), // checked below
  // Each value's type is checked with the value kind's own fix, without showing it (below).
  values: optional(secret(mapOf(anything))),
  binaryValues: optional(secret(mapOf(anything))),
  sealedValues: optional(secret(mapOf(anything))),
  type: optional(refine(instanceOf(SecretType, 'SecretType', 'use SecretType.OPAQUE, another SecretType constant or SecretType.of("...")'),
    (t: SecretType, p) => (typeof t.value === 'string' && /^[-._a-zA-Z0-9/]{1,253}$/.test(t.value) ? undefined
      : { prop: p, value: isPlainObject(t.value) ? '<object>' : String(t.value), problem: 'is not a Secret type (a string such as "Opaque" or "example.com/my-type")', fix: 'use SecretType.OPAQUE, another SecretType constant or SecretType.of("example.com/my-type")' }))),
  labels: optional(labelMap()),
  annotations: optional(mapOf(str(), isLabelKey, 'an annotation key (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and ".")')),
  immutable: optional(bool),
}, 'EncryptedConfigProps');

/**
 * A Bitnami `SealedSecret` (bitnami.com/v1alpha1): encrypted config that the sealed-secrets
 * controller turns into a Secret of the same name and namespace. Plaintext never reaches the
 * output: `values`/`binaryValues` are sealed at construct time with the controller's public
 * certificate (byte-compatible with kubeseal), `sealedValues` are taken pre-sealed.
 *
 * Attach it to a workload's `config`; it implements `IConfigSource`.
 */
export class EncryptedConfig extends Construct implements IConfigSource {
  /** The SealedSecret object. */
  public readonly apiObject: ApiObject;
  /** `metadata.name` of the SealedSecret and of the Secret it becomes. */
  public readonly name: string;
  /** Namespace of the SealedSecret and the Secret, if any (cluster-wide scope may have none). */
  public readonly namespace?: string;
  /** Scope the values are sealed for. */
  public readonly scope: SealingScope;
  /** Type of the Secret. */
  public readonly type: SecretType;
  /** The Secret's keys, sorted. */
  public readonly keys: string[];

  private readonly encryptedData: { [key: string]: string };
  private readonly fingerprint: string;

  constructor(scope: Construct, id: string, props: EncryptedConfigProps = {}) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, ENCRYPTED_CONFIG_SCHEMA, props, { namespaceProp: 'namespace' });
    this.scope = props.scope ?? SealingScope.STRICT;
    if (!Object.values(SealingScope).includes(this.scope)) {
      throw propError(this, 'scope', this.scope, 'is not a sealing scope', 'use SealingScope.STRICT, NAMESPACE_WIDE or CLUSTER_WIDE');
    }
    this.type = props.type ?? SecretType.OPAQUE;
    if (!(this.type instanceof SecretType) || this.type.value.length === 0) {
      throw propError(this, 'type', this.type, 'is not a Secret type', 'use SecretType.OPAQUE, another SecretType constant or SecretType.of("...")');
    }

    this.name = this.resolveName(props.name, id);
    this.namespace = this.resolveNamespace(props.namespace);

    // Keys first (names are not secret), then the values.
    const values = this.checkMap('values', props.values);
    const binaryValues = this.checkMap('binaryValues', props.binaryValues);
    const sealedValues = this.checkMap('sealedValues', props.sealedValues);
    const seen = new Map<string, string>();
    for (const [prop, map] of [['values', values], ['binaryValues', binaryValues], ['sealedValues', sealedValues]] as const) {
      for (const key of Object.keys(map)) {
        const problem = checkSecretKey(key);
        if (problem) {
          throw propError(this, `${prop} key`, key, `${problem} (a Secret key becomes a file name when mounted)`, 'rename the key to match [-._a-zA-Z0-9]+');
        }
        const other = seen.get(key);
        if (other) {
          throw propError(this, `${prop} key`, key, `the key is also given in ${other}`, 'give each key once, in values, binaryValues or sealedValues');
        }
        seen.set(key, prop);
      }
    }
    if (seen.size === 0) {
      throw propError(this, 'values', props.values ?? {}, 'the config is empty: no values, binaryValues or sealedValues were given', 'give at least one value (a SealedSecret with no data creates an empty Secret)');
    }
    this.keys = [...seen.keys()].sort();
    const missing = this.type._missingKeys(this.keys);
    if (missing) throw propError(this, 'type', this.type.value, `${missing}, and this config has ${this.keys.join(', ')}`, 'add the key(s) or choose another type');

    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'string') {
        throw propError(this, `values.${key}`, REDACTED, `is ${kindOf(value)}, not a string`, 'give a string, or binary data as base64 in binaryValues');
      }
      if (looksSealed(value)) {
        throw propError(this, `values.${key}`, REDACTED, 'looks like a sealed value, which would be sealed a second time', 'move it to sealedValues');
      }
    }
    for (const [key, value] of Object.entries(binaryValues)) {
      const bytes: unknown = value;
      if (!(bytes instanceof Uint8Array) && !(typeof value === 'string' && isBase64(value))) {
        throw propError(this, `binaryValues.${key}`, REDACTED, `is ${typeof value === 'string' ? 'not base64' : kindOf(value)}, not base64 bytes`,
          'give the bytes as base64 (buffer.toString(\'base64\')), or a text value in values');
      }
    }
    for (const [key, value] of Object.entries(sealedValues)) {
      const problem = typeof value === 'string' ? checkSealedValue(value) : `is ${kindOf(value)}, not a string`;
      if (problem) {
        throw propError(this, `sealedValues.${key}`, REDACTED, problem,
          'give the base64 output of `cdk8s-hardened seal` or `kubeseal --raw`; to seal a plaintext value at synth, put it in values');
      }
    }

    const encryptedData: { [key: string]: string } = { ...sealedValues };
    const toSeal = [
      ...Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as const),
      ...Object.entries(binaryValues).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.from(v as Uint8Array)] as const),
    ];
    if (props.certificate !== undefined && !(props.certificate instanceof SealingCertificate)) {
      throw propError(this, 'certificate', typeof props.certificate, 'is not a SealingCertificate', 'use SealingCertificate.fromFile(path) or SealingCertificate.fromPem(pem)');
    }
    if (toSeal.length > 0 && !props.certificate) {
      throw propError(this, 'certificate', undefined, `values ${toSeal.map(([k]) => k).join(', ')} are sealed at synth with the controller's public certificate, and none was given`,
        'set certificate: SealingCertificate.fromFile(path) with the output of `kubeseal --fetch-cert`, or give pre-sealed sealedValues');
    }
    if (props.certificate) {
      try {
        props.certificate.validate();
        for (const [key, plaintext] of toSeal) {
          encryptedData[key] = props.certificate._sealBytes(plaintext, { scope: this.scope, namespace: this.namespace, name: this.name });
        }
      } catch (e) {
        if (e instanceof SealingError) throw propError(this, 'certificate', props.certificate.source, e.problem, e.fix);
        throw e;
      } finally {
        for (const [, plaintext] of toSeal) plaintext.fill(0);
      }
    }

    this.encryptedData = Object.fromEntries(Object.keys(encryptedData).sort().map(k => [k, encryptedData[k]]));
    this.fingerprint = crypto.createHash('sha256')
      .update(JSON.stringify(this.keys.map(k => [k, this.encryptedData[k]])))
      .digest('hex');
    if (toSeal.length > 0) markVolatileFingerprint(this.fingerprint); // masked in snapshots (src/testing.ts)

    // The recommended labels, as on every object of the library. A name may be a DNS subdomain
    // of up to 253 characters but a label value only 63: then the name labels are left out.
    const recommended = recommendedLabels({ name: this.name, appName: this.name, component: 'config', partOf: partOfLabel(this) });
    if (!isLabelValue(this.name)) {
      delete recommended[LABEL_NAME];
      delete recommended[LABEL_INSTANCE];
    }
    const labels = this.checkLabels({ ...recommended, ...props.labels });
    const templateAnnotations = this.checkAnnotations(props.annotations ?? {});
    const scopeAnno = scopeAnnotations(this.scope);
    const hasScopeAnno = Object.keys(scopeAnno).length > 0;

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: SEALED_SECRET_API_VERSION,
      kind: SEALED_SECRET_KIND,
      metadata: {
        name: this.name,
        ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
        labels,
        ...(hasScopeAnno ? { annotations: scopeAnno } : {}),
      },
      spec: {
        encryptedData: this.encryptedData,
        template: {
          metadata: {
            name: this.name,
            ...(this.namespace !== undefined ? { namespace: this.namespace } : {}),
            labels,
            // kubeseal copies the scope annotations into the template as well.
            ...(hasScopeAnno || Object.keys(templateAnnotations).length > 0
              ? { annotations: { ...templateAnnotations, ...scopeAnno } } : {}),
          },
          type: this.type.value,
          ...(props.immutable !== undefined ? { immutable: props.immutable } : {}),
        },
      },
    });

    this.node.addValidation({ validate: () => this.validateOutput() });
  }

  /**
   * One key of the Secret this SealedSecret becomes, as a cdk8s-plus `EnvValue` for a
   * workload's `envVariables` (a `secretKeyRef`). A key the config lacks is refused, naming the
   * keys it has. Prefer mounting secrets as files (`config`): environment variables leak into
   * crash dumps and child processes.
   */
  public envValue(key: string, options: kplus.EnvValueFromSecretOptions = {}): kplus.EnvValue {
    if (typeof key !== 'string' || !this.keys.includes(key)) {
      throw missingKeyError(this, 'envValue key', ConfigObjectKind.SECRET, this.name, String(key), this.keys);
    }
    return secretKeyEnvValue(this.name, key, options);
  }

  /** What a workload needs to mount or reference the Secret this SealedSecret becomes. */
  public configBinding(): ConfigBinding {
    return {
      kind: ConfigObjectKind.SECRET,
      name: this.name,
      keys: [...this.keys],
      fingerprint: this.fingerprint,
    };
  }

  private resolveName(name: string | undefined, id: string): string {
    const resolved = name ?? id;
    const problem = checkObjectName(resolved);
    if (problem) {
      if (name === undefined) {
        throw propError(this, 'name', resolved, `defaults to the construct id, which ${problem}`, 'set name to a DNS-1123 name, or use such an id');
      }
      throw propError(this, 'name', resolved, problem, 'use a DNS-1123 subdomain such as "db-credentials"');
    }
    return resolved;
  }

  private resolveNamespace(namespace: string | undefined): string | undefined {
    const resolved = namespace ?? Chart.of(this).namespace;
    if (resolved !== undefined) {
      const problem = checkNamespaceName(resolved);
      if (problem) {
        throw propError(this, 'namespace', resolved, `${problem}${namespace === undefined ? ' (taken from the chart)' : ''}`, 'use a DNS-1123 label such as "shop"');
      }
    }
    if (resolved === undefined && this.scope !== SealingScope.CLUSTER_WIDE) {
      throw propError(this, 'namespace', undefined,
        `${this.scope} scope binds the ciphertext to a namespace, and neither this construct nor its chart sets one`,
        'set namespace (here or on the chart); only SealingScope.CLUSTER_WIDE works without one');
    }
    return resolved;
  }

  private checkMap<T>(prop: string, map: { [key: string]: T } | undefined): { [key: string]: T } {
    if (map === undefined || map === null) return {};
    if (typeof map !== 'object' || Array.isArray(map) || Buffer.isBuffer(map)) {
      throw propError(this, prop, REDACTED, 'is not a map of key to value', `give { KEY: value }`);
    }
    return map;
  }

  private checkLabels(labels: { [key: string]: string }): { [key: string]: string } {
    for (const [key, value] of Object.entries(labels)) {
      const keyProblem = checkQualifiedKey(key);
      if (keyProblem) throw propError(this, 'labels key', key, keyProblem, 'use a valid label key such as "team" or "example.com/team"');
      const valueProblem = typeof value === 'string' ? checkLabelValue(value) : 'is not a string';
      if (valueProblem) throw propError(this, `labels.${key}`, value, valueProblem, 'use a valid label value, or an annotation for free text');
    }
    return labels;
  }

  private checkAnnotations(annotations: { [key: string]: string }): { [key: string]: string } {
    for (const [key, value] of Object.entries(annotations)) {
      const keyProblem = checkQualifiedKey(key);
      if (keyProblem) throw propError(this, 'annotations key', key, keyProblem, 'use a valid annotation key such as "example.com/owner"');
      if (key === NAMESPACE_WIDE_ANNOTATION || key === CLUSTER_WIDE_ANNOTATION) {
        throw propError(this, 'annotations key', key, 'the scope annotations are set from the scope prop', 'remove it and set scope');
      }
      if (typeof value !== 'string') throw propError(this, `annotations.${key}`, typeof value, 'is not a string', 'give a string');
    }
    return annotations;
  }

  /**
   * After escape-hatch patches: the emitted name, namespace and scope must be what the values
   * were sealed for, or the controller cannot unseal them. Two configs must not share a name.
   */
  private validateOutput(): string[] {
    const errors: string[] = [];
    const json = this.apiObject.toJson();
    const meta = json?.metadata ?? {};
    const annotations = meta.annotations ?? {};
    const emittedScope = String(annotations[CLUSTER_WIDE_ANNOTATION]) === 'true' ? SealingScope.CLUSTER_WIDE
      : String(annotations[NAMESPACE_WIDE_ANNOTATION]) === 'true' ? SealingScope.NAMESPACE_WIDE : SealingScope.STRICT;
    const where = `${this.node.path}: the SealedSecret`;
    if (emittedScope !== this.scope) {
      errors.push(`${where} is emitted with ${emittedScope} scope annotations, but its values were sealed for ${this.scope} scope; the controller could not unseal them. Fix: set the scope prop instead of patching annotations.`);
    }
    if (this.scope !== SealingScope.CLUSTER_WIDE && meta.namespace !== this.namespace) {
      errors.push(`${where} is emitted in namespace ${JSON.stringify(meta.namespace)}, but its values were sealed for ${JSON.stringify(this.namespace)}. Fix: set the namespace prop instead of patching metadata.`);
    }
    if (this.scope === SealingScope.STRICT && meta.name !== this.name) {
      errors.push(`${where} is emitted as ${JSON.stringify(meta.name)}, but its values were sealed for the name ${JSON.stringify(this.name)}. Fix: set the name prop instead of patching metadata.`);
    }
    const clash = this.node.root.node.findAll().find((c: IConstruct) => c !== this && c instanceof EncryptedConfig
      && c.name === this.name && c.namespace === this.namespace);
    if (clash) {
      errors.push(`${where} ${JSON.stringify(this.name)} in namespace ${JSON.stringify(this.namespace)} is also defined by ${clash.node.path}. Fix: give one of them another name (or id).`);
    }
    return errors;
  }
}

/** A string in `values` that has the exact layout of sealed ciphertext for a 2048/3072/4096-bit key. */
function looksSealed(value: string): boolean {
  if (value.length < 344 || checkSealedValue(value) !== undefined) return false;
  const rsaLength = Buffer.from(value.slice(0, 4), 'base64').readUInt16BE(0);
  return rsaLength === 256 || rsaLength === 384 || rsaLength === 512;
}

/** "a number", "an object", "a Buffer": the kind of a value, for messages that must not show it. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
