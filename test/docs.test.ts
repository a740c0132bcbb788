/*
 * The documentation is tested: the README stays short and starts with the two commands, every
 * TypeScript block in README.md and docs/*.md type-checks against src/ (as `cdk8s-hardened`),
 * and the README's quick start runs as written in a fresh folder and synthesizes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const pages = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Block { readonly page: string; readonly line: number; readonly lang: string; readonly code: string }

function blocksOf(page: string): Block[] {
  const lines = fs.readFileSync(path.join(root, page), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    out.push({ page, line: i + 1, lang: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}
const blocks = pages.flatMap(blocksOf);
const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');

test('README.md is at most 15 KB and starts with the two commands, which exist', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_000);
  const first = blocksOf('README.md')[0];
  expect(first.line).toBe(3);
  expect(first.code.split('\n').map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm run synth', 'npm test']);
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['synth', 'test']));
});

test('every relative link in README.md and docs/ points at a file that exists', () => {
  for (const page of pages) {
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      expect(`${page} -> ${target}: ${fs.existsSync(path.join(root, path.dirname(page), target)) ? 'exists' : 'missing'}`).toBe(`${page} -> ${target}: exists`);
    }
  }
});

/** What a block that is a fragment may use without declaring it (one shared fixture). */
const FIXTURES = `
declare const app: import('cdk8s').App;
declare const chart: import('cdk8s-hardened').HardenedChart;
declare const web: import('cdk8s-hardened').SecureApp;
declare const api: import('cdk8s-hardened').SecureApp;
declare const backupOperator: import('cdk8s-hardened').SecureApp;
declare const reloader: import('cdk8s-hardened').SecureApp;
declare const webConfig: import('cdk8s-plus-28').ConfigMap;
declare const dbCredentials: import('cdk8s-hardened').EncryptedConfig;
declare const ordersDb: import('cdk8s-hardened').StatefulApp;
`;

/** Imports a block gets for the names it does not import itself. */
function prelude(code: string): string {
  const imported = new Set<string>();
  for (const [, names] of code.matchAll(/import\s*\{([^}]*)\}\s*from/g)) names.split(',').map((n) => n.trim().split(/\s+as\s+/).pop()!).filter(Boolean).forEach((n) => imported.add(n));
  for (const [, name] of code.matchAll(/import\s+\*\s+as\s+(\w+)\s+from/g)) imported.add(name);
  const hardened = Object.keys(require('../src')).filter((n) => !imported.has(n));
  const cdk8s = ['App', 'Chart', 'Duration', 'Testing', 'ApiObject', 'JsonPatch', 'Size'].filter((n) => !imported.has(n));
  return [
    `import { ${cdk8s.join(', ')} } from 'cdk8s';`,
    imported.has('kplus') ? '' : "import * as kplus from 'cdk8s-plus-28';",
    `import { ${hardened.join(', ')} } from 'cdk8s-hardened';`,
  ].join(' ');
}

test('there are TypeScript blocks to check (README, the construct pages, the plugin page)', () => {
  expect(tsBlocks.length).toBeGreaterThanOrEqual(10);
  expect(new Set(tsBlocks.map((b) => b.page))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
  expect(tsBlocks.filter((b) => b.page === 'README.md').length).toBeGreaterThanOrEqual(2);
});

test('every TypeScript block in README.md and docs/ compiles against src/', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-blocks-'));
  try {
    fs.writeFileSync(path.join(dir, 'fixtures.d.ts'), FIXTURES);
    const files = tsBlocks.map((b) => {
      const file = path.join(dir, `${b.page.replace(/[/.]/g, '_')}_${b.line}.ts`);
      // The prelude goes on the block's first line, so error line numbers match the page.
      fs.writeFileSync(file, `${prelude(b.code)} export {};\n${b.code}\n`);
      return file;
    });
    const program = ts.createProgram([path.join(dir, 'fixtures.d.ts'), ...files], {
      strict: true, noEmit: true, esModuleInterop: true, skipLibCheck: true,
      target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
      lib: ['lib.es2020.d.ts'], types: ['jest', 'node'], typeRoots: [path.join(root, 'node_modules', '@types')],
      baseUrl: root, paths: { 'cdk8s-hardened': ['src/index.ts'], 'cdk8s-hardened/lib/*': ['src/*'], '*': ['node_modules/*'] },
    });
    const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || files.includes(path.normalize(d.file.fileName))).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return message;
      const block = tsBlocks[files.indexOf(path.normalize(d.file.fileName))];
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${block.page}:${block.line + line}: ${message}`;
    });
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the README quick start runs as written in a fresh app and synthesizes', () => {
  const readme = blocksOf('README.md');
  const start = readme.findIndex((b) => b.code.includes('sealed-secrets-demo.pem certs/'));
  const [setup, main] = [readme[start], readme[start + 1]];
  expect(setup.lang).toBe('sh');
  expect(main.lang).toBe('ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quick-start-'));
  try {
    // The package as an app sees it: `cdk8s-hardened` (here: src/, compiled on the fly) with its
    // demo certificate; cdk8s, cdk8s-plus-28 and constructs are the app's (one copy, via NODE_PATH).
    const pkg = path.join(dir, 'node_modules', 'cdk8s-hardened');
    fs.mkdirSync(path.join(pkg, 'certs'), { recursive: true });
    fs.copyFileSync(path.join(root, 'certs', 'sealed-secrets-demo.pem'), path.join(pkg, 'certs', 'sealed-secrets-demo.pem'));
    fs.writeFileSync(path.join(pkg, 'index.js'), `module.exports = require(${JSON.stringify(path.join(root, 'src', 'index.ts'))});\n`);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2020', esModuleInterop: true } }));
    fs.writeFileSync(path.join(dir, 'main.ts'), main.code);
    const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
    execFileSync('bash', ['-euo', 'pipefail', '-c', setup.code], { cwd: dir, env, stdio: 'pipe' });
    execFileSync(process.execPath, ['-r', path.join(root, 'node_modules', 'ts-node', 'register', 'transpile-only'), 'main.ts'], { cwd: dir, env, stdio: 'pipe' });
    const yaml = fs.readFileSync(path.join(dir, 'dist', 'shop.k8s.yaml'), 'utf8');
    const kinds = [...yaml.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'SealedSecret', 'ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler',
      'PodDisruptionBudget', 'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'CronJob']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
