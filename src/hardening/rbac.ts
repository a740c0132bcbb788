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

// ------------------------------------------------------------------ the RBAC risk model ---
// One model of what makes an RBAC rule dangerous, after the Kubernetes documentation "Role Based
// Access Control Good Practices" (privilege escalation risks). NamespaceRole refuses a rule with
// a risk unless it is acknowledged; the policy gate and `check` report the same risks on any
// Role or ClusterRole (HARDENED-RBAC-004 to -007, -010 and -011), so raw RBAC that NamespaceRole
// would refuse never passes the gate.

/**
 * The privilege-escalation paths a NamespaceRole refuses unless acknowledged with a reason. The
 * ids are stable: they are written into acknowledgements and into the Role's annotation.
 */
export enum RbacRisk {
  /** get without resourceNames, or list/watch at all, on Secrets: reveals Secret contents (also other ServiceAccounts' tokens). */
  SECRETS = 'HARDENED-RBAC-SECRETS',
  /** create, update or patch on pods or workload controllers: runs any image as any ServiceAccount of the namespace, with its Secrets. */
  WORKLOADS = 'HARDENED-RBAC-WORKLOADS',
  /** pods/exec, pods/attach, pods/portforward, or writing pods/ephemeralcontainers: commands and connections inside other pods. */
  EXEC = 'HARDENED-RBAC-EXEC',
  /** pods/proxy or services/proxy: reaches pods through the API server, past their NetworkPolicies. */
  PROXY = 'HARDENED-RBAC-PROXY',
  /**
   * create on serviceaccounts/token, or create/update/patch on secrets: mints tokens of any
   * ServiceAccount of the namespace (a `kubernetes.io/service-account-token` Secret gets a token
   * that never expires).
   */
  TOKEN = 'HARDENED-RBAC-TOKEN',
  /** writes to roles or rolebindings: hands the subject's own permissions to anyone. */
  RBAC_WRITE = 'HARDENED-RBAC-RBAC-WRITE',
}

/** The policy rule (gate and `check`) that reports each risk. */
export const RBAC_RISK_RULE: Record<RbacRisk, string> = {
  [RbacRisk.SECRETS]: 'HARDENED-RBAC-004',
  [RbacRisk.EXEC]: 'HARDENED-RBAC-005',
  [RbacRisk.WORKLOADS]: 'HARDENED-RBAC-006',
  [RbacRisk.TOKEN]: 'HARDENED-RBAC-007',
  [RbacRisk.PROXY]: 'HARDENED-RBAC-010',
  [RbacRisk.RBAC_WRITE]: 'HARDENED-RBAC-011',
};

/** One risk of one rule. */
export interface RbacRiskFinding {
  readonly risk: RbacRisk;
  readonly problem: string;
  readonly fix: string;
}

/** An RBAC PolicyRule as found in YAML: anything may be missing or wildcarded. */
export interface RbacRuleShape {
  readonly apiGroups?: unknown;
  readonly resources?: unknown;
  readonly verbs?: unknown;
  readonly resourceNames?: unknown;
}

/** Pods and the controllers that create them, by API group. */
export const WORKLOAD_RESOURCES: Record<string, string[]> = {
  '': ['pods', 'replicationcontrollers'],
  'apps': ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  'batch': ['cronjobs', 'jobs'],
};
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * Subjects that name (nearly) everyone, or Kubernetes itself: NamespaceRole refuses them and the
 * gate reports a binding to them (HARDENED-RBAC-008).
 */
export const SYSTEM_SUBJECTS: Record<string, string> = {
  'system:masters': 'system:masters bypasses RBAC entirely; a binding to it is at best a no-op and at worst a sign of confusion',
  'system:authenticated': 'system:authenticated is every user and every ServiceAccount of the cluster',
  'system:unauthenticated': 'system:unauthenticated is anyone who can reach the API server',
  'system:anonymous': 'system:anonymous is anyone who can reach the API server',
  'system:serviceaccounts': 'system:serviceaccounts is every ServiceAccount of every namespace',
};

/** Why binding `name` (a User or Group) is refused, or undefined. */
export function systemSubjectProblem(name: string): string | undefined {
  if (SYSTEM_SUBJECTS[name]) return SYSTEM_SUBJECTS[name];
  if (name.startsWith('system:serviceaccounts:')) return `${name} is every ServiceAccount of the namespace ${name.slice('system:serviceaccounts:'.length)}`;
  return undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The risks of one RBAC rule (wildcards grant everything they match). */
export function rbacRisks(rule: RbacRuleShape): RbacRiskFinding[] {
  const groups = strings(rule.apiGroups);
  const resources = strings(rule.resources);
  const verbs = strings(rule.verbs);
  const named = Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0;
  const inGroup = (g: string) => groups.includes(g) || groups.includes('*');
  /** The resources of `wanted` that the rule covers ("*", "pods/*", "*\/proxy" match too). */
  const res = (...wanted: string[]) => wanted.filter((w) => resources.some((r) => {
    if (r === w || r === '*') return true;
    const [base, sub] = r.split('/');
    const [wb, ws] = w.split('/');
    return sub !== undefined && ws !== undefined && (base === '*' || base === wb) && (sub === '*' || sub === ws);
  }));
  const has = (...wanted: string[]) => (verbs.includes('*') ? wanted : wanted.filter((v) => verbs.includes(v)));
  const out: RbacRiskFinding[] = [];
  const core = inGroup('');

  if (core && res('secrets').length) {
    const listing = has('list', 'watch');
    const getAll = named ? [] : has('get');
    if (listing.length || getAll.length) {
      out.push({
        risk: RbacRisk.SECRETS,
        problem: !named
          ? `${[...getAll, ...listing].join(', ')} on every Secret of the namespace reveals their contents, including other ServiceAccounts' tokens and credentials (list and watch return the data too)`
          : `${listing.join(' and ')} on Secrets, even with resourceNames, is authorized only for requests with a metadata.name field selector; ordinary clients are refused, and the rule invites dropping resourceNames`,
        fix: 'grant get on the named Secrets only (RoleRules.readSecrets("name")), or better mount the Secret into the pod',
      });
    }
    const writes = has('create', 'update', 'patch');
    if (writes.length) {
      out.push({
        risk: RbacRisk.TOKEN,
        problem: `${writes.join(', ')} on Secrets lets the subject create (or turn a Secret into) a kubernetes.io/service-account-token Secret for any ServiceAccount of the namespace, and the token the controller writes into it never expires`,
        fix: 'let a controller or the sealed-secrets controller manage Secrets; the workload should only read the Secrets mounted into it',
      });
    }
  }
  const workloadHits: string[] = [];
  for (const [group, kinds] of Object.entries(WORKLOAD_RESOURCES)) if (inGroup(group)) workloadHits.push(...res(...kinds));
  const workloadVerbs = has('create', 'update', 'patch');
  if (workloadHits.length && workloadVerbs.length) {
    out.push({
      risk: RbacRisk.WORKLOADS,
      problem: `${workloadVerbs.join(', ')} on ${[...new Set(workloadHits)].join(', ')} runs any image as any ServiceAccount of the namespace, with every Secret and ConfigMap mounted (update and patch change the pod template or image)`,
      fix: 'grant only what the subject needs (e.g. deployments/scale for scaling, read access for dashboards)',
    });
  }
  if (core) {
    const exec = verbs.length ? res('pods/exec', 'pods/attach', 'pods/portforward') : [];
    const ephemeral = has('update', 'patch').length ? res('pods/ephemeralcontainers') : [];
    if (exec.length + ephemeral.length) {
      out.push({
        risk: RbacRisk.EXEC,
        problem: `${[...exec, ...ephemeral].join(', ')} runs commands in or opens connections into other pods, with their identity, Secrets and network access (get is enough for exec over a WebSocket)`,
        fix: 'remove it; use logs (pods/log) for diagnosis, and a break-glass procedure for interactive access',
      });
    }
    const proxy = verbs.length ? res('pods/proxy', 'services/proxy', 'nodes/proxy') : [];
    if (proxy.length) {
      out.push({
        risk: RbacRisk.PROXY,
        problem: `${proxy.join(', ')} reaches pods${proxy.includes('nodes/proxy') ? ' and the kubelet API of nodes' : ''} through the API server, past their NetworkPolicies`,
        fix: 'remove it; allow the caller in the target\'s NetworkPolicy instead',
      });
    }
    if (res('serviceaccounts/token').length && has('create').length) {
      out.push({
        risk: RbacRisk.TOKEN,
        problem: 'create on serviceaccounts/token mints API tokens of any ServiceAccount of the namespace (resourceNames narrow it), and with them their permissions',
        fix: 'remove it; a workload gets its own token by being granted a role (projected, short-lived)',
      });
    }
  }
  if (inGroup(RBAC_GROUP)) {
    const hit = res('roles', 'rolebindings', 'clusterroles', 'clusterrolebindings');
    const writes = has(...WRITE_VERBS);
    if (hit.length && writes.length) {
      out.push({
        risk: RbacRisk.RBAC_WRITE,
        problem: `${writes.join(', ')} on ${hit.join(', ')} lets the subject hand its own permissions to anyone, and remove others'`,
        fix: 'manage RBAC in code (NamespaceRole) and deploy it with the platform\'s pipeline, not from inside the namespace',
      });
    }
  }
  return out;
}
