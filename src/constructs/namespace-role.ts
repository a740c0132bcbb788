import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { propError } from '../hardening/errors';
import { appNameLabel, checkDerivedLabels, partOfLabel, recommendedLabels } from '../hardening/labels';
import { ApiTokenOptions, HardenedPod, hardenedPodOf } from '../hardening/pod';
import {
  CLUSTER_SCOPED_RESOURCES, isBuiltinGroup, knownGroupsOf, normalizeRules, RBAC_GROUP, RBAC_RISK_RULE, RbacRisk, rbacRisks, STANDARD_VERBS, systemSubjectProblem,
} from '../hardening/rbac';
import { checkDnsLabel, checkDnsSubdomain, derivedName } from '../hardening/validation';
import { visibleLength } from '../policy/acknowledgements';
import { Policy } from '../policy/policy';
import { sameCopies } from '../hardening/single-copy';
import { arrayOf, instanceOf, optional, str, struct, validateProps } from '../hardening/props';

/**
 * One permission of a NamespaceRole: `verbs` on `resources` of `apiGroups`, optionally only on
 * the objects named in `resourceNames`. Wildcards, `nonResourceURLs` and cluster-scoped
 * resources are refused.
 */
export interface RoleRule {
  /** API groups of the resources: `""` for the core group (pods, configmaps, ...), `"apps"`, `"batch"`, ... (no versions). */
  readonly apiGroups: string[];
  /** Resources, lower-case plural, with an optional subresource: `"configmaps"`, `"pods/log"`. */
  readonly resources: string[];
  /** Verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verbs: string[];
  /**
   * Only these objects. `create` and `deletecollection` of top-level resources cannot be
   * restricted by name (subresources such as `serviceaccounts/token` can), and `list` and
   * `watch` then need a `metadata.name` field selector.
   * @default - every object of the resources in the namespace
   */
  readonly resourceNames?: string[];
}

export { RbacRisk } from '../hardening/rbac';

/** An exception to an `RbacRisk`, written in code with a reason; recorded on the Role. */
export interface RoleAcknowledgement {
  /** The risk's id, e.g. `RbacRisk.SECRETS` (`'HARDENED-RBAC-SECRETS'`). */
  readonly ruleId: string;
  /** Why the role needs it (at least 10 characters); a reviewer reads it in the YAML. */
  readonly reason: string;
}

/** Annotation on the Role that lists its acknowledged risks: `ID: reason; ID: reason`. */
export const RBAC_ACKNOWLEDGED_ANNOTATION = 'hardened.cdk8s.io/rbac-acknowledged';

/** Read verbs, in the order Kubernetes documents them. */
const READ = ['get', 'list', 'watch'];

/** Ready-made rules for common grants. Each returns rules to spread into `rules`. */
export class RoleRules {
  /** get, list and watch on the named ConfigMaps (list/watch with a `metadata.name` field selector). */
  public static readConfigMaps(...names: string[]): RoleRule[] {
    return [{ apiGroups: [''], resources: ['configmaps'], verbs: [...READ], resourceNames: [...names] }];
  }

  /**
   * get on the named Secrets. No list or watch: they reveal every Secret of the namespace without
   * resourceNames, and with them work only with a `metadata.name` field selector.
   */
  public static readSecrets(...names: string[]): RoleRule[] {
    return [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [...names] }];
  }

  /**
   * Read-only view of the namespace's workloads: pods and their logs, controllers, jobs,
   * services, autoscalers, disruption budgets, network policies, ingresses and events. No
   * Secrets, no ConfigMaps, no exec, attach or port-forward, no writes.
   */
  public static viewWorkloads(): RoleRule[] {
    return [
      { apiGroups: [''], resources: ['endpoints', 'events', 'persistentvolumeclaims', 'pods', 'pods/log', 'replicationcontrollers', 'serviceaccounts', 'services'], verbs: [...READ] },
      { apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: [...READ] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: [...READ] },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: [...READ] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: [...READ] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: [...READ] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: [...READ] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: [...READ] },
    ];
  }

  /** Leader election with the Lease `leaseName`: create (not restrictable by name), then get/update only it. */
  public static leaderElection(leaseName: string): RoleRule[] {
    return [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [leaseName] },
    ];
  }

  /** Recording Events (controllers and operators): create and patch, core and events.k8s.io. */
  public static emitEvents(): RoleRule[] {
    return [{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] }];
  }

  private constructor() {}
}

/** A workload construct of this library with its own ServiceAccount (SecureApp, BatchJob). */
export interface IServiceAccountOwner extends IConstruct {
  /** The workload's ServiceAccount. */
  readonly serviceAccount: k8s.KubeServiceAccount;
}

/** Options of a ServiceAccount subject. */
export interface ServiceAccountSubjectOptions {
  /**
   * The API token projected into the pods of a workload of this library (SecureApp, BatchJob)
   * that runs as this ServiceAccount.
   * @default - 3600 seconds, the API server's audience
   */
  readonly token?: ApiTokenOptions;
}

/** Who a NamespaceRole is granted to. `system:` users and groups are refused. */
export class Subject {
  /**
   * A ServiceAccount: the L1 `KubeServiceAccount` (e.g. `app.serviceAccount`) or a cdk8s-plus
   * ServiceAccount (also an imported one). When it is the ServiceAccount of a SecureApp or
   * BatchJob, the workload's pods get a short-lived projected API token; no other workload gets
   * one. (Typed as a construct, not a union, to stay jsii-friendly; anything else is refused.)
   */
  public static fromServiceAccount(serviceAccount: IConstruct, options: ServiceAccountSubjectOptions = {}): Subject {
    return new Subject('ServiceAccount', (scope, prop) => {
      let name: string;
      let namespace: string | undefined;
      if (ApiObject.isApiObject(serviceAccount)) {
        if (serviceAccount.kind !== 'ServiceAccount') {
          throw propError(scope, prop, `${serviceAccount.kind}/${serviceAccount.name}`, 'not a ServiceAccount', 'pass a ServiceAccount, e.g. app.serviceAccount, or use Subject.fromApp(app)');
        }
        name = serviceAccount.name;
        namespace = serviceAccount.metadata.namespace;
      } else if (serviceAccount && typeof (serviceAccount as unknown as kplus.IServiceAccount).toSubjectConfiguration === 'function') {
        const config = (serviceAccount as unknown as kplus.IServiceAccount).toSubjectConfiguration();
        if (config.kind !== 'ServiceAccount') {
          throw propError(scope, prop, `${config.kind}/${config.name}`, 'not a ServiceAccount', 'pass a ServiceAccount, or use Subject.user/Subject.group');
        }
        name = config.name;
        namespace = config.namespace;
      } else {
        throw propError(scope, prop, String(serviceAccount), 'not a ServiceAccount', 'pass app.serviceAccount, a cdk8s-plus ServiceAccount, or use Subject.fromApp(app)');
      }
      return { name, namespace, pod: hardenedPodOf(serviceAccount), token: options.token };
    });
  }

  /** The ServiceAccount of a workload of this library (SecureApp, BatchJob); its pods get a short-lived API token. */
  public static fromApp(app: IServiceAccountOwner, options: ServiceAccountSubjectOptions = {}): Subject {
    return Subject.fromServiceAccount(app.serviceAccount, options);
  }

  /** A group of users as your authenticator names it (e.g. an OIDC group such as "shop-developers"). */
  public static group(name: string): Subject {
    return new Subject('Group', () => ({ name }));
  }

  /** A user as your authenticator names it (e.g. "jane@example.com"). */
  public static user(name: string): Subject {
    return new Subject('User', () => ({ name }));
  }

  private constructor(
    /** ServiceAccount, Group or User. */
    public readonly kind: string,
    private readonly resolve: (scope: IConstruct, prop: string) => { name: string; namespace?: string; pod?: HardenedPod; token?: ApiTokenOptions },
  ) {}

  /** Validates the subject and renders it for a RoleBinding in `namespace`. @internal */
  public _bind(scope: IConstruct, prop: string, namespace: string): { subject: k8s.Subject; pod?: HardenedPod; token?: ApiTokenOptions } {
    const r = this.resolve(scope, prop);
    if (typeof r.name !== 'string' || r.name.trim() === '' || r.name !== r.name.trim() || /[\u0000-\u001f\u007f]/.test(r.name)) {
      throw propError(scope, prop, r.name, `not a ${this.kind} name (empty, surrounding spaces or control characters)`, 'use the name exactly as the authenticator reports it, e.g. "shop-developers"');
    }
    if (this.kind === 'ServiceAccount') {
      const saNamespace = r.namespace ?? namespace;
      checkDnsSubdomain(scope, `${prop} (ServiceAccount name)`, r.name);
      checkDnsLabel(scope, `${prop} (ServiceAccount namespace)`, saNamespace);
      if (r.name === 'default') {
        throw propError(scope, prop, `${saNamespace}/default`, 'the default ServiceAccount runs every pod that names no ServiceAccount, so they would all get this role',
          'give the workload its own ServiceAccount (SecureApp and BatchJob have one) and bind that');
      }
      return { subject: { kind: 'ServiceAccount', name: r.name, namespace: saNamespace }, pod: r.pod, token: r.token };
    }
    if (r.name.startsWith('system:')) {
      const why = systemSubjectProblem(r.name) ?? (r.name.startsWith('system:serviceaccount')
        ? 'it names ServiceAccounts through their user or group name'
        : 'system: users and groups belong to Kubernetes itself (nodes, controllers, built-in identities)');
      throw propError(scope, prop, `${this.kind} ${r.name}`, why,
        'bind a specific group your authenticator issues (e.g. "shop-developers"), a user, or a ServiceAccount with Subject.fromServiceAccount');
    }
    return { subject: { kind: this.kind, apiGroup: RBAC_GROUP, name: r.name } };
  }
}


/** Props of a NamespaceRole. */
export interface NamespaceRoleProps {
  /** What the role grants. Merged and sorted: the same rules in any order give the same YAML. */
  readonly rules: RoleRule[];
  /** Who gets the role (at least one). */
  readonly subjects: Subject[];
  /**
   * Namespace of the Role and RoleBinding.
   * @default - the chart's namespace; refused when the chart has none
   */
  readonly namespace?: string;
  /**
   * `metadata.name` of the Role and the RoleBinding.
   * @default - derived from the construct path (unique in the app, with a hash suffix)
   */
  readonly name?: string;
  /**
   * Exceptions to the `RbacRisk` refusals, each with a reason; recorded in the Role's
   * `hardened.cdk8s.io/rbac-acknowledged` annotation. An acknowledgement that matches no rule
   * is refused.
   * @default - none: every risky rule is refused
   */
  readonly acknowledge?: RoleAcknowledgement[];
}

/** A finding of an RbacRisk on one input rule. */
interface RiskFinding {
  readonly risk: RbacRisk;
  readonly index: number;
  readonly problem: string;
  readonly fix: string;
}

const RULE_KEYS = new Set(['apiGroups', 'resources', 'verbs', 'resourceNames']);
const RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;
const API_GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const NAMES = arrayOf(str());
/** Runtime schema of RoleRule. */
const ROLE_RULE_SCHEMA = struct({
  // Required, non-empty: refused by checkRule with the rule's context.
  apiGroups: optional(arrayOf(str())),
  resources: optional(NAMES),
  verbs: optional(NAMES),
  resourceNames: optional(NAMES),
}, 'RoleRule');

/** Runtime schema of NamespaceRoleProps (type, range and format of every prop). */
const NAMESPACE_ROLE_SCHEMA = struct({
  rules: arrayOf(ROLE_RULE_SCHEMA),
  subjects: arrayOf(instanceOf(Subject, 'Subject', 'use Subject.fromApp(app), Subject.fromServiceAccount(sa), Subject.group(name) or Subject.user(name)')),
  namespace: optional(str()),
  name: optional(str()),
  acknowledge: optional(arrayOf(struct({ ruleId: optional(str()), reason: optional(str()) }, 'RoleAcknowledgement') /* required: refused below */)),
}, 'NamespaceRoleProps');

/**
 * Least-privilege RBAC in one namespace: a Role and a RoleBinding, never a ClusterRole or
 * ClusterRoleBinding. Wildcards, escalate/bind/impersonate, nonResourceURLs, cluster-scoped
 * resources and `system:` subjects are refused; privilege-escalation paths (`RbacRisk`) are
 * refused unless acknowledged with a reason. A SecureApp or BatchJob granted the role gets a
 * short-lived projected API token.
 */
export class NamespaceRole extends Construct {
  /** The Role. */
  public readonly role: k8s.KubeRole;
  /** The RoleBinding. */
  public readonly binding: k8s.KubeRoleBinding;
  /** `metadata.name` of the Role and the RoleBinding. */
  public readonly name: string;
  /** Namespace of the Role and the RoleBinding. */
  public readonly namespace: string;
  /** The rules as emitted: merged, deduplicated and sorted. */
  public readonly rules: RoleRule[];

  constructor(scope: Construct, id: string, props: NamespaceRoleProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, NAMESPACE_ROLE_SCHEMA, props, { namespaceProp: 'namespace' });
    if (!props || typeof props !== 'object') {
      throw propError(this, 'props', props, 'rules and subjects are required', 'pass { rules: [...], subjects: [...] }');
    }
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (namespace === undefined) {
      throw propError(this, 'namespace', namespace, 'neither the prop nor the chart names a namespace, and a Role without one lands in whatever namespace kubectl points at',
        'set namespace on the chart (new Chart(app, "shop", { namespace: "shop" })) or pass namespace: "shop"');
    }
    checkDnsLabel(this, 'namespace', namespace);
    this.namespace = namespace;
    this.name = props.name ?? derivedName(this);
    if (props.name !== undefined) checkDnsSubdomain(this, 'name', props.name);

    if (!Array.isArray(props.rules) || props.rules.length === 0) {
      throw propError(this, 'rules', props.rules, 'a role needs at least one rule', 'list what the subjects need, e.g. rules: RoleRules.readConfigMaps("web-config")');
    }
    const findings: RiskFinding[] = [];
    props.rules.forEach((rule, i) => findings.push(...this.checkRule(rule, i)));
    this.rules = normalizeRules(props.rules);

    const acknowledged = this.checkAcknowledgements(props.acknowledge ?? [], findings, props.rules);

    if (!Array.isArray(props.subjects) || props.subjects.length === 0) {
      throw propError(this, 'subjects', props.subjects, 'a role without subjects grants nothing', 'add Subject.fromApp(app), Subject.fromServiceAccount(sa), Subject.group(name) or Subject.user(name)');
    }
    const bound = props.subjects.map((s, i) => {
      if (!(s instanceof Subject)) {
        throw propError(this, `subjects[${i}]`, s, 'not a Subject', 'use Subject.fromApp(app), Subject.fromServiceAccount(sa), Subject.group(name) or Subject.user(name)');
      }
      return s._bind(this, `subjects[${i}]`, namespace);
    });
    const subjects = new Map<string, k8s.Subject>();
    for (const b of bound) subjects.set(`${b.subject.kind}\u0000${b.subject.namespace ?? ''}\u0000${b.subject.name}`, b.subject);
    const sortedSubjects = [...subjects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);

    const labels = recommendedLabels({ name: this.name, appName: appNameLabel(this, this.name), component: 'rbac', partOf: partOfLabel(this) });
    checkDerivedLabels(this, labels, () => (props.name === undefined ? 'the construct id' : 'name'));
    const annotations = acknowledged.length > 0
      ? { [RBAC_ACKNOWLEDGED_ANNOTATION]: acknowledged.map(a => `${a.ruleId}: ${a.reason}`).join('; ') }
      : undefined;

    this.role = new kube.KubeRole(this, 'Resource', {
      metadata: { name: this.name, namespace, labels, annotations },
      rules: this.rules.map(r => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs], resourceNames: r.resourceNames ? [...r.resourceNames] : undefined })),
    });
    this.binding = new kube.KubeRoleBinding(this, 'Binding', {
      metadata: { name: this.name, namespace, labels },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: this.name },
      subjects: sortedSubjects,
    });

    this.acknowledgeInPolicyGate(acknowledged);

    // Only now, with everything valid: workloads of this library running as a bound
    // ServiceAccount get their projected API token.
    bound.forEach((b, i) => b.pod?.enableApiToken(b.token, `the API token (granted by ${this.node.path} subjects[${i}])`));
  }

  /**
   * The policy gate reports the same risks on Roles (one risk model, `rbacRisks`): an exception
   * acknowledged here is the same exception there, with the same reason, acknowledged on the
   * gate rule that reports the risk.
   */
  private acknowledgeInPolicyGate(acknowledged: RoleAcknowledgement[]): void {
    const byRule = new Map<string, string[]>();
    for (const a of acknowledged) {
      const ruleId = RBAC_RISK_RULE[a.ruleId as RbacRisk];
      byRule.set(ruleId, [...(byRule.get(ruleId) ?? []), `${a.ruleId}: ${a.reason}`]);
    }
    for (const [ruleId, reasons] of byRule) Policy.acknowledge(this.role, ruleId, reasons.join('; '));
  }

  /** Hard refusals of one input rule, and its RbacRisk findings. */
  private checkRule(rule: RoleRule, i: number): RiskFinding[] {
    const at = `rules[${i}]`;
    if (!rule || typeof rule !== 'object' || Array.isArray(rule)) {
      throw propError(this, at, rule, 'not a rule', 'write it like { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }');
    }
    const raw = rule as unknown as Record<string, unknown>;
    if ('nonResourceURLs' in raw) {
      throw propError(this, `${at}.nonResourceURLs`, raw.nonResourceURLs, 'non-resource URLs (/healthz, /metrics, /api, ...) can only be granted by a ClusterRole, which this library never emits',
        'remove nonResourceURLs; a platform team grants cluster endpoints such as /metrics centrally');
    }
    for (const key of Object.keys(raw)) {
      if (!RULE_KEYS.has(key)) {
        throw propError(this, `${at}.${key}`, raw[key], 'not a field of a rule', 'use only apiGroups, resources, verbs and resourceNames');
      }
    }
    for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
      const list = raw[field];
      if (!Array.isArray(list) || list.length === 0 || list.some(x => typeof x !== 'string')) {
        throw propError(this, `${at}.${field}`, list, 'must be a non-empty list of strings', field === 'apiGroups'
          ? 'use [""] for the core group (pods, configmaps, secrets, services), ["apps"] for deployments, ...'
          : field === 'resources' ? 'name the resources, e.g. ["configmaps"]' : 'name the verbs, e.g. ["get", "list", "watch"]');
      }
      if (list.includes('*')) {
        throw propError(this, `${at}.${field}`, '*', `a wildcard grants every ${field === 'apiGroups' ? 'API group' : field === 'resources' ? 'resource' : 'verb (including escalate, bind, impersonate and delete)'}, present and future (CIS 5.1.3)`,
          `list the ${field} the subjects need explicitly`);
      }
    }
    const { apiGroups, resources, verbs } = rule;
    for (const g of apiGroups) {
      if (g === '') continue;
      if (/^v\d/.test(g) || g.includes('/')) {
        throw propError(this, `${at}.apiGroups`, g, 'apiGroups name groups without a version ("" is the core group of pods and configmaps)',
          `use ${JSON.stringify(g.includes('/') ? g.split('/')[0] : '')}`);
      }
      if (g.length > 253 || !API_GROUP.test(g)) {
        throw propError(this, `${at}.apiGroups`, g, 'not an API group name', 'use "" for the core group, or a group such as "apps", "batch" or "networking.k8s.io"');
      }
    }
    for (const r of resources) {
      if (r.includes('*')) {
        throw propError(this, `${at}.resources`, r, 'a wildcard subresource or resource grants more than named, present and future', 'list each resource and subresource, e.g. "pods/log"');
      }
      if (!RESOURCE.test(r)) {
        const hint = /[A-Z]/.test(r) ? ` (resources are lower-case plurals, not kinds: ${JSON.stringify(pluralGuess(r))})` : '';
        throw propError(this, `${at}.resources`, r, `not a resource name${hint}`, 'use the lower-case plural resource, optionally with a subresource: "configmaps", "pods/log"');
      }
    }
    for (const v of verbs) {
      if (v === 'escalate' || v === 'bind' || v === 'impersonate') {
        const why = v === 'escalate' ? 'escalate lets the subject create roles with permissions it does not have'
          : v === 'bind' ? 'bind lets the subject bind roles with permissions it does not have, including to itself'
            : 'impersonate lets the subject act as any user, group or ServiceAccount';
        throw propError(this, `${at}.verbs`, v, `${why} (Kubernetes RBAC good practices); it cannot be acknowledged`, 'remove it; grant the subject the specific permissions it needs instead');
      }
      if (!STANDARD_VERBS.includes(v)) {
        throw propError(this, `${at}.verbs`, v, 'not a Kubernetes API verb', `use ${STANDARD_VERBS.join(', ')}`);
      }
    }
    const names = raw.resourceNames;
    if (names !== undefined) {
      if (!Array.isArray(names) || names.length === 0 || names.some(n => typeof n !== 'string')) {
        throw propError(this, `${at}.resourceNames`, names, 'an empty or malformed list; an empty resourceNames means every object, which is rarely what [] was meant to say',
          'list the object names, or leave resourceNames out to grant every object');
      }
      for (const n of names) {
        if (n === '*') {
          throw propError(this, `${at}.resourceNames`, n, '"*" is not a wildcard in resourceNames: it names an object called "*"', 'list the names, or leave resourceNames out to grant every object');
        }
        if (n === '' || n === '.' || n === '..' || /[/%]/.test(n) || n.length > 253) {
          throw propError(this, `${at}.resourceNames`, n, 'not an object name', 'use the object\'s metadata.name');
        }
      }
      // A new object's name is not in the request URL when it is authorized, so create (and
      // deletecollection) on a top-level resource never matches a named rule. Subresources of a
      // named object (serviceaccounts/<name>/token, pods/<name>/exec) do carry the name.
      const topLevel = resources.filter(r => !r.includes('/'));
      const unnamed = verbs.filter(v => v === 'create' || v === 'deletecollection');
      if (unnamed.length > 0 && topLevel.length > 0) {
        throw propError(this, `${at}.verbs`, unnamed, `${unnamed.join(' and ')} on ${topLevel.join(', ')} cannot be restricted by resourceNames (the new object's name is not known when the request is authorized), so this rule grants no ${unnamed.join(' or ')} on ${topLevel.length > 1 ? 'them' : 'it'} at all`,
          `move ${unnamed.join(' and ')} on ${topLevel.join(', ')} to a rule without resourceNames`);
      }
    }

    // Resources that exist only cluster-wide, and resources in the wrong group.
    for (const g of apiGroups) {
      for (const r of resources) {
        const base = r.split('/')[0];
        if (CLUSTER_SCOPED_RESOURCES[g]?.includes(base)) {
          throw propError(this, `${at}.resources`, r, `${base}${g ? ` (${g})` : ''} is cluster-scoped: a Role cannot grant it, so the rule is a mistake or a ClusterRole in disguise`,
            'remove it; cluster-scoped access is the platform team\'s, granted outside this library');
        }
      }
    }
    if (apiGroups.every(isBuiltinGroup)) {
      for (const r of resources) {
        const base = r.split('/')[0];
        if (!apiGroups.some(g => knownGroupsOf(base).includes(g))) {
          const groups = knownGroupsOf(base);
          throw propError(this, `${at}.resources`, r, groups.length > 0
            ? `${base} is not in apiGroups ${JSON.stringify(apiGroups)} but in ${groups.map(x => JSON.stringify(x)).join(', ')}, so the rule grants nothing on it`
            : `no resource ${JSON.stringify(base)} exists in apiGroups ${JSON.stringify(apiGroups)} (Kubernetes 1.28), so the rule grants nothing on it`,
          groups.length > 0 ? `add ${JSON.stringify(groups[0])} to apiGroups, or put ${base} in its own rule` : 'use the lower-case plural resource name of that group, e.g. "configmaps"');
        }
      }
    }

    return this.risks(rule, i);
  }

  /** The RbacRisk findings of one (valid) input rule: the shared risk model. */
  private risks(rule: RoleRule, i: number): RiskFinding[] {
    return rbacRisks(rule).map(f => ({ ...f, index: i }));
  }

  /** Refuses unacknowledged findings and acknowledgements that are malformed or match nothing. */
  private checkAcknowledgements(acks: RoleAcknowledgement[], findings: RiskFinding[], rules: RoleRule[]): RoleAcknowledgement[] {
    if (!Array.isArray(acks)) {
      throw propError(this, 'acknowledge', acks, 'must be a list', 'write acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: "..." }]');
    }
    const ids = Object.values(RbacRisk) as string[];
    const seen = new Set<string>();
    const out: RoleAcknowledgement[] = [];
    acks.forEach((a, i) => {
      const at = `acknowledge[${i}]`;
      if (!a || typeof a !== 'object') throw propError(this, at, a, 'not an acknowledgement', 'write { ruleId: RbacRisk.SECRETS, reason: "..." }');
      if (!ids.includes(a.ruleId)) {
        throw propError(this, `${at}.ruleId`, a.ruleId, 'no RBAC risk has this id', `use one of ${ids.join(', ')}`);
      }
      const reason = typeof a.reason === 'string' ? a.reason.replace(/\s+/g, ' ').trim() : '';
      if (visibleLength(reason) < 10) {
        throw propError(this, `${at}.reason`, a.reason, 'a reason of at least 10 characters is required; it is what a reviewer reads', 'say why the subject needs this, e.g. "the operator creates Jobs for each backup"');
      }
      if (seen.has(a.ruleId)) {
        throw propError(this, `${at}.ruleId`, a.ruleId, 'acknowledged twice', 'keep one acknowledgement per id and put every reason in it');
      }
      seen.add(a.ruleId);
      if (!findings.some(f => f.risk === a.ruleId)) {
        throw propError(this, `${at}.ruleId`, a.ruleId, 'no rule of this role has that risk, so the acknowledgement hides nothing and would silently cover a risk added later',
          'remove the acknowledgement');
      }
      out.push({ ruleId: a.ruleId, reason });
    });
    for (const f of findings) {
      if (!seen.has(f.risk)) {
        throw propError(this, `rules[${f.index}]`, rules[f.index], `${f.problem} (${f.risk})`,
          `${f.fix}; or, if the subject really needs it, acknowledge it: acknowledge: [{ ruleId: '${f.risk}', reason: '<why, at least 10 characters>' }]`);
      }
    }
    return out.sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  }
}

/** "ConfigMap" → "configmaps", for error messages. */
function pluralGuess(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('s')) return `${k}es`;
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}
