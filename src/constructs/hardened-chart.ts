import { ApiObject, Chart, ChartProps, DependencyGraph, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import * as kube from '../hardening/kube';
import { Construct, IConstruct } from 'constructs';
import { propError } from '../hardening/errors';
import { checkDnsLabel, parseQuantity } from '../hardening/validation';
import { ACK_ANNOTATION, formatAcknowledgements } from '../policy/acknowledgements';
import { AcknowledgementScope, evaluatePolicy, PolicyReport } from '../policy/engine';
import { LATEST_PSS, parsePssVersion } from '../policy/k8s';
import { Acknowledgement, PolicyObject, PolicyRule } from '../policy/model';
import { Policy } from '../policy/policy';
import { PolicyPack, resolveRules } from '../policy/registry';
import { renderReport } from '../policy/report';
import { sameCopies } from '../hardening/single-copy';

/** Defaults, minimums and maximums for every container in the namespace (a LimitRange). */
export interface ContainerLimitRange {
  /** Requests given to containers that set none, e.g. `{ cpu: '100m', memory: '128Mi' }`. @default - none */
  readonly defaultRequest?: { [resource: string]: string };
  /** Limits given to containers that set none. @default - none */
  readonly defaultLimit?: { [resource: string]: string };
  /** Largest allowed limit per container. @default - none */
  readonly max?: { [resource: string]: string };
  /** Smallest allowed request per container. @default - none */
  readonly min?: { [resource: string]: string };
}

export interface HardenedChartProps extends ChartProps {
  /**
   * Emit the Namespace object, labelled for Pod Security Admission: `enforce`, `audit` and
   * `warn` set to `restricted`, and `enforce-version` pinned to `podSecurityVersion`.
   * Requires `namespace`.
   * @default false
   */
  readonly createNamespace?: boolean;
  /**
   * Pod Security Standards version: pinned in the Namespace's `enforce-version` label and used
   * by the synth-time gate for version-dependent relaxations. `v1.<minor>` or `latest`.
   * @default 'v1.28'
   */
  readonly podSecurityVersion?: string;
  /**
   * A ResourceQuota for the namespace: its `spec.hard`, e.g.
   * `{ 'requests.cpu': '4', 'limits.memory': '16Gi', pods: '50' }`.
   * @default - no ResourceQuota
   */
  readonly quota?: { [resource: string]: string };
  /** A LimitRange for the containers of the namespace. @default - no LimitRange */
  readonly limitRange?: ContainerLimitRange;
  /** The policy rule packs the gate runs. @default PolicyPack.all() */
  readonly policyPacks?: PolicyPack[];
  /** Print policy warnings (which never fail the synth) to stderr. @default true */
  readonly printWarnings?: boolean;
}

/** The gate's result for one state of the tree. */
interface GateResult {
  readonly fingerprint: string;
  readonly report: PolicyReport;
  readonly errors: string[];
  /** The JSON the gate checked, handed to `toJson()` once (then dropped). */
  json?: Map<ApiObject, any>;
}

const HARDENED_CHART = Symbol.for('cdk8s-hardened.HardenedChart');

/**
 * A Chart with a synth-time policy gate, and optionally its Namespace.
 *
 * At synth, every ApiObject in the chart (from this library, cdk8s-plus, raw `ApiObject`s or
 * `Include`d YAML) is checked against the policy rules. Errors fail the synth during
 * validation, before any file is written, with a report naming the rule, object, field, problem
 * and fix. `Policy.acknowledge(construct, ruleId, reason)` records an exception.
 */
export class HardenedChart extends Chart {
  /** Whether `x` is a HardenedChart. */
  public static isHardenedChart(x: unknown): x is HardenedChart {
    // Not `instanceof`: cdk8s Chart defines Symbol.hasInstance as Chart.isChart, which every
    // HardenedChart inherits, so `instanceof HardenedChart` is true for any plain Chart.
    return x !== null && typeof x === 'object' && HARDENED_CHART in x;
  }

  /** The Namespace object, when `createNamespace` is set. */
  public readonly namespaceResource?: ApiObject;
  /** The ResourceQuota, when `quota` is set. */
  public readonly resourceQuota?: ApiObject;
  /** The LimitRange, when `limitRange` is set. */
  public readonly limitRangeResource?: ApiObject;
  /** The Pod Security Standards version (`enforce-version` label, gate relaxations). */
  public readonly podSecurityVersion: string;

  private readonly rules: PolicyRule[];
  private readonly pss: [number, number];
  private readonly printWarnings: boolean;
  private gate?: GateResult;
  /** The gate result of the last validation (`node.validate()`), as opposed to `policyReport()`. */
  private validated?: GateResult;
  private rendering = false;
  private served: ApiObject[] = [];
  private annotations = new Map<ApiObject, string>();
  private annotated = new WeakSet<ApiObject>();

  constructor(scope: Construct, id: string, props: HardenedChartProps = {}) {
    super(sameCopies(scope, id), id, props); // one copy of cdk8s and constructs in the app
    Object.defineProperty(this, HARDENED_CHART, { value: true });
    this.podSecurityVersion = props.podSecurityVersion ?? 'v1.28';
    const pss = /^v\d+\.\d+$/.test(this.podSecurityVersion) || this.podSecurityVersion === 'latest' ? parsePssVersion(this.podSecurityVersion) : undefined;
    if (!pss) throw propError(this, 'podSecurityVersion', this.podSecurityVersion, 'not a Pod Security Standards version the rules know', `use "v1.<minor>" up to v1.${LATEST_PSS[1]} (e.g. "v1.28") or "latest"`);
    this.pss = pss;
    const packs = props.policyPacks ?? PolicyPack.all();
    if (!packs.length) throw propError(this, 'policyPacks', [], 'an empty list runs no rules', 'omit policyPacks to run every pack, or name the packs to run');
    this.rules = resolveRules(packs);
    this.printWarnings = props.printWarnings ?? true;

    if (props.createNamespace) {
      if (!props.namespace) throw propError(this, 'createNamespace', true, 'there is no namespace to create', 'set namespace');
      checkDnsLabel(this, 'namespace', props.namespace);
      const level = 'restricted';
      this.namespaceResource = new kube.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: props.namespace,
          labels: {
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/enforce-version': this.podSecurityVersion,
            'pod-security.kubernetes.io/audit': level,
            'pod-security.kubernetes.io/audit-version': this.podSecurityVersion,
            'pod-security.kubernetes.io/warn': level,
            'pod-security.kubernetes.io/warn-version': this.podSecurityVersion,
          },
        },
      });
      // A Namespace is cluster-scoped; the chart's default namespace must not be set on it.
      this.namespaceResource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    if (props.quota) {
      if (!Object.keys(props.quota).length) throw propError(this, 'quota', props.quota, 'an empty quota limits nothing', 'name the resources to limit, e.g. { "limits.memory": "16Gi" }');
      this.resourceQuota = new kube.KubeResourceQuota(this, 'ResourceQuota', { spec: { hard: quantities(this, 'quota', props.quota) } });
    }
    if (props.limitRange) {
      const lr = props.limitRange;
      const item: k8s.LimitRangeItem = {
        type: 'Container',
        ...(lr.defaultRequest ? { defaultRequest: quantities(this, 'limitRange.defaultRequest', lr.defaultRequest) } : {}),
        ...(lr.defaultLimit ? { default: quantities(this, 'limitRange.defaultLimit', lr.defaultLimit) } : {}),
        ...(lr.max ? { max: quantities(this, 'limitRange.max', lr.max) } : {}),
        ...(lr.min ? { min: quantities(this, 'limitRange.min', lr.min) } : {}),
      };
      if (Object.keys(item).length === 1) throw propError(this, 'limitRange', lr, 'an empty LimitRange limits nothing', 'set defaultRequest, defaultLimit, max or min');
      this.limitRangeResource = new kube.KubeLimitRange(this, 'LimitRange', { spec: { limits: [item] } });
    }

    this.node.addValidation({ validate: () => this.validatePolicy() });
  }

  /**
   * The policy report for the chart as it is now (findings, acknowledged findings, unused
   * acknowledgements). Computed at most once per synth.
   */
  public policyReport(): PolicyReport {
    return this.evaluate().report;
  }

  /**
   * Renders the chart. Same as `Chart.toJson()`, but each object's JSON is the one the policy
   * gate checked during this synth's validation, so it is computed once, and what is written is
   * exactly what was checked.
   */
  public toJson(): any[] {
    const fast = this.renderValidated();
    if (fast) return fast;
    this.rendering = true;
    try {
      return super.toJson();
    } finally {
      this.rendering = false;
      for (const o of this.served) delete (o as any).toJson;
      this.served = [];
    }
  }

  /**
   * Inside `App.synth()`: the whole app was validated (this gate included) and its dependencies
   * resolved moments ago, in this synth, and nothing changed since. `Chart.toJson()` would
   * validate and resolve the whole app again, for every chart, which makes a synth quadratic in
   * the number of charts; render the chart's objects directly instead, with the JSON the gate
   * checked. Anywhere else (a first `toJson()`, `Testing.synth`), the full path runs.
   */
  private renderValidated(): any[] | undefined {
    const gate = this.gate;
    if (!gate || gate !== this.validated || !gate.json || this.collect().fingerprint !== gate.fingerprint) return undefined;
    const json = gate.json;
    return new DependencyGraph(this.node).topology()
      .filter((x): x is ApiObject => ApiObject.isApiObject(x) && Chart.of(x) === this)
      .map((o) => json.get(o) ?? o.toJson());
  }

  private validatePolicy(): string[] {
    const result = this.evaluate();
    this.validated = result;
    if (this.rendering && result.json) {
      // Chart.toJson() validates the app, then calls toJson() on each of our objects: answer
      // those calls with the JSON the gate already computed (once; a later render recomputes).
      for (const [o, json] of result.json) {
        Object.defineProperty(o, 'toJson', { value: () => json, configurable: true, writable: true, enumerable: false });
        this.served.push(o);
      }
      result.json = undefined;
    }
    return result.errors;
  }

  /** The ApiObjects this gate checks: those under this chart but not under a nested HardenedChart. */
  private collect(): { objects: ApiObject[]; scopes: Map<IConstruct, Acknowledgement[]>; fingerprint: string } {
    const objects: ApiObject[] = [];
    const scopes = new Map<IConstruct, Acknowledgement[]>();
    let nodes = 0;
    let patches = 0;
    const visit = (c: IConstruct) => {
      nodes++;
      const acks = Policy.acknowledgementsOf(c);
      if (acks.length) scopes.set(c, acks);
      if (ApiObject.isApiObject(c)) {
        objects.push(c);
        patches += ((c as any).patches?.length ?? 0);
      }
      for (const child of c.node.children) if (!HardenedChart.isHardenedChart(child)) visit(child);
    };
    visit(this);
    return { objects, scopes, fingerprint: `${Policy._generation()}:${nodes}:${objects.length}:${patches}` };
  }

  private evaluate(): GateResult {
    const { objects: apiObjects, scopes, fingerprint } = this.collect();
    if (this.gate && this.gate.fingerprint === fingerprint) return this.gate;

    const json = new Map<ApiObject, any>();
    const objects: PolicyObject[] = [];
    const rendered: ApiObject[] = [];
    const renderErrors: string[] = [];
    for (const o of apiObjects) {
      try {
        const j = o.toJson();
        json.set(o, j);
        objects.push({ json: j, origin: o.node.path });
        rendered.push(o);
      } catch (e) {
        renderErrors.push(`${o.node.path}: cannot render the object to check it: ${(e as Error).message}`);
      }
    }

    // Acknowledgements: each declared on a construct applies to the objects under it.
    const ackScopes: AcknowledgementScope[] = [];
    const scopeOf = new Map<IConstruct, AcknowledgementScope[]>();
    for (const [c, acks] of scopes) {
      const list = acks.map((a) => ({ ...a, declaredAt: c.node.path || '(app)', objects: [] as number[] }));
      scopeOf.set(c, list);
      ackScopes.push(...list);
    }
    if (scopeOf.size) {
      rendered.forEach((o, i) => {
        for (let c: IConstruct | undefined = o; c; c = c === this ? undefined : c.node.scope) {
          for (const s of scopeOf.get(c) ?? []) s.objects.push(i);
        }
      });
    }
    const report = evaluatePolicy(objects, { rules: this.rules, pssVersion: this.pss, acknowledgements: ackScopes, keepInactiveAcknowledgements: true });

    // Record every exception on the objects it applied to.
    const perObject = new Map<number, Acknowledgement[]>();
    for (const f of report.suppressed) {
      const list = perObject.get(f.objectIndex) ?? [];
      if (!list.some((a) => a.ruleId === f.ruleId)) list.push({ ruleId: f.ruleId, reason: f.reason });
      perObject.set(f.objectIndex, list);
    }
    const annotations = new Map<ApiObject, string>();
    rendered.forEach((o, i) => {
      const acks = perObject.get(i);
      const j = json.get(o);
      if (acks) {
        const value = formatAcknowledgements(acks);
        annotations.set(o, value);
        j.metadata = sortedKeys({ ...(j.metadata ?? {}), annotations: sortedKeys({ ...(j.metadata?.annotations ?? {}), [ACK_ANNOTATION]: value }) });
        if (!this.annotated.has(o)) {
          this.annotated.add(o);
          o.metadata.addAnnotation(ACK_ANNOTATION, Lazy.any({ produce: () => this.annotations.get(o) }));
        }
      } else if (j?.metadata?.annotations?.[ACK_ANNOTATION] !== undefined && this.annotated.has(o)) {
        delete j.metadata.annotations[ACK_ANNOTATION];
        if (!Object.keys(j.metadata.annotations).length) delete j.metadata.annotations;
      }
    });
    this.annotations = annotations;

    const errors = [...renderErrors];
    if (report.errors) errors.push(renderReport(report, { title: `policy gate of HardenedChart ${this.node.path}` }));
    else if (report.warnings && this.printWarnings) {
      process.stderr.write(renderReport(report, { title: `policy gate of HardenedChart ${this.node.path} (warnings only, not failing)` }) + '\n');
    }
    const result: GateResult = { fingerprint, report, errors, json };
    this.gate = result;
    // A result lives for the current synchronous synth only: the next tick starts fresh.
    queueMicrotask(() => {
      if (this.gate === result) this.gate = undefined;
    });
    return result;
  }
}

/** Same key order as cdk8s output (sorted unless CDK8S_DISABLE_SORT is set). */
function sortedKeys(o: Record<string, any>): Record<string, any> {
  if (process.env.CDK8S_DISABLE_SORT) return o;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

function quantities(scope: IConstruct, prop: string, values: { [k: string]: string }): { [k: string]: k8s.Quantity } {
  const out: { [k: string]: k8s.Quantity } = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'string' || parseQuantity(v) === undefined) {
      throw propError(scope, `${prop}.${k}`, v, 'not a Kubernetes quantity', 'use e.g. "500m", "2", "512Mi" or "10Gi"');
    }
    out[k] = kube.quantity(v);
  }
  return out;
}
