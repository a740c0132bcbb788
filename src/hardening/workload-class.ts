import { IConstruct } from 'constructs';

/** Apps (construct roots) that deploy the PriorityClasses (WorkloadPriorityClasses). */
const DEPLOYED = new WeakSet<IConstruct>();

/** Records that the app of `scope` deploys the PriorityClasses of the workload classes. @internal */
export function _markPriorityClassesDeployed(scope: IConstruct): void {
  DEPLOYED.add(scope.node.root);
}

/** Whether the app of `scope` deploys the PriorityClasses of the workload classes. @internal */
export function _priorityClassesDeployed(scope: IConstruct): boolean {
  return DEPLOYED.has(scope.node.root);
}

/**
 * How a workload ranks when the cluster is short of capacity. Each class names a
 * PriorityClass that `WorkloadPriorityClasses` creates; deploy that construct once per cluster
 * (the API server refuses every pod that names a PriorityClass the cluster lacks).
 */
export class WorkloadClass {
  /**
   * Must keep running: Guaranteed QoS (requests equal limits, so the kubelet evicts it last)
   * and the highest priority of the three; preempts lower-priority pods when the cluster is full.
   */
  public static readonly CRITICAL = new WorkloadClass('critical', 'hardened-critical', 100000, 'PreemptLowerPriority',
    'Critical workloads (cdk8s-hardened): Guaranteed QoS, scheduled first, may preempt lower classes.');
  /** Ordinary services: Burstable QoS, normal priority, may preempt batch work. */
  public static readonly STANDARD = new WorkloadClass('standard', 'hardened-standard', 1000, 'PreemptLowerPriority',
    'Standard workloads (cdk8s-hardened): normal priority.');
  /** Best-effort and batch work: lowest of the three, never preempts anything. */
  public static readonly BATCH = new WorkloadClass('batch', 'hardened-batch', 100, 'Never',
    'Batch and best-effort workloads (cdk8s-hardened): low priority, never preempts other pods.');

  /** All classes, highest first. */
  public static all(): WorkloadClass[] {
    return [WorkloadClass.CRITICAL, WorkloadClass.STANDARD, WorkloadClass.BATCH];
  }

  private constructor(
    /** Short name of the class. */
    public readonly name: string,
    /** Name of the PriorityClass object behind this class. */
    public readonly priorityClassName: string,
    /** Priority value of that PriorityClass. */
    public readonly priority: number,
    /** `preemptionPolicy` of that PriorityClass. */
    public readonly preemptionPolicy: string,
    /** Description written into the PriorityClass. */
    public readonly description: string,
  ) {}

  /** Whether pods of this class get Guaranteed QoS (requests equal to limits). */
  public get guaranteed(): boolean {
    return this === WorkloadClass.CRITICAL;
  }
}
