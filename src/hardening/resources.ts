import { Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { checkQuantity } from './validation';
import { WorkloadClass } from './workload-class';

/** A request and a limit for one resource. */
export interface ResourceRange {
  /** What the scheduler reserves for the container, e.g. "100m" or "128Mi". */
  readonly request: string;
  /** The most the container may use, e.g. "500m" or "256Mi"; at least `request`. */
  readonly limit: string;
}

/** Requests and limits for a container. Unset entries take the defaults of the workload class. */
export interface ContainerResources {
  /**
   * CPU, in cores or millicores.
   * @default - { request: '100m', limit: '500m' }; CRITICAL: { request: '500m', limit: '500m' }
   */
  readonly cpu?: ResourceRange;
  /**
   * Memory, in bytes with a binary suffix.
   * @default - { request: '128Mi', limit: '256Mi' }; CRITICAL: { request: '256Mi', limit: '256Mi' }
   */
  readonly memory?: ResourceRange;
  /**
   * Ephemeral storage: container logs, writable layer and the `writablePaths` emptyDirs.
   * @default - { request: '64Mi', limit: '256Mi' }; CRITICAL: { request: '256Mi', limit: '256Mi' }
   */
  readonly ephemeralStorage?: ResourceRange;
  /**
   * CPU as cdk8s-plus `Cpu` values (`{ request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) }`),
   * instead of `cpu`; both request and limit are needed.
   * @default - `cpu`
   */
  readonly cpuResources?: kplus.CpuResources;
  /**
   * Memory as cdk8s `Size` values (`{ request: Size.mebibytes(256), limit: Size.mebibytes(512) }`),
   * instead of `memory`; both request and limit are needed.
   * @default - `memory`
   */
  readonly memoryResources?: kplus.MemoryResources;
  /**
   * Ephemeral storage as cdk8s `Size` values, instead of `ephemeralStorage`; both request and
   * limit are needed.
   * @default - `ephemeralStorage`
   */
  readonly ephemeralStorageResources?: kplus.EphemeralStorageResources;
}

/** The quantity of a Size: whole KiB, in the largest exact binary unit. */
function sizeString(size: Size): string {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (kib % (1024 * 1024) === 0) return `${kib / (1024 * 1024)}Gi`;
  if (kib % 1024 === 0) return `${kib / 1024}Mi`;
  return `${Math.ceil(kib)}Ki`;
}

const TYPED: { key: 'cpu' | 'memory' | 'ephemeralStorage'; typed: 'cpuResources' | 'memoryResources' | 'ephemeralStorageResources'; example: string }[] = [
  { key: 'cpu', typed: 'cpuResources', example: '{ request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) }' },
  { key: 'memory', typed: 'memoryResources', example: '{ request: Size.mebibytes(256), limit: Size.mebibytes(512) }' },
  { key: 'ephemeralStorage', typed: 'ephemeralStorageResources', example: '{ request: Size.mebibytes(64), limit: Size.mebibytes(256) }' },
];

/** The string ranges of `props`, with the typed forms converted (refused when both forms are given, or incomplete). */
function stringRanges(scope: IConstruct, props: ContainerResources | undefined, prefix: string): ContainerResources | undefined {
  if (!props) return props;
  const out: { [k: string]: ResourceRange | undefined } = { cpu: props.cpu, memory: props.memory, ephemeralStorage: props.ephemeralStorage };
  for (const { key, typed, example } of TYPED) {
    const range = props[typed] as { request?: kplus.Cpu | Size; limit?: kplus.Cpu | Size } | undefined;
    if (range === undefined) continue;
    if (props[key] !== undefined) {
      throw propError(scope, `${prefix}.${typed}`, '(typed)', `both ${key} and ${typed} are given`, 'keep one of them');
    }
    const convert = (v: kplus.Cpu | Size | undefined, which: string): string => {
      if (key === 'cpu' && v instanceof kplus.Cpu) return v.amount;
      if (key !== 'cpu' && v instanceof Size) return sizeString(v);
      throw propError(scope, `${prefix}.${typed}.${which}`, v === undefined ? undefined : typeof v, `needs a ${key === 'cpu' ? 'kplus.Cpu' : 'Size'}`, `write it like ${example}`);
    };
    out[key] = { request: convert(range.request, 'request'), limit: convert(range.limit, 'limit') };
  }
  return out as ContainerResources;
}

/** The documented defaults, by QoS: Burstable (STANDARD, BATCH, no class) and Guaranteed (CRITICAL). */
type StringResources = { readonly cpu: ResourceRange; readonly memory: ResourceRange; readonly ephemeralStorage: ResourceRange };
export const DEFAULT_RESOURCES: { readonly burstable: StringResources; readonly guaranteed: StringResources } = {
  burstable: {
    cpu: { request: '100m', limit: '500m' },
    memory: { request: '128Mi', limit: '256Mi' },
    ephemeralStorage: { request: '64Mi', limit: '256Mi' },
  },
  guaranteed: {
    cpu: { request: '500m', limit: '500m' },
    memory: { request: '256Mi', limit: '256Mi' },
    ephemeralStorage: { request: '256Mi', limit: '256Mi' },
  },
};

/** Validated resources, with the ephemeral-storage limit in bytes for the emptyDir budget. */
export interface ResolvedResources {
  readonly requirements: k8s.ResourceRequirements;
  readonly ephemeralLimitBytes: number;
}

const RESOURCES: { key: keyof StringResources; k8sName: string; example: string }[] = [
  { key: 'cpu', k8sName: 'cpu', example: '250m' },
  { key: 'memory', k8sName: 'memory', example: '256Mi' },
  { key: 'ephemeralStorage', k8sName: 'ephemeral-storage', example: '128Mi' },
];

/**
 * Resolves and validates requests and limits: every resource gets both (kube-score and Polaris
 * want them; without a memory limit one leak takes down the node's other pods), the limit is
 * never below the request, and CRITICAL work gets requests equal to limits (Guaranteed QoS).
 */
export function resolveResources(scope: IConstruct, props: ContainerResources | undefined, workloadClass: WorkloadClass | undefined, propPrefix = 'resources'): ResolvedResources {
  props = stringRanges(scope, props, propPrefix);
  const guaranteed = workloadClass?.guaranteed ?? false;
  const defaults = guaranteed ? DEFAULT_RESOURCES.guaranteed : DEFAULT_RESOURCES.burstable;
  const requests: Record<string, k8s.Quantity> = {};
  const limits: Record<string, k8s.Quantity> = {};
  let ephemeralLimitBytes = 0;
  for (const { key, k8sName, example } of RESOURCES) {
    const range = props?.[key] ?? defaults[key];
    const prop = `${propPrefix}.${key}`;
    const request = checkQuantity(scope, `${prop}.request`, range.request, example);
    const limit = checkQuantity(scope, `${prop}.limit`, range.limit, example);
    if (limit < request) {
      throw propError(scope, prop, range, 'the limit is below the request', `raise the limit to at least ${JSON.stringify(range.request)} or lower the request`);
    }
    if (guaranteed && limit !== request) {
      throw propError(scope, prop, range, 'workloadClass CRITICAL runs with Guaranteed QoS, which needs the request equal to the limit',
        `set both to ${JSON.stringify(range.limit)}, or choose WorkloadClass.STANDARD`);
    }
    requests[k8sName] = kube.quantity(range.request);
    limits[k8sName] = kube.quantity(range.limit);
    if (key === 'ephemeralStorage') ephemeralLimitBytes = limit;
  }
  return { requirements: { requests, limits }, ephemeralLimitBytes };
}
