import * as fs from 'fs';
import * as path from 'path';
import { renderRulesTable } from '../src/policy/rules-table';
import { ALL_RULES } from '../src/policy/registry';

const DOC = path.join(__dirname, '..', 'docs', 'policy-rules.md');

test('docs/policy-rules.md is the table generated from the rule data', () => {
  // To regenerate: npx ts-node --transpile-only -e "process.stdout.write(require('./src/policy/rules-table').renderRulesTable())" > docs/policy-rules.md
  expect(fs.readFileSync(DOC, 'utf8')).toBe(renderRulesTable());
});

test('the table lists every rule once', () => {
  const table = renderRulesTable();
  for (const r of ALL_RULES) expect(table.split(`| ${r.id} |`).length).toBe(2);
});
