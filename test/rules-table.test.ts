import * as fs from 'fs';
import * as path from 'path';
import { renderRulesTable, withRulesTable } from '../src/policy/rules-table';
import { ALL_RULES } from '../src/policy/registry';

const RULES_PAGE = path.join(__dirname, '..', 'docs', 'rules.md');

test('the rules table in docs/rules.md is the one generated from the rule data (npx projen docs:rules)', () => {
  const page = fs.readFileSync(RULES_PAGE, 'utf8');
  expect(withRulesTable(page)).toBe(page);
});

test('the table lists every rule once', () => {
  const table = renderRulesTable();
  for (const r of ALL_RULES) expect(table.split(`| ${r.id} |`).length).toBe(2);
});
