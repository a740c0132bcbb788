/* Network isolation: every workload's pods are selected by NetworkPolicies for both directions. */
import { arr, isKind, isMap, nsOf, obj, podOf, runsPods, SelectorIndex } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';

const FAMILY = 'Network';

/** Which directions the NetworkPolicies in the set cover for the pods of `o`. */
export function networkCoverage(o: any, policies: SelectorIndex): { ingress: boolean; egress: boolean } {
  const pod = podOf(o);
  let ingress = false;
  let egress = false;
  if (!pod) return { ingress, egress };
  for (const np of policies.matching(nsOf(o), pod.meta.labels)) {
    const spec = obj(np.spec);
    const types = arr(spec.policyTypes);
    if (!types.length) {
      ingress = true;
      if (arr(spec.egress).length) egress = true;
    } else {
      if (types.includes('Ingress')) ingress = true;
      if (types.includes('Egress')) egress = true;
    }
  }
  return { ingress, egress };
}

export const NETWORK_POLICY_COVERAGE: PolicyRule = {
  id: 'HARDENED-NET-001',
  family: FAMILY,
  title: 'Pods selected by NetworkPolicies for ingress and egress',
  severity: RuleSeverity.ERROR,
  standards: ['NSA/CISA Kubernetes Hardening Guide: network separation', 'kube-score pod-networkpolicy', 'Polaris missingNetworkPolicy'],
  explanation: 'Pods that no NetworkPolicy selects accept traffic from, and send traffic to, anything in the cluster; a compromised pod can reach every other.',
  fix: 'Add a NetworkPolicy in the same namespace (and chart) that selects the pod template labels, with policyTypes [Ingress, Egress] and the allowed peers.',
  evaluate: (o, ctx) => {
    if (!runsPods(o)) return [];
    const { ingress, egress } = networkCoverage(o, ctx._index.networkPoliciesFor);
    const missing = [ingress ? '' : 'ingress', egress ? '' : 'egress'].filter(Boolean);
    return missing.length
      ? [{ path: [...podOf(o)!.metaPath, 'labels'], message: `no NetworkPolicy in the set selects these pods for ${missing.join(' and ')}` }] : [];
  },
};

export const NETWORK_POLICY_TARGETS: PolicyRule = {
  id: 'HARDENED-NET-002',
  family: FAMILY,
  title: 'NetworkPolicy selects some pod',
  severity: RuleSeverity.WARNING,
  standards: ['kube-score networkpolicy-targets-pod'],
  explanation: 'A NetworkPolicy whose podSelector matches no pod in the set protects nothing (usually a label typo).',
  fix: 'Fix spec.podSelector to match the pod template labels of the workload.',
  evaluate: (o, ctx) => {
    if (!isKind(o, 'NetworkPolicy', ['networking.k8s.io'])) return [];
    const sel = obj(o.spec).podSelector;
    const hit = ctx._index.podLabels.anyMatches(nsOf(o), isMap(sel) ? sel : {});
    return hit ? [] : [{ path: ['spec', 'podSelector'], message: 'the podSelector matches no pod in the set' }];
  },
};

/** Rules of a NetworkPolicy that name no peers: `from`/`to` missing or empty means "anyone". */
function openRules(o: any): { path: (string | number)[]; direction: string; ports: boolean }[] {
  if (!isKind(o, 'NetworkPolicy', ['networking.k8s.io'])) return [];
  const spec = obj(o.spec);
  const out: { path: (string | number)[]; direction: string; ports: boolean }[] = [];
  for (const [field, peers, direction] of [['ingress', 'from', 'from any source'], ['egress', 'to', 'to any destination']] as const) {
    arr(spec[field]).forEach((r, i) => {
      const rule = obj(r);
      if (arr(rule[peers]).length === 0) out.push({ path: ['spec', field, i], direction, ports: arr(rule.ports).length > 0 });
    });
  }
  return out;
}

export const NETWORK_POLICY_ALLOWS_ALL: PolicyRule = {
  id: 'HARDENED-NET-003',
  family: FAMILY,
  title: 'No NetworkPolicy rule that allows all traffic',
  severity: RuleSeverity.ERROR,
  standards: ['NSA/CISA Kubernetes Hardening Guide: network separation (default deny)'],
  explanation: 'A rule with no peers and no ports (e.g. `ingress: [{}]`) allows every source or destination on every port: the policy then isolates nothing in that direction.',
  fix: 'Name the peers (pods, namespaces or ipBlocks) and ports the workload needs; for the whole internet say so explicitly with ipBlock 0.0.0.0/0 and the port.',
  evaluate: (o) => openRules(o).filter((r) => !r.ports)
    .map((r) => ({ path: r.path, message: `${r.path.slice(1).join('[')}] allows all traffic ${r.direction} on every port` })),
};

export const NETWORK_POLICY_ANY_PEER: PolicyRule = {
  id: 'HARDENED-NET-004',
  family: FAMILY,
  title: 'NetworkPolicy rules name their peers',
  severity: RuleSeverity.WARNING,
  standards: ['NSA/CISA Kubernetes Hardening Guide: network separation'],
  explanation: 'A rule without `from`/`to` (or with an empty list) admits every pod of every namespace and every address, not just the clients or servers the workload talks to.',
  fix: 'List the peers: podSelector/namespaceSelector for in-cluster clients, ipBlock for outside addresses (0.0.0.0/0 if you really mean everyone).',
  evaluate: (o) => openRules(o).filter((r) => r.ports)
    .map((r) => ({ path: r.path, message: `${r.path.slice(1).join('[')}] allows traffic ${r.direction} on its ports` })),
};

export const NETWORK_RULES: PolicyRule[] = [NETWORK_POLICY_COVERAGE, NETWORK_POLICY_TARGETS, NETWORK_POLICY_ALLOWS_ALL, NETWORK_POLICY_ANY_PEER];
