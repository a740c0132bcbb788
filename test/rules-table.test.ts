import * as fs from 'fs';
import * as path from 'path';
import { renderRulesTable, withRulesTable } from '../src/policy/rules-table';
import { ALL_RULES } from '../src/policy/registry';

const README = path.join(__dirname, '..', 'README.md');

test('the rules table in README.md is the one generated from the rule data (npx projen docs:rules)', () => {
  const readme = fs.readFileSync(README, 'utf8');
  expect(withRulesTable(readme)).toBe(readme);
});

test('the table lists every rule once', () => {
  const table = renderRulesTable();
  for (const r of ALL_RULES) expect(table.split(`| ${r.id} |`).length).toBe(2);
});
