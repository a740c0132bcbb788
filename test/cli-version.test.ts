import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const entry = path.join(root, 'src', 'cli', 'index.ts');
const run = (...args: string[]) => spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, ...args], { cwd: root, encoding: 'utf8' });

test('`cdk8s-hardened --version` prints the package version and exits 0', () => {
  const { version } = require('../package.json');
  const result = run('--version');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe(`${version}\n`);
  expect(result.stderr).toBe('');
});

test('`cdk8s-hardened --help` lists --version', () => {
  const result = run('--help');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/--version\s+print the version of cdk8s-hardened/);
});
