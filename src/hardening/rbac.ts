/*
 * RBAC facts of Kubernetes 1.28 used by NamespaceRole: which resources exist in which built-in
 * API group, which of them are cluster-scoped, and the canonical (merged, sorted) form of rules.
 */

/** The RBAC API group. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The verbs a Role may grant, in the order Kubernetes documents them (also the output order). */
export const STANDARD_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** Cluster-scoped resources per API group: a Role cannot grant them. */
export const CLUSTER_SCOPED_RESOURCES: Record<string, string[]> = {
  '': ['componentstatuses', 'namespaces', 'nodes', 'persistentvolumes'],
  'admissionregistration.k8s.io': ['mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'validatingwebhookconfigurations'],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  'authentication.k8s.io': ['selfsubjectreviews', 'tokenreviews'],
  'authorization.k8s.io': ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'],
  'certificates.k8s.io': ['certificatesigningrequests', 'clustertrustbundles'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
  'internal.apiserver.k8s.io': ['storageversions'],
  'metrics.k8s.io': ['nodes'],
  'networking.k8s.io': ['clustercidrs', 'ingressclasses', 'ipaddresses', 'servicecidrs'],
  'node.k8s.io': ['runtimeclasses'],
  'policy': ['podsecuritypolicies'],
  'rbac.authorization.k8s.io': ['clusterrolebindings', 'clusterroles'],
  'resource.k8s.io': ['resourceclasses'],
  'scheduling.k8s.io': ['priorityclasses'],
  'snapshot.storage.k8s.io': ['volumesnapshotclasses', 'volumesnapshotcontents'],
  'storage.k8s.io': ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments', 'volumeattributesclasses'],
};

/** Namespaced resources of the built-in API groups (Kubernetes 1.28, plus metrics.k8s.io). */
const NAMESPACED_RESOURCES: Record<string, string[]> = {
  '': ['bindings', 'configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'podtemplates',
    'replicationcontrollers', 'resourcequotas', 'secrets', 'serviceaccounts', 'services'],
  'admissionregistration.k8s.io': [],
  'apiextensions.k8s.io': [],
  'apiregistration.k8s.io': [],
  'apps': ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  'authentication.k8s.io': [],
  'authorization.k8s.io': ['localsubjectaccessreviews'],
  'autoscaling': ['horizontalpodautoscalers'],
  'batch': ['cronjobs', 'jobs'],
  'certificates.k8s.io': [],
  'coordination.k8s.io': ['leases'],
  'discovery.k8s.io': ['endpointslices'],
  'events.k8s.io': ['events'],
  'flowcontrol.apiserver.k8s.io': [],
  'internal.apiserver.k8s.io': [],
  'metrics.k8s.io': ['pods'],
  'networking.k8s.io': ['ingresses', 'networkpolicies'],
  'node.k8s.io': [],
  'policy': ['poddisruptionbudgets'],
  'rbac.authorization.k8s.io': ['rolebindings', 'roles'],
  'resource.k8s.io': ['podschedulingcontexts', 'resourceclaims', 'resourceclaimtemplates'],
  'scheduling.k8s.io': [],
  'storage.k8s.io': ['csistoragecapacities'],
};

/** Whether `group` is an API group Kubernetes itself serves (so its resource list is known). */
export function isBuiltinGroup(group: string): boolean {
  return group in NAMESPACED_RESOURCES;
}

/** The built-in API groups that serve `resource` (namespaced or cluster-scoped). */
export function knownGroupsOf(resource: string): string[] {
  return Object.keys(NAMESPACED_RESOURCES).filter(g => NAMESPACED_RESOURCES[g].includes(resource) || (CLUSTER_SCOPED_RESOURCES[g] ?? []).includes(resource));
}

/** A rule in canonical form. */
export interface CanonicalRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const ALL = '\u0000all';
const SEP = '\u0001';
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const verbOrder = (a: string, b: string) => {
  const ia = STANDARD_VERBS.indexOf(a);
  const ib = STANDARD_VERBS.indexOf(b);
  return ia !== ib ? (ia < 0 ? 1 : ib < 0 ? -1 : ia - ib) : byString(a, b);
};
function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t); else m.set(k, [t]);
  }
  return m;
}

/**
 * The canonical form of a set of rules: exactly the same permissions, duplicates merged, every
 * list deduplicated and sorted, the rules sorted. Permissions are first expanded to
 * (group, resource, verb) → names, where a verb granted without resourceNames absorbs the named
 * grants; then rules that differ in one dimension only are merged, in a fixed order (verbs, then
 * resources, then groups), so that the same permissions in any order give the same rules.
 */
export function normalizeRules(rules: CanonicalRule[]): CanonicalRule[] {
  // (group, resource, verb) → the set of names, or ALL.
  const grants = new Map<string, Set<string> | typeof ALL>();
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        for (const v of r.verbs) {
          const key = [g, res, v].join(SEP);
          const current = grants.get(key);
          if (r.resourceNames === undefined || current === ALL) {
            grants.set(key, ALL);
          } else {
            const names = current ?? new Set<string>();
            r.resourceNames.forEach(n => names.add(n));
            grants.set(key, names);
          }
        }
      }
    }
  }
  type Atom = { g: string[]; r: string[]; v: string[]; n: string };
  let atoms: Atom[] = [...grants.entries()].map(([key, names]) => {
    const [g, r, v] = key.split(SEP);
    return { g: [g], r: [r], v: [v], n: names === ALL ? ALL : [...names].sort(byString).join(SEP) };
  });
  const merge = (dim: 'g' | 'r' | 'v') => {
    const others = (['g', 'r', 'v'] as const).filter(d => d !== dim);
    atoms = [...groupBy(atoms, a => [...others.map(d => a[d].join(SEP)), a.n].join('\u0002')).values()].map(list => ({
      ...list[0],
      [dim]: [...new Set(list.flatMap(a => a[dim]))].sort(dim === 'v' ? verbOrder : byString),
    }));
  };
  merge('v');
  merge('r');
  merge('g');
  const out: CanonicalRule[] = atoms.map(a => ({
    apiGroups: a.g,
    resources: a.r,
    verbs: a.v,
    ...(a.n === ALL ? {} : { resourceNames: a.n.split(SEP) }),
  }));
  const sortKey = (r: CanonicalRule) => [r.apiGroups.join(','), r.resources.join(','), r.resourceNames?.join(',') ?? '', r.verbs.map(v => String(STANDARD_VERBS.indexOf(v)).padStart(2, '0')).join(',')].join('\u0002');
  return out.sort((a, b) => byString(sortKey(a), sortKey(b)));
}
