/* Environment variables from references (cdk8s-plus EnvValue): validation, rendering, checksum. */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ConfigBinding, ConfigObjectKind, IConfigSource } from './config';
import { propError, REDACTED } from './errors';
import { isSensitiveEnv } from './sensitive';

export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A config object of the app (defined in a chart of the app), found by kind and name. */
export interface ChartConfigObject {
  readonly kind: ConfigObjectKind;
  readonly name: string;
  /** Its keys (at the time of the call: a ConfigMap may gain keys until synth). */
  keys(): string[];
  /** Its binding (for the checksum). */
  binding(): ConfigBinding;
}

/** Whether `x` gives its own config binding (an EncryptedConfig). */
export function isConfigSource(x: any): x is IConfigSource {
  return x && typeof x.configBinding === 'function';
}

/** `record` with its keys in order (stable JSON for checksums). */
export function sortedJson(record: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record ?? {}).sort()) out[key] = record![key];
  return out;
}

/** The binding of a cdk8s-plus ConfigMap defined in the app. */
export function configMapBinding(source: kplus.ConfigMap): ConfigBinding {
  return {
    kind: ConfigObjectKind.CONFIG_MAP,
    name: source.name,
    keys: [...Object.keys(source.data), ...Object.keys(source.binaryData)].sort(),
    fingerprint: JSON.stringify({ data: sortedJson(source.data), binaryData: sortedJson(source.binaryData) }),
  };
}

/**
 * The ConfigMap or EncryptedConfig of the workload's namespace named `name`, if the app defines
 * it (in any chart of the app with the same namespace). Objects the cluster already has are not
 * found: their keys are unknown.
 */
export function findChartConfig(scope: IConstruct, kind: ConfigObjectKind, name: string): ChartConfigObject | undefined {
  const namespace = Chart.of(scope).namespace;
  const root = scope.node.root;
  for (const c of root.node.findAll()) {
    if (kind === ConfigObjectKind.CONFIG_MAP && c instanceof kplus.ConfigMap && c.name === name && (c.metadata.namespace ?? Chart.of(c).namespace) === namespace) {
      return { kind, name, keys: () => configMapBinding(c).keys, binding: () => configMapBinding(c) };
    }
    if (isConfigSource(c) && kind === ConfigObjectKind.SECRET) {
      const ns = (c as any).namespace ?? Chart.of(c).namespace;
      const b = c.configBinding();
      if (b.kind === kind && b.name === name && ns === namespace) {
        return { kind, name, keys: () => c.configBinding().keys, binding: () => c.configBinding() };
      }
    }
  }
  return undefined;
}

/** The config object an env value refers to by key, if any. */
export function envReference(value: kplus.EnvValue): { kind: ConfigObjectKind; name: string; key: string } | undefined {
  const from = value.valueFrom;
  if (from?.configMapKeyRef) return { kind: ConfigObjectKind.CONFIG_MAP, name: from.configMapKeyRef.name, key: from.configMapKeyRef.key };
  if (from?.secretKeyRef) return { kind: ConfigObjectKind.SECRET, name: from.secretKeyRef.name, key: from.secretKeyRef.key };
  return undefined;
}

/** The error for a key that a config object of the app lacks; names its keys, never values. */
export function missingKeyError(scope: IConstruct, prop: string, kind: ConfigObjectKind, name: string, key: string, keys: string[]): Error {
  return propError(scope, prop, key, `the ${kind} ${JSON.stringify(name)} defined in the app has no key ${JSON.stringify(key)} (it has ${keys.length > 0 ? keys.map(k => JSON.stringify(k)).join(', ') : 'no keys'}), so the pod would fail to start (CreateContainerConfigError)`,
    'use one of its keys, or add the key to the object');
}

/**
 * Validates `envVariables`: names, EnvValue instances, plaintext values under names that look
 * like secrets, and keys of config objects the app defines (checked again at synth, when a
 * ConfigMap may have gained keys).
 */
export function checkEnvVariables(scope: IConstruct, prop: string, vars: { [name: string]: kplus.EnvValue } | undefined): Record<string, kplus.EnvValue> {
  const out: Record<string, kplus.EnvValue> = {};
  if (vars === undefined) return out;
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw propError(scope, prop, typeof vars, 'must be a map of variable names to EnvValue', 'write it like { POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME) }');
  }
  for (const [name, value] of Object.entries(vars)) {
    if (!ENV_NAME.test(name)) {
      throw propError(scope, prop, name, 'not a valid environment variable name', 'use letters, digits, "_", "-" and ".", not starting with a digit');
    }
    if (!(value instanceof kplus.EnvValue)) {
      throw propError(scope, `${prop}.${name}`, REDACTED, 'not a cdk8s-plus EnvValue', 'use kplus.EnvValue.fromConfigMap/fromSecretValue/fromFieldRef/fromResource/fromValue, or encryptedConfig.envValue(key)');
    }
    if (value.valueFrom === undefined) {
      if (typeof value.value !== 'string') {
        throw propError(scope, `${prop}.${name}`, REDACTED, 'EnvValue.fromValue needs a string', 'quote the value');
      }
      if (isSensitiveEnv(name, value.value)) {
        throw propError(scope, `${prop}.${name}`, REDACTED, 'the name or value looks like a secret, and EnvValue.fromValue writes it to the manifest in plaintext',
          'put the value in an EncryptedConfig and use encryptedConfig.envValue(key)');
      }
    }
    out[name] = value;
  }
  return out;
}

/** Checks each key reference of `vars` against the app's config objects; returns the objects referenced. */
export function resolveEnvReferences(scope: IConstruct, prop: string, vars: Record<string, kplus.EnvValue>): ChartConfigObject[] {
  const found = new Map<string, ChartConfigObject>();
  for (const [name, value] of Object.entries(vars)) {
    const ref = envReference(value);
    if (!ref) continue;
    const object = findChartConfig(scope, ref.kind, ref.name);
    if (!object) continue;
    const keys = object.keys();
    if (!keys.includes(ref.key)) throw missingKeyError(scope, `${prop}.${name}`, ref.kind, ref.name, ref.key, keys);
    found.set(`${ref.kind}/${ref.name}`, object);
  }
  return [...found.values()];
}

/** The rendered `env` entries of `envVariables`, sorted by name. */
export function renderEnvVariables(vars: Record<string, kplus.EnvValue>): k8s.EnvVar[] {
  return Object.keys(vars).sort().map(name => {
    const v = vars[name];
    return v.valueFrom !== undefined ? { name, valueFrom: v.valueFrom } : { name, value: v.value };
  });
}

/** The env value of a key of a Secret named `name` (for EncryptedConfig.envValue). */
export function secretKeyEnvValue(name: string, key: string, options: kplus.EnvValueFromSecretOptions = {}): kplus.EnvValue {
  // EnvValue.fromSecretValue reads only `secret.name`: a reference is enough.
  return kplus.EnvValue.fromSecretValue({ secret: { name } as unknown as kplus.ISecret, key }, options);
}

/**
 * The names a value refers to as `$(NAME)`. `$$` is an escaped `$`, so `$$(NAME)` is literal
 * text and `$$$(NAME)` a `$` and then a reference, as the kubelet reads it.
 */
export function envReferences(value: string | undefined): string[] {
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/(\$*)\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g)].filter(m => m[1].length % 2 === 0).map(m => m[2]);
}

/**
 * Refuses a variable whose value refers to itself (`PATH: "/app/bin:$(PATH)"`), directly or
 * through others (`A: "$(B)"`, `B: "$(A)"`): the kubelet expands a reference only to a variable
 * defined before it in the pod spec (or by `envFrom`), never to the image's own environment, so
 * in any order one of them gets the literal text `$(NAME)`. Not when a whole-object `envFrom`
 * (whose keys are not known here) may define the names.
 */
export function checkEnvSelfReferences(scope: IConstruct, prefix: string, env: Record<string, string>, envVariables: Record<string, kplus.EnvValue>,
  envFromOfUnknownKeys: boolean): void {
  if (envFromOfUnknownKeys) return;
  const values: Record<string, string | undefined> = { ...env };
  for (const [name, v] of Object.entries(envVariables)) values[name] = v.valueFrom === undefined ? v.value : undefined;
  const refs = (name: string) => envReferences(values[name]).filter(r => r in values);
  for (const name of Object.keys(values).sort()) {
    // Depth-first from `name`: the first path back to it, if any.
    const path = [name];
    const seen = new Set<string>();
    const back = (from: string): boolean => refs(from).some(r => {
      if (r === name) return true;
      if (seen.has(r)) return false;
      seen.add(r);
      path.push(r);
      if (back(r)) return true;
      path.pop();
      return false;
    });
    if (back(name)) {
      const through = path.length > 1 ? ` through ${path.slice(1).map(n => `$(${n})`).join(', ')}` : '';
      const value = values[name];
      throw propError(scope, `${prefix}${name in env ? 'env' : 'envVariables'}.${name}`, value === undefined || isSensitiveEnv(name, value) ? REDACTED : value,
        `refers to itself${through}; the kubelet expands $(VAR) only to a variable defined earlier in the pod spec (never to the image's environment), so in any order a literal "$(" text would remain`,
        `write the whole value (e.g. the image's PATH in full), or $$(${name}) for the literal text`);
    }
  }
}

/**
 * The env entries in an order in which the kubelet expands every `$(VAR)`: it expands a
 * reference only to a variable defined earlier in the list, so a variable moves after those its
 * value refers to (`RABBITMQ_NODE_NAME: rabbit@$(MY_POD_NAME)` after `MY_POD_NAME`, although the
 * library writes variables sorted by name). Otherwise the order is kept. `$$(VAR)` is an escaped
 * literal, not a reference. A reference cycle, which no order expands, is refused at construct
 * time (checkEnvSelfReferences) unless a whole-object `envFrom` may define its names; then the
 * variable of the cycle met first comes last.
 */
export function orderEnvByReferences(env: k8s.EnvVar[]): k8s.EnvVar[] {
  const byName = new Map(env.map(e => [e.name, e]));
  const references = (e: k8s.EnvVar): string[] => envReferences(e.value).filter(name => name !== e.name && byName.has(name));
  const out: k8s.EnvVar[] = [];
  const seen = new Set<string>();
  const visit = (e: k8s.EnvVar) => {
    if (seen.has(e.name)) return;
    seen.add(e.name);
    for (const name of references(e)) visit(byName.get(name)!);
    out.push(e);
  };
  env.forEach(visit);
  return out;
}
