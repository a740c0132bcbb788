/*
 * The synth-time policy gate: rules attached to any scope (a HardenedChart, any construct, or the
 * App), evaluated over every ApiObject under that scope.
 *
 * Render once, check, write exactly that. Every entry point that validates and renders
 * (`app.synth()`, `app.synthYaml()`, `chart.toJson()` and so `Testing.synth`) runs in one
 * synthesis *session*: while it lasts, each ApiObject renders at most once and every later
 * `toJson()` of that object returns the JSON the gates checked; when it ends, nothing is kept, so
 * no result can go stale. Objects added after the gates ran are refused, not written unchecked.
 * `app.synth()` writes into a temporary directory and moves the files into the output directory
 * only when the whole synthesis succeeded: a failing synth leaves the output directory as it was.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from '../hardening/errors';
import { ACK_ANNOTATION, formatAcknowledgements } from './acknowledgements';
import { AcknowledgementScope, evaluatePolicy, PolicyReport, withUnusedAcknowledgements } from './engine';
import { expandLists, isMap, LATEST_PSS, parsePssVersion } from './k8s';
import { Acknowledgement, formatPath, PolicyObject, PolicyRule } from './model';
import { Policy } from './policy';
import { PolicyPack, resolveRules } from './registry';
import { renderReport } from './report';
import { duplicateErrors, ObjectIdentity } from './duplicates';

/** Options of a policy gate. */
export interface PolicyGateProps {
  /** The policy rule packs the gate runs. @default PolicyPack.all() */
  readonly policyPacks?: PolicyPack[];
  /**
   * Pod Security Standards version for version-dependent relaxations: `v1.<minor>` or `latest`.
   * @default 'v1.28'
   */
  readonly podSecurityVersion?: string;
  /** Print policy warnings (which never fail the synth) to stderr. @default true */
  readonly printWarnings?: boolean;
  /** Title of the gate in reports. @default - "policy gate of <scope path>" */
  readonly title?: string;
}

const GATE = Symbol.for('cdk8s-hardened.PolicyGate');
const GATES = Symbol.for('cdk8s-hardened.PolicyGate.registry');
const HOOKED = Symbol.for('cdk8s-hardened.PolicyGate.hooked');

/**
 * A synth-time policy gate on a scope: every Kubernetes object under the scope (from this library,
 * cdk8s-plus, raw `ApiObject`s, `Include`d YAML, nested charts, nested gates) is checked against
 * the gate's rules when the app is synthesized; errors fail the synth, and nothing is written.
 * Gates nest: an object under two gates is checked by both. `HardenedChart` attaches one to itself.
 */
export class PolicyGate {
  /**
   * Attaches a gate to `scope` (a chart, any construct, or the App).
   * @param scope the construct whose objects the gate checks
   * @param props the rules and options
   */
  public static attach(scope: IConstruct, props: PolicyGateProps = {}): PolicyGate {
    if (PolicyGate.of(scope)) throw propError(scope, 'scope', scope.node.path || '(app)', 'a policy gate is already attached here', 'attach one gate per scope; list every pack it should run in policyPacks');
    return new PolicyGate(scope, props);
  }

  /** The gate attached to exactly this scope, if any. */
  public static of(scope: IConstruct): PolicyGate | undefined {
    return (scope as any)[GATE];
  }

  /** The construct whose objects the gate checks. */
  public readonly scope: IConstruct;
  /** The Pod Security Standards version the gate applies. */
  public readonly podSecurityVersion: string;
  /** @internal */
  public readonly _rules: PolicyRule[];
  /** @internal */
  public readonly _pss: [number, number];
  /** @internal */
  public readonly _printWarnings: boolean;
  /** @internal */
  public readonly _title: string;

  private constructor(scope: IConstruct, props: PolicyGateProps) {
    this.scope = scope;
    this.podSecurityVersion = props.podSecurityVersion ?? 'v1.28';
    const pss = /^v\d+\.\d+$/.test(this.podSecurityVersion) || this.podSecurityVersion === 'latest' ? parsePssVersion(this.podSecurityVersion) : undefined;
    if (!pss) throw propError(scope, 'podSecurityVersion', this.podSecurityVersion, 'not a Pod Security Standards version the rules know', `use "v1.<minor>" up to v1.${LATEST_PSS[1]} (e.g. "v1.28") or "latest"`);
    this._pss = pss;
    const packs = props.policyPacks ?? PolicyPack.all();
    if (!packs.length) throw propError(scope, 'policyPacks', [], 'an empty list runs no rules', 'omit policyPacks to run every pack, or name the packs to run');
    this._rules = resolveRules(packs);
    this._printWarnings = props.printWarnings ?? true;
    this._title = props.title ?? `policy gate of ${scope.node.path || 'the app'}`;
    Object.defineProperty(scope, GATE, { value: this });
    const root = scope.node.root;
    let registry: PolicyGate[] | undefined = (root as any)[GATES];
    if (!registry) Object.defineProperty(root, GATES, { value: registry = [] });
    registry.push(this);
    hookApp(root);
    scope.node.addValidation({ validate: () => this.validate() });
  }

  /**
   * The policy report for the tree as it is now: findings, acknowledged findings, unused
   * acknowledgements. Rendered and evaluated afresh on every call outside a synthesis.
   */
  public report(): PolicyReport {
    return withSession(this.scope.node.root, (s) => s.outcome(this).report);
  }

  private validate(): string[] {
    return withSession(this.scope.node.root, (s) => {
      const o = s.outcome(this);
      if (!o.printed && !o.report.errors && o.report.warnings && this._printWarnings) {
        o.printed = true;
        process.stderr.write(renderReport(o.report, { title: `${this._title} (warnings only, not failing)` }) + '\n');
      }
      return o.errors;
    });
  }
}

interface GateOutcome {
  readonly report: PolicyReport;
  readonly errors: string[];
  printed?: boolean;
}

type Rendered = { json: any } | { error: Error };

/** One synthesis: each object rendered once, each gate evaluated once. */
class Session {
  /**
   * Set by `app.synth()` and `app.synthYaml()`, which validate the app once before rendering the
   * charts: a chart's render within them needs no second validation of the whole app.
   */
  public appLevel = false;
  private readonly rendered = new Map<ApiObject, Rendered>();
  private readonly originals = new Map<ApiObject, () => any>();
  /** Objects that had a `toJson` of their own before the session (restored, not deleted, after it). */
  private readonly ownToJson = new Map<ApiObject, PropertyDescriptor>();
  private readonly checked = new Set<ApiObject>();
  /** The JSON of every object the gates checked, as rendered: what a chart may return to be written. */
  private readonly checkedJson = new WeakSet<object>();
  /** Charts under a gate, with their own `toJson` (if any) to restore after the session. */
  private readonly charts = new Map<Chart, PropertyDescriptor | undefined>();
  private outcomes?: Map<PolicyGate, GateOutcome>;

  constructor(public readonly root: IConstruct) {
    for (const c of root.node.findAll()) {
      if (ApiObject.isApiObject(c)) this.install(c);
      else if (Chart.isChart(c) && gatesOver(root, c).length) this.installChart(c);
    }
  }

  /**
   * Makes `chart.toJson()` refuse to return anything but the objects the gates checked: cdk8s
   * writes what a chart's `toJson()` returns, and a Chart subclass can override it to append or
   * rewrite objects after the check.
   */
  private installChart(chart: Chart): void {
    const original = chart.toJson;
    this.charts.set(chart, Object.getOwnPropertyDescriptor(chart, 'toJson'));
    Object.defineProperty(chart, 'toJson', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: () => {
        const out = original.call(chart);
        for (const json of Object.values(out ?? {})) {
          if (!this.outcomes || !isMap(json) || !this.checkedJson.has(json)) {
            const what = isMap(json) ? `${String(json.kind)} ${JSON.stringify(String(json.metadata?.name ?? ''))}` : JSON.stringify(json);
            throw new Error(`${chart.node.path}: the chart's toJson() returned an object the policy gates did not check (${what}); add it to the chart as an ApiObject (or with Include) instead of returning it from toJson()`);
          }
        }
        return out;
      },
    });
  }

  /** Makes `o.toJson()` answer with this session's rendering. */
  public install(o: ApiObject): void {
    if (this.originals.has(o)) return;
    const original = o.toJson;
    this.originals.set(o, original);
    const own = Object.getOwnPropertyDescriptor(o, 'toJson');
    if (own) this.ownToJson.set(o, own);
    Object.defineProperty(o, 'toJson', { value: () => this.render(o), configurable: true, writable: true, enumerable: false });
  }

  public render(o: ApiObject): any {
    let r = this.rendered.get(o);
    if (!r) {
      this.install(o);
      try {
        r = { json: this.originals.get(o)!.call(o) };
      } catch (e) {
        r = { error: e as Error };
      }
      this.rendered.set(o, r);
    }
    if ('error' in r) throw r.error;
    if (!this.checked.has(o) && this.outcomes && gatesOver(this.root, o).length) {
      throw new Error(`${o.node.path}: this object was added or first rendered after the policy gates ran, so it was not checked; add objects before synthesizing`);
    }
    return r.json;
  }

  public end(): void {
    for (const [chart, own] of this.charts) {
      if (own) Object.defineProperty(chart, 'toJson', own);
      else delete (chart as any).toJson;
    }
    for (const o of this.originals.keys()) {
      const own = this.ownToJson.get(o);
      if (own) Object.defineProperty(o, 'toJson', own);
      else delete (o as any).toJson;
    }
  }

  public outcome(gate: PolicyGate): GateOutcome {
    this.outcomes ??= this.evaluateAll();
    const o = this.outcomes.get(gate);
    if (!o) throw new Error(`${gate.scope.node.path}: the policy gate is not part of this app`);
    return o;
  }

  /** Every ApiObject under a gate was checked (called after writing, before publishing). */
  public verifyAllChecked(): void {
    if (!this.outcomes) return;
    for (const c of this.root.node.findAll()) {
      if (ApiObject.isApiObject(c) && !this.checked.has(c) && gatesOver(this.root, c).length) {
        throw new Error(`${c.node.path}: this object was added after the policy gates ran, so it was not checked; add objects before synthesizing`);
      }
    }
  }

  /**
   * Renders the objects of a chart the way cdk8s does (its closest-chart objects in dependency
   * order), from this session, after the gates have passed.
   */
  public renderChart(chart: Chart): any[] {
    this.outcomes ??= this.evaluateAll();
    const errors = [...this.outcomes.values()].flatMap((o) => o.errors);
    if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    return new DependencyGraph(chart.node).topology()
      .filter((x): x is ApiObject => ApiObject.isApiObject(x) && Chart.of(x) === chart)
      .map((o) => this.render(o));
  }

  private evaluateAll(): Map<PolicyGate, GateOutcome> {
    const gates: PolicyGate[] = [...((this.root as any)[GATES] ?? [])];
    const ackKey = (c: IConstruct, ruleId: string) => `${c.node.path}\u0000${ruleId}`;
    const perGate: Array<{ gate: PolicyGate; objects: PolicyObject[]; renderErrors: string[]; acks: AcknowledgementScope[]; keys: string[]; report: PolicyReport }> = [];
    /** For every acknowledgement: the gates that see it, and whether one of them used it. */
    const seenBy = new Map<string, { gates: PolicyGate[]; used: boolean; active: boolean }>();

    for (const gate of gates) {
      /** The objects the rules see (a list's items, not the list), each with the ApiObject it is in. */
      const owners: ApiObject[] = [];
      const objects: PolicyObject[] = [];
      const renderErrors: string[] = [];
      const scopes = new Map<IConstruct, Acknowledgement[]>();
      for (let c = gate.scope.node.scope; c; c = c.node.scope) {
        const acks = Policy.acknowledgementsOf(c);
        if (acks.length) scopes.set(c, acks);
      }
      for (const c of gate.scope.node.findAll()) {
        const acks = Policy.acknowledgementsOf(c);
        if (acks.length) scopes.set(c, acks);
        if (!ApiObject.isApiObject(c)) continue;
        this.checked.add(c);
        let json: any;
        try {
          json = this.render(c);
          if (isMap(json)) this.checkedJson.add(json);
        } catch (e) {
          renderErrors.push(`${c.node.path}: cannot render the object to check it: ${(e as Error).message}`);
          continue;
        }
        for (const item of expandLists(json)) {
          owners.push(c);
          objects.push({ json: item.json, origin: item.path.length ? `${c.node.path} (${formatPath(item.path)})` : c.node.path });
        }
      }
      const acks: AcknowledgementScope[] = [];
      const keys: string[] = [];
      // The objects under each acknowledging construct: walk up from each object (linear).
      const under = new Map<IConstruct, number[]>([...scopes.keys()].map((c) => [c, []]));
      if (under.size) {
        owners.forEach((o, i) => {
          for (let c: IConstruct | undefined = o; c; c = c.node.scope) under.get(c)?.push(i);
        });
      }
      for (const [c, list] of scopes) {
        const indexes = under.get(c)!;
        for (const a of list) {
          acks.push({ ...a, declaredAt: c.node.path || '(app)', objects: indexes });
          const key = ackKey(c, a.ruleId);
          keys.push(key);
          const entry = seenBy.get(key) ?? { gates: [], used: false, active: false };
          entry.gates.push(gate);
          if (gate._rules.some((r) => r.id === a.ruleId)) entry.active = true;
          seenBy.set(key, entry);
        }
      }
      const report = evaluatePolicy(objects, { rules: gate._rules, pssVersion: gate._pss, acknowledgements: acks, keepInactiveAcknowledgements: true, reportUnused: false });
      for (let i = 0; i < acks.length; i++) if (!report.unused.includes(acks[i])) seenBy.get(keys[i])!.used = true;
      perGate.push({ gate, objects, renderErrors, acks, keys, report });
    }

    // The same object twice anywhere in the app (under a gate or not): reported once, by the first gate.
    const identities: ObjectIdentity[] = [];
    for (const c of this.root.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      let json: any;
      try {
        json = this.render(c);
      } catch {
        continue; // a gate over it reports the render error; cdk8s reports it for the others
      }
      for (const item of expandLists(json)) {
        const j = item.json;
        identities.push({ apiVersion: j?.apiVersion, kind: j?.kind, namespace: j?.metadata?.namespace, name: j?.metadata?.name, origin: item.path.length ? `${c.node.path} (${formatPath(item.path)})` : c.node.path });
      }
    }
    const duplicates = duplicateErrors(identities);

    // An acknowledgement is unused when no gate that sees it used it; it is reported once, by
    // the first gate that runs its rule (or the first that sees it, if none runs the rule).
    const out = new Map<PolicyGate, GateOutcome>();
    /** Acknowledgements applied, by the object (a list item is its own object) they applied to. */
    const recorded = new Map<object, Map<string, Acknowledgement>>();
    for (const g of perGate) {
      const unused = g.acks.filter((a, i) => {
        const entry = seenBy.get(g.keys[i])!;
        if (entry.used) return false;
        const reporter = entry.active ? entry.gates.find((x) => x._rules.some((r) => r.id === a.ruleId)) : entry.gates[0];
        return reporter === g.gate;
      });
      const report = withUnusedAcknowledgements(g.report, unused, g.objects, new Set(g.gate._rules.map((r) => r.id)));
      for (const f of report.suppressed) {
        const o = g.objects[f.objectIndex].json;
        const list = recorded.get(o) ?? new Map<string, Acknowledgement>();
        if (!list.has(f.ruleId)) list.set(f.ruleId, { ruleId: f.ruleId, reason: f.reason });
        recorded.set(o, list);
      }
      const errors = [...g.renderErrors, ...(g === perGate[0] ? duplicates : [])];
      if (report.errors) errors.push(renderReport(report, { title: g.gate._title }));
      out.set(g.gate, { report, errors });
    }

    // The gates are the only source of acknowledgement annotations in the output: record each
    // exception on the objects it applied to, and drop any other value of the annotation.
    for (const g of perGate) {
      for (const { json } of g.objects) {
        if (!isMap(json)) continue;
        const acks = recorded.get(json);
        const annotations = json.metadata?.annotations;
        if (acks) {
          json.metadata = sortedKeys({ ...(json.metadata ?? {}), annotations: sortedKeys({ ...(annotations ?? {}), [ACK_ANNOTATION]: formatAcknowledgements([...acks.values()]) }) });
        } else if (isMap(annotations) && annotations[ACK_ANNOTATION] !== undefined) {
          delete annotations[ACK_ANNOTATION];
          if (!Object.keys(annotations).length) delete json.metadata.annotations;
        }
      }
    }
    return out;
  }
}

let current: Session | undefined;

/** Runs `fn` in the current session of `root`, or in a new one that ends when `fn` returns. */
function withSession<T>(root: IConstruct, fn: (s: Session) => T): T {
  if (current && current.root === root) return fn(current);
  const previous = current;
  const session = new Session(root);
  current = session;
  try {
    return fn(session);
  } finally {
    session.end();
    current = previous;
  }
}

/** The gates whose scope contains `c`. */
function gatesOver(root: IConstruct, c: IConstruct): PolicyGate[] {
  const gates: PolicyGate[] = (root as any)[GATES] ?? [];
  if (!gates.length) return [];
  const out: PolicyGate[] = [];
  for (let x: IConstruct | undefined = c; x; x = x.node.scope) {
    const g = PolicyGate.of(x);
    if (g) out.push(g);
  }
  return out;
}

/** Same key order as cdk8s output (sorted unless CDK8S_DISABLE_SORT is set). */
function sortedKeys(o: Record<string, any>): Record<string, any> {
  if (process.env.CDK8S_DISABLE_SORT) return o;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/**
 * Routes the app's synthesis through one session. `app.synth()` and `app.synthYaml()` are
 * wrapped on the App instance; `chart.toJson()` reaches the app through cdk8s's
 * `App._synthChart`, wrapped once (it only changes anything for apps with a gate).
 */
function hookApp(root: IConstruct): void {
  hookSynthChart();
  if ((root as any)[HOOKED] || !(root instanceof App)) return;
  Object.defineProperty(root, HOOKED, { value: true });
  const app = root;
  const synth = app.synth;
  const synthYaml = app.synthYaml;
  Object.defineProperty(app, 'synth', {
    configurable: true,
    writable: true,
    value: function () {
      if (current?.root === app) return synth.call(app);
      const outdir = app.outdir;
      const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-hardened-synth-'));
      try {
        withSession(app, (s) => {
          setOutdir(app, staging);
          try {
            synthWithValidatedFlag(app, s, synth);
            s.verifyAllChecked();
          } finally {
            setOutdir(app, outdir);
          }
        });
        fs.mkdirSync(outdir, { recursive: true });
        fs.cpSync(staging, outdir, { recursive: true, force: true });
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    },
  });
  Object.defineProperty(app, 'synthYaml', {
    configurable: true,
    writable: true,
    value: function () {
      return withSession(app, (s) => {
        const yaml = synthWithValidatedFlag(app, s, synthYaml);
        s.verifyAllChecked();
        return yaml;
      });
    },
  });
}

/** Runs cdk8s's synth in the session; the charts it renders are checked first (see `hookSynthChart`). */
function synthWithValidatedFlag<T>(app: App, s: Session, fn: () => T): T {
  s.appLevel = true;
  return fn.call(app);
}

function setOutdir(app: App, dir: string): void {
  Object.defineProperty(app, 'outdir', { value: dir, configurable: true, writable: true, enumerable: true });
}

let synthChartHooked = false;
function hookSynthChart(): void {
  if (synthChartHooked) return;
  synthChartHooked = true;
  const A = App as any;
  const original = A._synthChart;
  if (typeof original !== 'function') return;
  A._synthChart = function (chart: Chart) {
    const root = chart.node.root;
    if (!((root as any)[GATES]?.length)) return original.call(this, chart);
    if (current?.root === root && current.appLevel) return current.renderChart(chart);
    return withSession(root, () => original.call(this, chart));
  };
}
