/* Disruption budgets and replica placement, shared by the long-running workloads. */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';

/** Options of `createDisruptionBudget`. */
export interface DisruptionBudgetOptions {
  readonly metadata: { readonly name: string; readonly labels: { [key: string]: string } };
  /** Labels that select exactly the workload's pods. */
  readonly selector: { [key: string]: string };
}

/**
 * The workload's PodDisruptionBudget: a drain may evict one pod at a time, whatever the replica
 * count (a minAvailable would block drains whenever an HPA sits at its minimum, and a single
 * replica could never be evicted), and pods that are not ready may always be evicted, so a
 * crash-looping pod cannot block a drain.
 */
export function createDisruptionBudget(scope: Construct, id: string, options: DisruptionBudgetOptions): k8s.KubePodDisruptionBudget {
  return new kube.KubePodDisruptionBudget(scope, id, {
    metadata: options.metadata,
    spec: {
      maxUnavailable: kube.intOrString(1),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: options.selector },
    },
  });
}

/** Options of `spreadPlacement`. */
export interface SpreadOptions {
  /**
   * Pod labels whose values split the pods into groups that are spread separately (a Deployment's
   * `pod-template-hash`, so a rolling update does not skew the spread). None for a StatefulSet,
   * whose pods carry no such stable per-revision label.
   */
  readonly matchLabelKeys?: string[];
}

/**
 * Topology spread over zones and nodes (ScheduleAnyway: a full zone never blocks scheduling) and
 * a preferred anti-affinity between replicas on one node.
 */
export function spreadPlacement(selector: { [key: string]: string }, options: SpreadOptions = {}): Pick<k8s.PodSpec, 'topologySpreadConstraints' | 'affinity'> {
  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    ...(options.matchLabelKeys ? { matchLabelKeys: options.matchLabelKeys } : {}),
  });
  return {
    topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
        }],
      },
    },
  };
}

/** Rollback history and rollout deadline of every Deployment the library emits. */
export const DEPLOYMENT_DEFAULTS = { revisionHistoryLimit: 10, progressDeadlineSeconds: 600 };

/**
 * A hardened Deployment spec: no `replicas` when an HPA owns the count (a value here would reset
 * the scale on every apply); a zero-downtime rolling update (a new pod must be ready before an
 * old one goes), or `Recreate` where a single-writer volume is mounted (a second pod could not
 * attach it, so a rolling update would stall); rollback history; a progress deadline; replicas
 * spread over zones and nodes, counting only this revision's pods (pod-template-hash) so a
 * rolling update does not skew the spread.
 */
export function deploymentSpec(pod: { readonly selector: Record<string, string>; renderTemplate(extra?: Partial<k8s.PodSpec>): k8s.PodTemplateSpec },
  fixedReplicas: number | undefined, recreate: boolean): k8s.DeploymentSpec {
  return {
    replicas: fixedReplicas,
    selector: { matchLabels: pod.selector },
    strategy: recreate
      ? { type: 'Recreate' }
      : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: kube.intOrString(0), maxSurge: kube.intOrString('25%') } },
    revisionHistoryLimit: DEPLOYMENT_DEFAULTS.revisionHistoryLimit,
    progressDeadlineSeconds: DEPLOYMENT_DEFAULTS.progressDeadlineSeconds,
    template: pod.renderTemplate(spreadPlacement(pod.selector, { matchLabelKeys: ['pod-template-hash'] })),
  };
}
