/**
 * The data model of the policy rules: what a rule is, what it reports, and the objects it reads.
 * Rules are data (id, severity, standard, explanation, fix) plus one `evaluate` function; the
 * engine (`engine.ts`) runs them over a set of Kubernetes objects, applies acknowledgements and
 * builds the report.
 */

/** How bad a finding is. Errors fail the synth (`HardenedChart`) and `cdk8s-hardened check`. */
export enum RuleSeverity {
  /** Fails the synth / makes `check` exit 1, unless acknowledged with a reason. */
  ERROR = 'error',
  /** Reported, never fails. */
  WARNING = 'warning',
}

/** A segment of a field path: an object key or an array index. */
export type PathSegment = string | number;

/** One problem a rule found in one object. */
export interface RuleViolation {
  /** Path of the offending (or missing) field, from the object's root. */
  readonly path: PathSegment[];
  /** What is wrong, in one sentence, naming the container/volume/rule concerned. */
  readonly message: string;
  /** How to fix this occurrence; defaults to the rule's `fix`. */
  readonly fix?: string;
}

/** A Kubernetes object as the rules see it: plain JSON plus where it came from. */
export interface PolicyObject {
  /** The object's JSON (as written to the manifest). */
  readonly json: any;
  /** Where the object came from: a construct path (synth) or `file:line` (check). */
  readonly origin: string;
}

/** Identity of an object in a report. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** What the rules may read besides the object itself. Built once per object set. */
export interface PolicyContext {
  /** Every object in the set (a chart, or every file `check` read). */
  readonly objects: PolicyObject[];
  /**
   * The Pod Security Standards version, `[major, minor]` (two numbers), that decides
   * version-dependent relaxations (allowed sysctls and SELinux types, user-namespace and
   * Windows exemptions).
   */
  readonly pssVersion: number[];
  /** @internal indexes shared by the cross-object rules */
  readonly _index: import('./k8s').ObjectIndex;
}

/** A policy rule: stable id, the standard it follows, and how to evaluate it. */
export interface IPolicyRule {
  /** Stable id, `HARDENED-<FAMILY>-<NNN>`. Never reused for a different check. */
  readonly id: string;
  /** Rule family (the module it lives in), e.g. "Pod Security Standards". */
  readonly family: string;
  /** One-line summary. */
  readonly title: string;
  /** Error or warning. */
  readonly severity: RuleSeverity;
  /** The public standard(s) the rule follows, e.g. "PSS baseline: Host Namespaces". */
  readonly standards: string[];
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it. */
  readonly fix: string;
  /**
   * Ids of rules this one replaces when both run (like Pod Security Admission's
   * restricted checks replacing their baseline counterparts), so one problem is reported once.
   */
  readonly overrides?: string[];
  /** Findings for `obj`; `[]` when compliant or not applicable. */
  evaluate(obj: any, context: PolicyContext): RuleViolation[];
}

/** The former name of `IPolicyRule` (TypeScript only; jsii names behavioural interfaces `I...`). */
export type PolicyRule = IPolicyRule;

/** A rule violation on a specific object, as reported. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: RuleSeverity;
  readonly object: ObjectRef;
  /** Construct path or `file:line` of the object. */
  readonly origin: string;
  /** Index of the object in the evaluated set. */
  readonly objectIndex: number;
  /** Field path, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  /** The same path as segments (to locate the field in YAML). */
  readonly pathSegments: PathSegment[];
  readonly message: string;
  readonly fix: string;
}

/** An exception to a rule, with its reason. */
export interface Acknowledgement {
  readonly ruleId: string;
  readonly reason: string;
}

/** A finding that an acknowledgement suppressed. */
export interface SuppressedFinding extends Finding {
  readonly reason: string;
}

/** Renders a path as `a.b[0]["x/y"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(object)';
}

/** `Kind namespace/name` for messages. */
export function describeObject(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
