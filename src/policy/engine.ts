/* Runs rules over an object set, applies acknowledgements, and builds the report. */
import { buildIndex, LATEST_PSS, metaOf } from './k8s';
import { Acknowledgement, Finding, formatPath, ObjectRef, PolicyContext, PolicyObject, PolicyRule, RuleSeverity, SuppressedFinding } from './model';
import { UNUSED_ACKNOWLEDGEMENT } from './registry';

/** Acknowledgements declared once (a construct, or an annotation) for some objects of the set. */
export interface AcknowledgementScope extends Acknowledgement {
  /** Where it was declared: a construct path or `file:line`. */
  readonly declaredAt: string;
  /** Indexes of the objects (in the evaluated set) it applies to. */
  readonly objects: number[];
}

export interface EvaluateOptions {
  /** Rules to run (see `resolveRules`). */
  readonly rules: PolicyRule[];
  /** @default latest */
  readonly pssVersion?: readonly [number, number];
  readonly acknowledgements?: AcknowledgementScope[];
  /**
   * Report acknowledgements of rules that are not running as unused (the synth gate: the code
   * is the source of truth). Otherwise they are ignored (`check` with a subset of packs).
   * @default false
   */
  readonly keepInactiveAcknowledgements?: boolean;
  /**
   * Add a HARDENED-ACK-001 finding for each unused acknowledgement. The synth gate turns this off
   * and decides across all its gates (`withUnusedAcknowledgements`): an acknowledgement is
   * unused only when no gate that sees it used it.
   * @default true
   */
  readonly reportUnused?: boolean;
  /**
   * List at most this many findings (and as many acknowledged ones); the rest are counted only,
   * so memory stays bounded whatever the input (`check`).
   * @default - no limit
   */
  readonly maxFindings?: number;
}

export interface PolicyReport {
  /** Findings not acknowledged (errors and warnings), by object then rule. */
  readonly findings: Finding[];
  /** Findings an acknowledgement suppressed. */
  readonly suppressed: SuppressedFinding[];
  /** Acknowledgements that matched no finding (reported as HARDENED-ACK-001 findings too). */
  readonly unused: AcknowledgementScope[];
  readonly errors: number;
  readonly warnings: number;
  /** Number of objects evaluated. */
  readonly objects: number;
  /**
   * Findings counted in `errors` and `warnings` (or acknowledged) but not listed, past
   * `maxFindings`. @default 0
   */
  readonly omitted?: number;
  /** @internal errors among the omitted findings */
  readonly _omittedErrors?: number;
  /** @internal warnings among the omitted findings */
  readonly _omittedWarnings?: number;
}

export function objectRef(json: any): ObjectRef {
  const m = metaOf(json);
  return {
    apiVersion: String(json?.apiVersion ?? ''),
    kind: String(json?.kind ?? '?'),
    name: String(m.name ?? m.generateName ?? '?'),
    ...(m.namespace ? { namespace: String(m.namespace) } : {}),
  };
}

export function evaluatePolicy(objects: readonly PolicyObject[], options: EvaluateOptions): PolicyReport {
  const context: PolicyContext = { objects: objects as PolicyObject[], pssVersion: [...(options.pssVersion ?? LATEST_PSS)], _index: buildIndex(objects) };
  const active = new Set(options.rules.map((r) => r.id));
  const acks = (options.acknowledgements ?? []).filter((a) => options.keepInactiveAcknowledgements || active.has(a.ruleId));
  const byObject = new Map<number, AcknowledgementScope[]>();
  for (const a of acks) for (const i of a.objects) byObject.set(i, [...(byObject.get(i) ?? []), a]);
  const used = new Set<AcknowledgementScope>();

  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const max = options.maxFindings ?? Infinity;
  let omitted = 0;
  let omittedErrors = 0;
  let omittedWarnings = 0;
  objects.forEach((po, objectIndex) => {
    if (po.json === null || typeof po.json !== 'object') return;
    let ref: ObjectRef | undefined; // only objects with findings need it
    for (const rule of options.rules) {
      let violations;
      try {
        violations = rule.evaluate(po.json, context);
      } catch (e) {
        violations = [{ path: [], message: `rule failed on this object: ${(e as Error).message}` }];
      }
      for (const v of violations) {
        const ack = (byObject.get(objectIndex) ?? []).find((a) => a.ruleId === rule.id);
        if (ack) used.add(ack);
        if ((ack ? suppressed.length : findings.length) >= max) {
          // Counted, not listed: no Finding is built (bounded memory for any input).
          omitted++;
          if (!ack) {
            if (rule.severity === RuleSeverity.ERROR) omittedErrors++; else omittedWarnings++;
          }
          continue;
        }
        ref ??= objectRef(po.json);
        const f: Finding = {
          ruleId: rule.id, severity: rule.severity, object: ref, origin: po.origin, objectIndex,
          path: formatPath(v.path), pathSegments: v.path, message: v.message, fix: v.fix ?? rule.fix,
        };
        if (ack) suppressed.push({ ...f, reason: ack.reason });
        else findings.push(f);
      }
    }
  });
  const unused = acks.filter((a) => !used.has(a));
  const report: PolicyReport = {
    findings, suppressed, unused, errors: 0, warnings: 0, objects: objects.length,
    ...(omitted ? { omitted, _omittedErrors: omittedErrors, _omittedWarnings: omittedWarnings } : {}),
  };
  return options.reportUnused === false ? count(report) : withUnusedAcknowledgements(report, unused, objects, active);
}

function count(report: PolicyReport): PolicyReport {
  return {
    ...report,
    errors: report.findings.filter((f) => f.severity === RuleSeverity.ERROR).length + (report._omittedErrors ?? 0),
    warnings: report.findings.filter((f) => f.severity === RuleSeverity.WARNING).length + (report._omittedWarnings ?? 0),
  };
}

/** The report with a HARDENED-ACK-001 finding for each of `unused` (and `unused` as its list). */
export function withUnusedAcknowledgements(report: PolicyReport, unused: AcknowledgementScope[], objects: readonly PolicyObject[], active: ReadonlySet<string>): PolicyReport {
  const findings = [...report.findings];
  for (const a of unused) {
    const objectIndex = a.objects[0] ?? -1;
    findings.push({
      ruleId: UNUSED_ACKNOWLEDGEMENT.id,
      severity: UNUSED_ACKNOWLEDGEMENT.severity,
      object: objectIndex >= 0 ? objectRef(objects[objectIndex].json) : { apiVersion: '', kind: '(scope)', name: a.declaredAt },
      origin: a.declaredAt,
      objectIndex,
      path: 'metadata.annotations',
      pathSegments: ['metadata', 'annotations'],
      message: `${a.ruleId} is acknowledged at ${a.declaredAt} ("${a.reason}") but ${active.has(a.ruleId) ? 'never fires there' : 'is not in the policy packs that run'}`,
      fix: UNUSED_ACKNOWLEDGEMENT.fix,
    });
  }
  return count({ ...report, findings, unused });
}
