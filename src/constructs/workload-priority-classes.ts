import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { LABEL_MANAGED_BY, LABEL_PART_OF } from '../hardening/labels';
import { _markPriorityClassesDeployed, WorkloadClass } from '../hardening/workload-class';
import { sameCopies } from '../hardening/single-copy';

/**
 * The PriorityClass objects behind `WorkloadClass.CRITICAL`, `STANDARD` and `BATCH`. A platform
 * team deploys this once per cluster (PriorityClasses are cluster-scoped); workloads that choose
 * a class only name it, and the API server refuses their pods while the class is missing.
 */
export class WorkloadPriorityClasses extends Construct {
  /** The PriorityClasses, highest first. */
  public readonly priorityClasses: k8s.KubePriorityClass[];

  constructor(scope: Construct, id: string) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    _markPriorityClassesDeployed(this);
    this.priorityClasses = WorkloadClass.all().map(c => {
      const pc = new kube.KubePriorityClass(this, c.name, {
        metadata: {
          name: c.priorityClassName,
          labels: { [LABEL_PART_OF]: 'cdk8s-hardened', [LABEL_MANAGED_BY]: 'cdk8s-hardened' },
        },
        value: c.priority,
        preemptionPolicy: c.preemptionPolicy,
        globalDefault: false,
        description: c.description,
      });
      return pc; // cluster-scoped: kube.KubePriorityClass drops a chart's namespace at rendering
    });
  }
}
