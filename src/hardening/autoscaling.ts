import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { checkInteger } from './validation';

/** Horizontal pod autoscaling of a workload (autoscaling/v2). */
export interface AutoscalingOptions {
  /**
   * Whether an HPA scales the app. When false, `replicas` sets a fixed count.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Fewest replicas; at least 2 keeps the app up while a node drains.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU use, in percent of the CPU request, that the HPA keeps the pods at.
   * @default 70
   */
  readonly cpuTargetUtilizationPercent?: number;
  /**
   * Average memory use, in percent of the memory request, that the HPA keeps the pods at.
   * @default - no memory target
   */
  readonly memoryTargetUtilizationPercent?: number;
  /**
   * How long load must stay low before the HPA removes pods, against flapping.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/** The documented defaults of AutoscalingOptions (tested against the rendered HPA). */
export const AUTOSCALING_DEFAULTS = { minReplicas: 2, maxReplicas: 10, cpuTargetUtilizationPercent: 70, scaleDownStabilizationSeconds: 300 };

/** A validated HPA configuration. */
export interface ResolvedAutoscaling {
  readonly min: number;
  readonly max: number;
  readonly cpu: number;
  readonly memory?: number;
  readonly stabilization: number;
}

/** How a Deployment is scaled: a fixed count, or an HPA (then no `spec.replicas`). */
export interface ResolvedScaling {
  /** `spec.replicas`; undefined when an HPA owns the count. */
  readonly fixedReplicas?: number;
  /** The most pods the workload can have (for single-writer volume checks). */
  readonly maxPods: number;
  readonly hpa?: ResolvedAutoscaling;
}

/** Refuses a replica count below 1 (or not a whole number). */
export function checkReplicas(scope: IConstruct, replicas: number): void {
  checkInteger(scope, 'replicas', replicas, 1, 10000, 'use at least 1 replica (2 or more to survive a node drain)');
}

/**
 * Validates `autoscaling` and `replicas` of an autoscalable workload: either an HPA (on by
 * default; a fixed `replicas` then conflicts with it) or, with `enabled: false`, a fixed count.
 */
export function resolveScaling(scope: IConstruct, autoscaling: AutoscalingOptions | undefined, replicas: number | undefined, defaultReplicas: number): ResolvedScaling {
  const a = autoscaling ?? {};
  const d = AUTOSCALING_DEFAULTS;
  if (a.enabled === false) {
    const fixed = replicas ?? defaultReplicas;
    checkReplicas(scope, fixed);
    return { fixedReplicas: fixed, maxPods: fixed };
  }
  if (replicas !== undefined) {
    throw propError(scope, 'replicas', replicas, 'a fixed replica count conflicts with autoscaling (the HPA owns the count; a fixed value resets it on every apply)',
      'set autoscaling.minReplicas instead, or turn autoscaling off with autoscaling: { enabled: false }');
  }
  const min = a.minReplicas ?? d.minReplicas;
  const max = a.maxReplicas ?? d.maxReplicas;
  checkInteger(scope, 'autoscaling.minReplicas', min, 1, 10000, 'use at least 1 (2 or more to survive a node drain)');
  checkInteger(scope, 'autoscaling.maxReplicas', max, 1, 10000, 'use a whole number of at least minReplicas');
  if (min > max) {
    throw propError(scope, 'autoscaling', { minReplicas: min, maxReplicas: max }, 'minReplicas is greater than maxReplicas', `raise maxReplicas to at least ${min} or lower minReplicas`);
  }
  const cpu = a.cpuTargetUtilizationPercent ?? d.cpuTargetUtilizationPercent;
  checkInteger(scope, 'autoscaling.cpuTargetUtilizationPercent', cpu, 1, 100, 'use a percentage from 1 to 100 (70 by default)');
  if (a.memoryTargetUtilizationPercent !== undefined) {
    checkInteger(scope, 'autoscaling.memoryTargetUtilizationPercent', a.memoryTargetUtilizationPercent, 1, 100, 'use a percentage from 1 to 100');
  }
  const stabilization = a.scaleDownStabilizationSeconds ?? d.scaleDownStabilizationSeconds;
  checkInteger(scope, 'autoscaling.scaleDownStabilizationSeconds', stabilization, 0, 3600, 'use 0 to 3600 seconds');
  return { maxPods: max, hpa: { min, max, cpu, memory: a.memoryTargetUtilizationPercent, stabilization } };
}

/** Options of `createAutoscaler`. */
export interface AutoscalerOptions {
  readonly metadata: { readonly name: string; readonly labels: { [key: string]: string } };
  /** Kind of the scaled object (`Deployment`, `StatefulSet`). */
  readonly targetKind: string;
  readonly autoscaling: ResolvedAutoscaling;
}

/** The HorizontalPodAutoscaler (autoscaling/v2) of a workload: CPU (and memory) targets, damped scale-down. */
export function createAutoscaler(scope: Construct, id: string, options: AutoscalerOptions): k8s.KubeHorizontalPodAutoscalerV2 {
  const a = options.autoscaling;
  const metrics: k8s.MetricSpecV2[] = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpu } } },
  ];
  if (a.memory !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memory } } });
  }
  return new kube.KubeHorizontalPodAutoscalerV2(scope, id, {
    metadata: options.metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: options.targetKind, name: options.metadata.name },
      minReplicas: a.min,
      maxReplicas: a.max,
      metrics,
      behavior: { scaleDown: { stabilizationWindowSeconds: a.stabilization } },
    },
  });
}
