/* Pod-level knobs: scheduling, labels and annotations, rollout, pull secrets, writable volumes. */
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { propError } from './errors';
import { checkAbsolutePath, checkDnsSubdomain, isLabelKey, isLabelValue } from './validation';

/**
 * A taint the pods tolerate, so they may be scheduled on (or stay on) nodes that carry it.
 * With a `value` the toleration matches the taint `key=value` (operator `Equal`); without one,
 * any value of `key` (operator `Exists`).
 */
export interface Toleration {
  /**
   * Taint key. Without a key (and without a value) the pods tolerate every taint of `effect`.
   * @default - every key
   */
  readonly key?: string;
  /**
   * Taint value; leave it unset to match every value of `key`.
   * @default - any value (operator Exists)
   */
  readonly value?: string;
  /**
   * Taint effect to tolerate.
   * @default - every effect
   */
  readonly effect?: kplus.TaintEffect;
  /**
   * With `TaintEffect.NO_EXECUTE`, how long the pods stay on a node after the taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: Duration;
}

/** How a Deployment replaces its pods. */
export enum RolloutStrategy {
  /** New pods first: a new pod must be ready before an old one goes (maxUnavailable 0). */
  ROLLING_UPDATE = 'RollingUpdate',
  /**
   * All old pods stop before the new ones start (downtime during the rollout): for apps of which
   * two versions must never run at once (a schema owner, a single-writer volume).
   */
  RECREATE = 'Recreate',
}

/** A writable directory of a container: an emptyDir with its own size limit. */
export interface WritableVolume {
  /** Absolute path of the directory. */
  readonly path: string;
  /**
   * Size limit of the emptyDir (the kubelet evicts the pod when it is exceeded). Counts towards
   * the container's ephemeral-storage limit.
   * @default - `writablePathSizeLimit` (64Mi)
   */
  readonly sizeLimit?: Size;
  /**
   * On an init container or a sidecar: mount the emptyDir of this writable path of the main
   * container at `path`, instead of a new one. The two containers see the same files at two
   * paths, e.g. an init container that copies the image's own directory into the volume the main
   * container mounts over that directory (which the init container can then still read). The
   * volume keeps the main container's size limit, so `sizeLimit` is refused with it.
   * @default - none: `path` gets its own emptyDir (shared with containers that list the same path)
   */
  readonly sharedWith?: string;
}

/** Prefixes of annotations and labels that belong to Kubernetes itself or to this library. */
const RESERVED = /(^|\.)(kubernetes\.io|k8s\.io|cdk8s\.io)\//;
/** Well-known annotations users do set on pods. */
const ALLOWED_RESERVED = /^(kubectl\.kubernetes\.io\/default-logs-container|cluster-autoscaler\.kubernetes\.io\/safe-to-evict)$/;

/** Refuses label keys and values the API server refuses, and keys that would override ours. */
export function checkLabels(scope: IConstruct, prop: string, labels: { [key: string]: string } | undefined, owned: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isLabelKey(key)) {
      throw propError(scope, prop, key, 'not a valid label key (an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" and ".")', 'write it like "app" or "example.com/team"');
    }
    if (typeof value !== 'string' || !isLabelValue(value)) {
      throw propError(scope, `${prop}.${key}`, value, 'not a valid label value (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit)', 'write it like "v2" or "checkout"');
    }
    if (key in owned && owned[key] !== value) {
      throw propError(scope, `${prop}.${key}`, value, `the library sets this label to ${JSON.stringify(owned[key])}, and selectors and policies rely on it`,
        key === 'app.kubernetes.io/component' ? 'set `component` instead' : 'use another label key');
    }
    out[key] = value;
  }
  return out;
}

/** Refuses annotation keys the API server refuses, oversized values and keys the library owns. */
export function checkAnnotations(scope: IConstruct, prop: string, annotations: { [key: string]: string } | undefined, owned: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!isLabelKey(key)) {
      throw propError(scope, prop, key, 'not a valid annotation key (an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" and ".")', 'write it like "prometheus.io/scrape"');
    }
    if (typeof value !== 'string') {
      throw propError(scope, `${prop}.${key}`, value, 'annotation values must be strings', 'quote the value, e.g. "true" or "8080"');
    }
    if (owned.includes(key) || (RESERVED.test(key) && !ALLOWED_RESERVED.test(key))) {
      throw propError(scope, `${prop}.${key}`, value, 'the key belongs to Kubernetes or to this library, which sets it', 'use your own prefix, e.g. "example.com/owner"');
    }
    total += key.length + value.length;
    out[key] = value;
  }
  if (total > 256 * 1024) {
    throw propError(scope, prop, `${total} bytes`, 'annotations may hold at most 256 KiB in total', 'move large data to a ConfigMap');
  }
  return out;
}

/** Validates `nodeSelector`: label keys and values. */
export function checkNodeSelector(scope: IConstruct, selector: { [key: string]: string } | undefined): Record<string, string> | undefined {
  if (selector === undefined) return undefined;
  return checkLabels(scope, 'nodeSelector', selector, {});
}

/** Validates and renders `tolerations`. */
export function renderTolerations(scope: IConstruct, tolerations: Toleration[] | undefined): k8s.Toleration[] | undefined {
  if (tolerations === undefined) return undefined;
  if (!Array.isArray(tolerations)) {
    throw propError(scope, 'tolerations', tolerations, 'must be a list', 'write it like [{ key: "dedicated", value: "batch", effect: kplus.TaintEffect.NO_SCHEDULE }]');
  }
  return tolerations.map((t, i) => {
    const prop = `tolerations[${i}]`;
    if (t.key !== undefined && !isLabelKey(t.key)) {
      throw propError(scope, `${prop}.key`, t.key, 'not a valid taint key', 'write it like "dedicated" or "example.com/gpu"');
    }
    if (t.value !== undefined && (t.key === undefined || !isLabelValue(t.value))) {
      throw propError(scope, `${prop}.value`, t.value, t.key === undefined ? 'a value needs a key' : 'not a valid taint value', t.key === undefined ? 'add the key' : 'write it like "batch"');
    }
    if (t.effect !== undefined && !Object.values(kplus.TaintEffect).includes(t.effect)) {
      throw propError(scope, `${prop}.effect`, t.effect, 'not a taint effect', 'use kplus.TaintEffect.NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE');
    }
    if (t.tolerationSeconds !== undefined && t.effect !== kplus.TaintEffect.NO_EXECUTE) {
      throw propError(scope, `${prop}.tolerationSeconds`, t.tolerationSeconds.toSeconds({ integral: false }), 'only a NoExecute toleration has a time limit', 'set effect: kplus.TaintEffect.NO_EXECUTE or remove tolerationSeconds');
    }
    return {
      key: t.key,
      operator: t.value !== undefined ? 'Equal' : 'Exists',
      value: t.value,
      effect: t.effect,
      tolerationSeconds: durationSeconds(scope, `${prop}.tolerationSeconds`, t.tolerationSeconds, 0, 2 ** 31 - 1),
    };
  });
}

/** Validates `imagePullSecrets` (names of Secrets of the namespace) and renders them. */
export function renderImagePullSecrets(scope: IConstruct, names: string[] | undefined): k8s.LocalObjectReference[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names)) throw propError(scope, 'imagePullSecrets', names, 'must be a list of Secret names', 'write it like ["registry-credentials"]');
  names.forEach((n, i) => checkDnsSubdomain(scope, `imagePullSecrets[${i}]`, n));
  if (new Set(names).size !== names.length) throw propError(scope, 'imagePullSecrets', names, 'a name is listed twice', 'list each Secret once');
  return names.map(name => ({ name }));
}

/** Seconds of a Duration prop, refused when not a whole number in range. */
export function durationSeconds(scope: IConstruct, prop: string, d: Duration | undefined, min: number, max: number): number | undefined {
  if (d === undefined) return undefined;
  if (!(d instanceof Duration)) throw propError(scope, prop, d, 'not a Duration', 'write it like Duration.seconds(30)');
  const s = d.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < min || s > max) {
    throw propError(scope, prop, `${s}s`, `must be a whole number of seconds from ${min} to ${max}`, 'write it like Duration.seconds(30)');
  }
  return s;
}

/** A writable volume, resolved: its path, the quantity string and its bytes. */
export interface ResolvedWritable {
  readonly path: string;
  readonly prop: string;
  readonly sizeLimit: string;
  readonly bytes: number;
  /** The main container's writable path whose emptyDir is mounted here (`WritableVolume.sharedWith`). */
  readonly sharedWith?: string;
}

/** The Kubernetes quantity of a Size (whole KiB, written in the largest exact unit). */
export function sizeQuantity(size: Size): string {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (kib % (1024 * 1024) === 0) return `${kib / (1024 * 1024)}Gi`;
  if (kib % 1024 === 0) return `${kib / 1024}Mi`;
  return `${Math.ceil(kib)}Ki`;
}

/** Validates `writablePaths` and `writableVolumes` of one container; the default size applies to paths without their own. */
export function resolveWritable(scope: IConstruct, prefix: string, paths: string[] | undefined, volumes: WritableVolume[] | undefined,
  defaultLimit: string, defaultBytes: number): ResolvedWritable[] {
  const out: ResolvedWritable[] = [];
  (paths ?? []).forEach((path, i) => {
    const prop = `${prefix}writablePaths[${i}]`;
    checkAbsolutePath(scope, prop, path);
    out.push({ path, prop, sizeLimit: defaultLimit, bytes: defaultBytes });
  });
  if (volumes !== undefined && !Array.isArray(volumes)) {
    throw propError(scope, `${prefix}writableVolumes`, volumes, 'must be a list', 'write it like [{ path: "/cache", sizeLimit: Size.gibibytes(1) }]');
  }
  (volumes ?? []).forEach((v, i) => {
    const prop = `${prefix}writableVolumes[${i}]`;
    checkAbsolutePath(scope, `${prop}.path`, v?.path);
    if (out.some(o => o.path === v.path)) {
      throw propError(scope, `${prop}.path`, v.path, 'listed twice (in writablePaths or writableVolumes)', 'list each path once');
    }
    if (v.sharedWith !== undefined) {
      checkAbsolutePath(scope, `${prop}.sharedWith`, v.sharedWith);
      if (v.sizeLimit !== undefined) {
        throw propError(scope, `${prop}.sizeLimit`, v.path, 'the volume is the main container\'s, with its size limit', `remove sizeLimit, or set it on the main container's ${v.sharedWith}`);
      }
      out.push({ path: v.path, prop, sizeLimit: '', bytes: 0, sharedWith: v.sharedWith });
      return;
    }
    if (v.sizeLimit === undefined) {
      out.push({ path: v.path, prop, sizeLimit: defaultLimit, bytes: defaultBytes });
      return;
    }
    if (!(v.sizeLimit instanceof Size)) {
      throw propError(scope, `${prop}.sizeLimit`, v.sizeLimit, 'not a Size', 'write it like Size.mebibytes(256)');
    }
    const kib = v.sizeLimit.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!(kib > 0)) throw propError(scope, `${prop}.sizeLimit`, `${kib}Ki`, 'must be more than zero', 'write it like Size.mebibytes(256)');
    out.push({ path: v.path, prop, sizeLimit: sizeQuantity(v.sizeLimit), bytes: Math.ceil(kib) * 1024 });
  });
  return out;
}
