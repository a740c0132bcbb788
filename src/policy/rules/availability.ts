/* Availability: disruption budgets and autoscaling that does not fight `kubectl apply`. */
import { has, isKind, nsOf, obj, podOf, q } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';

const FAMILY = 'Availability';
const isScalable = (o: any) => isKind(o, 'Deployment', ['apps', 'extensions']) || isKind(o, 'StatefulSet', ['apps']);

/** The HPA in the set that scales `o`, if any. */
export function hpaFor(o: any, hpaByTarget: Map<string, any>): any | undefined {
  return hpaByTarget.get(`${nsOf(o)}/${String(o.kind).toLowerCase()}/${String(obj(o.metadata).name ?? '')}`);
}

export const PDB_COVERAGE: PolicyRule = {
  id: 'HARDENED-PDB-001',
  family: FAMILY,
  title: 'PodDisruptionBudget for replicated Deployments and StatefulSets',
  severity: RuleSeverity.ERROR,
  standards: ['kube-score deployment-has-poddisruptionbudget / statefulset-has-poddisruptionbudget', 'Polaris (PDB)'],
  explanation: 'Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at once.',
  fix: 'Add a PodDisruptionBudget (e.g. maxUnavailable: 1) whose selector matches the pod template labels.',
  evaluate: (o, ctx) => {
    if (!isScalable(o)) return [];
    const replicas = obj(o.spec).replicas;
    if (typeof replicas === 'number' && replicas < 2 && !hpaFor(o, ctx._index.hpaByTarget)) return [];
    const labels = podOf(o)!.meta.labels;
    const covered = ctx._index.pdbsFor.matching(nsOf(o), labels).length > 0;
    return covered ? [] : [{ path: ['spec', 'template', 'metadata', 'labels'], message: 'no PodDisruptionBudget in the set selects these pods' }];
  },
};

const isZero = (v: unknown) => v === 0 || v === '0' || v === '0%';
export const PDB_POLICY: PolicyRule = {
  id: 'HARDENED-PDB-002',
  family: FAMILY,
  title: 'PodDisruptionBudget has a policy that allows eviction',
  severity: RuleSeverity.ERROR,
  standards: ['kube-score poddisruptionbudget-has-policy', 'kube-linter pdb-max-unavailable / pdb-min-available'],
  explanation: 'A PDB without minAvailable/maxUnavailable does nothing; maxUnavailable 0 or minAvailable 100% blocks every node drain forever.',
  fix: 'Set maxUnavailable: 1 (or a minAvailable below the replica count).',
  evaluate: (o) => {
    if (!isKind(o, 'PodDisruptionBudget', ['policy'])) return [];
    const s = obj(o.spec);
    if (!has(s, 'minAvailable') && !has(s, 'maxUnavailable')) return [{ path: ['spec'], message: 'neither minAvailable nor maxUnavailable is set' }];
    if (has(s, 'maxUnavailable') && isZero(s.maxUnavailable)) return [{ path: ['spec', 'maxUnavailable'], message: `maxUnavailable ${q(s.maxUnavailable)} blocks every voluntary eviction` }];
    if (s.minAvailable === '100%') return [{ path: ['spec', 'minAvailable'], message: 'minAvailable "100%" blocks every voluntary eviction' }];
    return [];
  },
};

export const HPA_NO_REPLICAS: PolicyRule = {
  id: 'HARDENED-HPA-001',
  family: FAMILY,
  title: 'No spec.replicas when an HPA scales the workload',
  severity: RuleSeverity.ERROR,
  standards: ['kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured', 'Kubernetes HPA documentation (migrating to autoscaling)'],
  explanation: 'With spec.replicas set, every apply resets the replica count the HPA chose, scaling the workload down under load.',
  fix: 'Remove spec.replicas; let the HorizontalPodAutoscaler\'s minReplicas set the floor.',
  evaluate: (o, ctx) => {
    if (!isScalable(o) || !has(o.spec, 'replicas')) return [];
    const hpa = hpaFor(o, ctx._index.hpaByTarget);
    return hpa ? [{ path: ['spec', 'replicas'], message: `spec.replicas is ${o.spec.replicas} but HorizontalPodAutoscaler ${q(obj(hpa.metadata).name)} scales this ${o.kind}` }] : [];
  },
};

export const HPA_MIN_REPLICAS: PolicyRule = {
  id: 'HARDENED-HPA-002',
  family: FAMILY,
  title: 'HPA keeps at least 2 replicas',
  severity: RuleSeverity.WARNING,
  standards: ['kube-score horizontalpodautoscaler-replicas', 'Polaris hpaMinAvailability'],
  explanation: 'An HPA that may scale to one replica leaves the workload without redundancy during a restart or node failure.',
  fix: 'Set spec.minReplicas to 2 or more.',
  evaluate: (o) => {
    if (!isKind(o, 'HorizontalPodAutoscaler', ['autoscaling'])) return [];
    const min = obj(o.spec).minReplicas ?? 1;
    return typeof min === 'number' && min < 2 ? [{ path: ['spec', 'minReplicas'], message: `minReplicas is ${min}` }] : [];
  },
};

export const AVAILABILITY_RULES: PolicyRule[] = [PDB_COVERAGE, PDB_POLICY, HPA_NO_REPLICAS, HPA_MIN_REPLICAS];
