#!/usr/bin/env node
// Compiles the public API (src/ without the example app) with jsii in .jsii-build/, so the
// project keeps its own tsc build in lib/. With `--docgen`, also writes API.md (jsii-docgen).
// Exits non-zero on any jsii error or warning, except two kinds silenced on purpose: reserved
// words (`namespace`, `type`, as cdk8s-plus names them) and devDependencies newer than the
// peer-dependency floors (the floors are tested by scripts/install-test.sh).
// Usage: node scripts/jsii.mjs [--docgen] [--out FILE] [--build-dir DIR]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const docgen = args.includes('--docgen');
const outIndex = args.indexOf('--out');
const apiOut = outIndex >= 0 ? resolve(args[outIndex + 1]) : join(root, 'API.md');
const buildIndex = args.indexOf('--build-dir');
const build = buildIndex >= 0 ? resolve(args[buildIndex + 1]) : join(root, '.jsii-build');

rmSync(build, { recursive: true, force: true });
mkdirSync(build);
cpSync(join(root, 'src'), join(build, 'src'), {
  recursive: true,
  filter: (src) => src !== join(root, 'src', 'main.ts'),
});
symlinkSync(join(root, 'node_modules'), join(build, 'node_modules'), 'dir');
copyFileSync(join(root, 'README.md'), join(build, 'README.md'));

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(build, 'package.json'), JSON.stringify({
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  author: { name: 'The cdk8s-hardened authors', organization: false },
  repository: { type: 'git', url: 'https://github.com/cdk8s-hardened/cdk8s-hardened.git' },
  main: 'lib/index.js',
  types: 'lib/index.d.ts',
  dependencies: pkg.dependencies,
  peerDependencies: pkg.peerDependencies,
  devDependencies: Object.fromEntries(Object.keys(pkg.peerDependencies ?? {}).map((d) => [d, pkg.devDependencies[d]])),
  bundledDependencies: Object.keys(pkg.dependencies ?? {}),
  jsii: { outdir: 'dist', targets: {}, tsc: { outDir: 'lib', rootDir: 'src' } },
}, null, 2));

const bin = (name) => join(root, 'node_modules', '.bin', name);
try {
  execFileSync(bin('jsii'), ['--fail-on-warnings', '--silence-warnings=reserved-word', '--silence-warnings=metadata/missing-dev-dependency'], { cwd: build, stdio: 'inherit' });
} catch {
  console.error('jsii: the public API does not compile under jsii (errors or warnings above)');
  process.exit(1);
}
console.log('jsii: 0 errors, 0 warnings');
if (docgen) {
  execFileSync(bin('jsii-docgen'), ['--output', join(build, 'API.md')], { cwd: build, stdio: 'inherit' });
  copyFileSync(join(build, 'API.md'), apiOut);
  console.log(`jsii-docgen: wrote ${apiOut}`);
}
if (!existsSync(join(build, '.jsii'))) process.exit(1);
