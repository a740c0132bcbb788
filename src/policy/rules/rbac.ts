/*
 * RBAC, after the Kubernetes documentation "Role Based Access Control Good Practices"
 * (concepts/security/rbac-good-practices), CIS Kubernetes Benchmark 5.1 and kube-linter.
 * Every Role and ClusterRole rule is checked, bound or not.
 */
import { RBAC_RISK_RULE, RbacRisk, rbacRisks, systemSubjectProblem } from '../../hardening/rbac';
import { arr, isKind, obj, q } from '../k8s';
import { PolicyRule, RuleSeverity, RuleViolation } from '../model';

const FAMILY = 'RBAC';
const RBAC = 'rbac.authorization.k8s.io';
const isRole = (o: any) => isKind(o, 'Role', [RBAC]) || isKind(o, 'ClusterRole', [RBAC]);
const isBinding = (o: any) => isKind(o, 'RoleBinding', [RBAC]) || isKind(o, 'ClusterRoleBinding', [RBAC]);

/** Whether a PolicyRule grants any of `verbs` on any of `resources` in any of `groups` (wildcards count). */
export function grants(rule: any, groups: string[] | null, resources: string[], verbs: string[]): boolean {
  const g = arr(rule.apiGroups);
  const rs = arr(rule.resources);
  const vs = arr(rule.verbs);
  return (groups === null || g.includes('*') || groups.some((x) => g.includes(x)))
    && (rs.includes('*') || resources.some((x) => rs.includes(x)))
    && (vs.includes('*') || verbs.some((x) => vs.includes(x)));
}

type RuleCheck = (rule: any, i: number) => RuleViolation[];
function roleRule(def: Omit<PolicyRule, 'family' | 'evaluate'> & { check: RuleCheck }): PolicyRule {
  const { check, ...data } = def;
  return { ...data, family: FAMILY, evaluate: (o) => (isRole(o) ? arr(o.rules).flatMap((r, i) => check(obj(r), i)) : []) };
}
const list = (xs: unknown) => `[${arr(xs).join(', ')}]`;

/** The findings of one risk of the shared RBAC risk model (the one NamespaceRole refuses) on a rule. */
const riskCheck = (risk: RbacRisk): RuleCheck => (r, i) => rbacRisks(r).filter((f) => f.risk === risk)
  .map((f) => ({ path: ['rules', i], message: `rules[${i}]: ${f.problem}`, fix: `${f.fix} (NamespaceRole refuses it unless acknowledged as ${risk})` }));

export const WILDCARDS = roleRule({
  id: 'HARDENED-RBAC-001',
  title: 'No wildcards in RBAC rules',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: wildcards', 'CIS 5.1.3', 'kube-linter wildcard-in-rules'],
  explanation: '"*" grants every current and future resource, verb or API group, including ones added by CRDs later.',
  fix: 'List the apiGroups, resources and verbs the workload needs explicitly.',
  check: (r, i) => (['apiGroups', 'resources', 'verbs', 'nonResourceURLs'] as const).flatMap((f) => {
    const at = arr(r[f]).indexOf('*');
    return at >= 0 ? [{ path: ['rules', i, f, at], message: `rules[${i}].${f} contains "*"` }] : [];
  }),
});

export const CLUSTER_SCOPED = {
  id: 'HARDENED-RBAC-002',
  family: FAMILY,
  title: 'No ClusterRole or ClusterRoleBinding',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: assign permissions at the namespace level', 'CIS 5.1'],
  explanation: 'Cluster-wide RBAC grants access in every namespace, present and future. An application rarely needs it.',
  fix: 'Use a namespaced Role and RoleBinding (NamespaceRole); acknowledge with a reason if the workload really operates cluster-wide.',
  evaluate: (o: any) => (isKind(o, 'ClusterRole', [RBAC]) || isKind(o, 'ClusterRoleBinding', [RBAC])
    ? [{ path: ['kind'], message: `${o.kind} grants permissions cluster-wide` }] : []),
} satisfies PolicyRule;

export const ESCALATION_VERBS = roleRule({
  id: 'HARDENED-RBAC-003',
  title: 'No escalate, bind or impersonate',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: escalate, bind and impersonate verbs'],
  explanation: 'escalate and bind let a subject grant itself any permission; impersonate lets it act as any user, group or ServiceAccount.',
  fix: 'Remove the escalate, bind and impersonate verbs (and "*" verbs on RBAC or identity resources).',
  check: (r, i) => {
    const verbs = arr(r.verbs);
    const bad = verbs.filter((v) => ['escalate', 'bind', 'impersonate'].includes(v));
    if (bad.length) return [{ path: ['rules', i, 'verbs', verbs.indexOf(bad[0])], message: `rules[${i}] grants ${bad.join(', ')} on ${list(r.resources)}` }];
    const identity = ['*', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'users', 'groups', 'serviceaccounts', 'uids', 'userextras/scopes'];
    if (verbs.includes('*') && arr(r.resources).some((x) => identity.includes(x))) {
      return [{ path: ['rules', i, 'verbs', verbs.indexOf('*')], message: `rules[${i}] grants verb "*" (includes escalate, bind, impersonate) on ${list(r.resources)}` }];
    }
    return [];
  },
});

export const SECRETS_READ = roleRule({
  id: RBAC_RISK_RULE[RbacRisk.SECRETS],
  title: 'No read access to all Secrets',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: listing secrets', 'CIS 5.1.2', 'kube-linter access-to-secrets'],
  explanation: 'get without resourceNames, list or watch on Secrets reveals their contents, including ServiceAccount tokens of more privileged accounts; list/watch reveal all of them. Bound to system:serviceaccounts, every workload of the cluster reads them.',
  fix: 'Mount the Secret into the pod instead of reading it through the API; if API access is needed, restrict it to get with resourceNames.',
  check: riskCheck(RbacRisk.SECRETS),
});

export const POD_EXEC = roleRule({
  id: RBAC_RISK_RULE[RbacRisk.EXEC],
  title: 'No pods/exec, pods/attach, pods/portforward or ephemeral containers',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: workload creation / exec', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'exec and attach run commands inside other pods, port-forward opens connections into them, and writing ephemeral containers adds a container to a running pod: each with the pod\'s identity, Secrets and network access.',
  fix: 'Remove pods/exec, pods/attach, pods/portforward and writes to pods/ephemeralcontainers from the rule.',
  check: riskCheck(RbacRisk.EXEC),
});

export const WORKLOAD_CREATION = roleRule({
  id: RBAC_RISK_RULE[RbacRisk.WORKLOADS],
  title: 'No creating or changing pods or workloads',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: workload creation', 'CIS 5.1.4', 'kube-linter access-to-create-pods'],
  explanation: 'Whoever can create pods, or create, update or patch a workload controller, can run any image with any ServiceAccount in the namespace and mount any Secret or ConfigMap.',
  fix: 'Remove create, update and patch on pods and workload resources unless the subject is a controller; acknowledge with a reason if it is.',
  check: riskCheck(RbacRisk.WORKLOADS),
});

export const PROXY = roleRule({
  id: RBAC_RISK_RULE[RbacRisk.PROXY],
  title: 'No pods/proxy, services/proxy or nodes/proxy',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: nodes/proxy and proxy subresources', 'NSA/CISA Kubernetes Hardening Guide: network separation'],
  explanation: 'The proxy subresources reach pods, services and the kubelet through the API server, past every NetworkPolicy.',
  fix: 'Remove the proxy subresources; allow the caller in the target\'s NetworkPolicy instead.',
  check: riskCheck(RbacRisk.PROXY),
});

export const RBAC_WRITE = roleRule({
  id: RBAC_RISK_RULE[RbacRisk.RBAC_WRITE],
  title: 'No writes to Roles or RoleBindings',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: privilege escalation risks', 'CIS 5.1'],
  explanation: 'Writing Roles and RoleBindings (or their cluster counterparts) lets the subject hand its own permissions to anyone and take them from others.',
  fix: 'Manage RBAC in code and deploy it with the platform\'s pipeline, not from a workload.',
  check: riskCheck(RbacRisk.RBAC_WRITE),
});

export const ESCALATION_RESOURCES = roleRule({
  id: 'HARDENED-RBAC-007',
  title: 'No privilege-escalation resources',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: privilege escalation risks'],
  explanation: 'nodes/proxy, minting ServiceAccount tokens (serviceaccounts/token, or writing Secrets that become token Secrets), approving CSRs, writing admission webhooks, creating PersistentVolumes and patching Namespaces all lead to cluster-admin-equivalent access.',
  fix: 'Remove these permissions.',
  check: (r, i) => {
    const hits: string[] = [];
    if (grants(r, ['', '*'], ['nodes/proxy'], ['get', 'create', 'update', 'patch', 'delete', 'list', 'watch'])) hits.push('nodes/proxy');
    if (grants(r, ['certificates.k8s.io', '*'], ['certificatesigningrequests/approval'], ['update', 'patch'])) hits.push('approve certificatesigningrequests');
    if (grants(r, ['admissionregistration.k8s.io', '*'], ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], ['create', 'update', 'patch', 'delete'])) hits.push('write admission webhook configurations');
    if (grants(r, ['', '*'], ['persistentvolumes'], ['create'])) hits.push('create persistentvolumes');
    if (grants(r, ['', '*'], ['namespaces'], ['patch', 'update'])) hits.push('patch/update namespaces');
    const own = hits.length ? [{ path: ['rules', i], message: `rules[${i}] grants ${hits.join('; ')}` }] : [];
    return [...own, ...riskCheck(RbacRisk.TOKEN)(r, i)];
  },
});

export const SYSTEM_SUBJECTS = {
  id: 'HARDENED-RBAC-008',
  family: FAMILY,
  title: 'No bindings to system:masters, anonymous, unauthenticated, authenticated or all ServiceAccounts',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices: system:masters, anonymous and authenticated groups'],
  explanation: 'system:masters bypasses RBAC; system:anonymous and system:unauthenticated are anyone who can reach the API server; system:authenticated is every user and ServiceAccount of the cluster; system:serviceaccounts (and system:serviceaccounts:<namespace>) every ServiceAccount.',
  fix: 'Bind to a specific ServiceAccount, user or group instead.',
  evaluate: (o: any) => (isBinding(o) ? arr(o.subjects).flatMap((s, i) => {
    const problem = obj(s).kind !== 'ServiceAccount' && typeof obj(s).name === 'string' ? systemSubjectProblem(obj(s).name) : undefined;
    return problem ? [{ path: ['subjects', i, 'name'], message: `binds ${obj(s).kind ?? 'subject'} ${q(obj(s).name)}: ${problem}` }] : [];
  }) : []),
} satisfies PolicyRule;

/** The Role or ClusterRole in the set that a binding refers to. */
function boundRole(b: any, roles: any[]): any | undefined {
  const ref = obj(b.roleRef);
  return roles.find((r) => r.kind === ref.kind && obj(r.metadata).name === ref.name
    && (ref.kind === 'ClusterRole' || String(obj(r.metadata).namespace ?? '') === String(obj(b.metadata).namespace ?? '')));
}

export const CLUSTER_ADMIN = {
  id: 'HARDENED-RBAC-009',
  family: FAMILY,
  title: 'No binding to cluster-admin or an equivalent role',
  severity: RuleSeverity.ERROR,
  standards: ['CIS 5.1.1', 'kube-linter cluster-admin-role-binding', 'Polaris clusterrolebindingClusterAdmin / rolebindingClusterAdminRole'],
  explanation: 'cluster-admin, or any role granting every verb on every resource, is unrestricted access (in a RoleBinding: to everything in the namespace, including its RBAC).',
  fix: 'Bind a Role with only the permissions needed.',
  evaluate: (o: any, ctx) => {
    if (!isBinding(o)) return [];
    const ref = obj(o.roleRef);
    if (ref.kind === 'ClusterRole' && ref.name === 'cluster-admin') return [{ path: ['roleRef', 'name'], message: `${o.kind} binds ClusterRole "cluster-admin"` }];
    const role = boundRole(o, ctx._index.roles);
    const admin = role && arr(role.rules).some((r) => arr(obj(r).verbs).includes('*') && arr(obj(r).resources).includes('*'));
    return admin ? [{ path: ['roleRef', 'name'], message: `${o.kind} binds ${ref.kind} ${q(ref.name)}, which grants every verb on every resource` }] : [];
  },
} satisfies PolicyRule;

/** ClusterRoles every cluster has, whose grants are documented (user-facing roles). */
const BROAD_BUILTIN: Record<string, string> = {
  admin: 'read and write access to almost everything in the namespace, including Secrets, pods/exec and Roles and RoleBindings',
  edit: 'read and write access to most objects of the namespace, including Secrets and pods/exec (it can run any pod as any ServiceAccount)',
};
/** Built-in ClusterRoles whose grants are known and safe to bind. */
const KNOWN_SAFE_CLUSTER_ROLES = ['view'];

export const BROAD_CLUSTER_ROLE_BINDING = {
  id: 'HARDENED-RBAC-012',
  family: FAMILY,
  title: 'No binding to the built-in admin or edit ClusterRoles, or to a ClusterRole the output does not define',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes docs: RBAC user-facing roles (admin, edit)', 'Kubernetes RBAC good practices: least privilege', 'CIS 5.1'],
  explanation: 'admin and edit grant Secrets, pods/exec and workload creation in the namespace; a ClusterRole that is not in the manifests, or one in them with an aggregationRule, grants whatever the cluster says it does today, which no review of this output can see (and aggregated ClusterRoles grow).',
  fix: 'Bind a Role (NamespaceRole) with the permissions the subject needs, defined in the same output.',
  evaluate: (o: any, ctx) => {
    if (!isBinding(o)) return [];
    const ref = obj(o.roleRef);
    if (ref.kind !== 'ClusterRole' || typeof ref.name !== 'string' || ref.name === 'cluster-admin' || KNOWN_SAFE_CLUSTER_ROLES.includes(ref.name)) return [];
    if (BROAD_BUILTIN[ref.name]) return [{ path: ['roleRef', 'name'], message: `${o.kind} binds the built-in ClusterRole ${q(ref.name)}: ${BROAD_BUILTIN[ref.name]}` }];
    const role = boundRole(o, ctx._index.roles);
    if (!role) return [{ path: ['roleRef', 'name'], message: `${o.kind} binds ClusterRole ${q(ref.name)}, which the output does not define, so its grants cannot be checked` }];
    // An aggregated ClusterRole's rules are filled in by the cluster from every ClusterRole its
    // selectors match (e.g. the labels that build admin and edit): the output cannot show them.
    return arr(obj(role.aggregationRule).clusterRoleSelectors).length
      ? [{ path: ['roleRef', 'name'], message: `${o.kind} binds ClusterRole ${q(ref.name)}, which aggregates the rules of the cluster's ClusterRoles its selectors match, so its grants cannot be checked` }] : [];
  },
} satisfies PolicyRule;

export const RBAC_RULES: PolicyRule[] = [WILDCARDS, CLUSTER_SCOPED, ESCALATION_VERBS, SECRETS_READ, POD_EXEC, WORKLOAD_CREATION, ESCALATION_RESOURCES, SYSTEM_SUBJECTS, CLUSTER_ADMIN, PROXY, RBAC_WRITE, BROAD_CLUSTER_ROLE_BINDING];
