/* The rules table of docs/rules.md, generated from the rule data. */
import { PolicyRule } from './model';
import { ALL_RULES, PolicyPack } from './registry';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown: one table per family, with id, severity, packs, standards, what and fix. */
export function renderRulesTable(rules: PolicyRule[] = ALL_RULES): string {
  const packs = [PolicyPack.POD_SECURITY_BASELINE, ...PolicyPack.all()];
  const packsOf = (r: PolicyRule) => packs.filter((p) => p.rules.some((x) => x.id === r.id)).map((p) => `\`${p.name}\``).join(', ') || '(always)';
  const families = [...new Set(rules.map((r) => r.family))];
  const out: string[] = [
    '<!-- Generated from the rule data by renderRulesTable() (src/policy/rules-table.ts): run `npx projen docs:rules`. test/rules-table.test.ts fails when it is stale. -->',
    `${rules.length} rules. Errors fail the synth of a \`HardenedChart\` and make \`cdk8s-hardened check\` exit 1; warnings are reported only.`,
    'Acknowledge a rule with `Policy.acknowledge(construct, ruleId, reason)` (or the `hardened.cdk8s.io/acknowledged` annotation in YAML).',
    '',
  ];
  for (const family of families) {
    out.push(`### ${family}`, '', '| id | severity | rule | packs | standard | why | fix |', '|---|---|---|---|---|---|---|');
    for (const r of rules.filter((x) => x.family === family)) {
      const title = r.overrides?.length ? `${r.title} (replaces ${r.overrides.join(', ')} when both run)` : r.title;
      out.push(`| ${r.id} | ${r.severity} | ${cell(title)} | ${packsOf(r)} | ${cell(r.standards.join('; '))} | ${cell(r.explanation)} | ${cell(r.fix)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Markers around the generated table in docs/rules.md. */
export const RULES_TABLE_START = '<!-- rules-table:start -->';
export const RULES_TABLE_END = '<!-- rules-table:end -->';

/** `readme` with the text between the markers replaced by the generated table. */
export function withRulesTable(readme: string, table: string = renderRulesTable()): string {
  const start = readme.indexOf(RULES_TABLE_START);
  const end = readme.indexOf(RULES_TABLE_END);
  if (start < 0 || end < start) throw new Error(`the rules page (docs/rules.md) has no ${RULES_TABLE_START} ... ${RULES_TABLE_END} section`);
  return `${readme.slice(0, start + RULES_TABLE_START.length)}\n${table}${readme.slice(end)}`;
}
