/* Human-readable rendering of a policy report (used by the synth gate and `check`). */
import { PolicyReport } from './engine';
import { describeObject, Finding } from './model';

function groupByObject<T extends Finding>(findings: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const f of findings) {
    const key = `${describeObject(f.object)}  (${f.origin})`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return groups;
}

export interface RenderOptions {
  /** Title line. */
  readonly title: string;
  /** Include warnings. @default true */
  readonly warnings?: boolean;
}

/** The report as text: findings grouped by object, each with field path, problem and fix. */
export function renderReport(report: PolicyReport, options: RenderOptions): string {
  const lines: string[] = [];
  const shown = report.findings.filter((f) => options.warnings !== false || f.severity === 'error');
  lines.push(`${options.title}: ${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`
    + `, ${report.suppressed.length} acknowledged, in ${report.objects} object${report.objects === 1 ? '' : 's'}`);
  for (const [obj, fs] of groupByObject(shown)) {
    lines.push('', obj);
    for (const f of fs) {
      lines.push(`  ${f.severity === 'error' ? 'ERROR  ' : 'warning'} ${f.ruleId}  at ${f.path}`);
      lines.push(`          ${f.message}`);
      lines.push(`          fix: ${f.fix}`);
    }
  }
  if (report.suppressed.length) {
    lines.push('', 'Acknowledged exceptions:');
    for (const [obj, fs] of groupByObject(report.suppressed)) {
      const seen = new Set<string>();
      for (const f of fs) {
        if (seen.has(f.ruleId)) continue;
        seen.add(f.ruleId);
        const n = fs.filter((x) => x.ruleId === f.ruleId).length;
        lines.push(`  ${obj}: ${f.ruleId}${n > 1 ? ` (${n} findings)` : ''}: ${f.reason}`);
      }
    }
  }
  if (report.errors) {
    lines.push('', 'Fix the errors, or acknowledge a rule with a reason: Policy.acknowledge(construct, ruleId, reason)'
      + ' (or the hardened.cdk8s.io/acknowledged annotation in YAML).');
  }
  return lines.join('\n');
}
