import { cdk8s, DependencyType, javascript } from 'projen';

const project = new cdk8s.Cdk8sTypeScriptApp({
  name: 'cdk8s-hardened',
  description: 'cdk8s constructs that synthesize Kubernetes YAML that is hardened by construction',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  sampleCode: false,
  license: 'Apache-2.0',
  copyrightOwner: 'The cdk8s-hardened authors',
  // A construct library: the app's own cdk8s, cdk8s-plus-28 and constructs are the ones used.
  allowLibraryDependencies: true,
  peerDependencyOptions: { pinnedDevDependency: false },
  packageManager: javascript.NodePackageManager.NPM,

  // Versions verified to install together on node 20 (see docs/development.md).
  cdk8sVersion: '2.70.106',
  cdk8sVersionPinning: true,
  cdk8sPlusVersion: '2.5.6',
  cdk8sPlusVersionPinning: true,
  k8sMinorVersion: 28,
  cdk8sCliVersion: '2.207.60',
  cdk8sCliVersionPinning: true,
  constructsVersion: '10.8.1',
  constructsVersionPinning: true,
  projenVersion: '0.103.25',
  typescriptVersion: '5.9.3',
  // jsii needs 20.16; every other tool runs on 20.0 (see docs/development.md).
  minNodeVersion: '20.16.0',

  // A library other cdk8s projects depend on, plus an example app.
  entrypoint: 'lib/index.js',
  entrypointTypes: 'lib/index.d.ts',

  github: false,
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  eslint: false,

  jestOptions: {
    jestVersion: '^30',
    // projen's default runs `jest --updateSnapshot`, so a snapshot could never fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      modulePathIgnorePatterns: ['<rootDir>/.jsii-build/'],
    },
  },
  // Type-check once in the build (tsc); tests only transpile (4.7 s -> ~1 s).
  tsJestOptions: {
    transformOptions: { isolatedModules: true },
  },
  deps: [
    'yaml@2.9.1', // reading and writing manifests in the `check` command
    'js-yaml@3.15.2', // `check`: YAML 1.1 (as kubectl) in bounded memory (no syntax tree kept)
    'cron-parser@5.10.6', // validating CronJob schedules
  ],
  devDeps: [
    'kubernetes-models@4.5.1', // schema validation of synthesized manifests in tests (5.x needs Node 22)
    '@kubernetes-models/sealed-secrets@2.0.2', // ... and of SealedSecrets (6.x needs Node 22)
    'jsii@5.9.50', // the public API must compile under jsii (task `jsii`)
    'jsii-docgen@10.12.6', // ... and API.md is generated from the assembly
    'jsii-rosetta@5.9.21', // jsii-docgen's peer
    '@kubernetes-models/gateway-api@0.5.1', // ... and of HTTPRoutes (gateway.networking.k8s.io/v1; 2.x needs Node 22)
    '@kubernetes-models/prometheus-operator@4.4.4', // ... and of ServiceMonitors and PodMonitors (6.x needs Node 22)
  ],
  bin: { 'cdk8s-hardened': 'lib/cli/index.js' },
});

// The app's own cdk8s, cdk8s-plus-28 and constructs are used (one copy of each in an app):
// peer dependencies with the oldest versions the install test (scripts/install-test.sh) runs
// against; the project itself builds and tests against the pinned devDependencies.
const PEERS = { 'cdk8s': '^2.70.0', 'cdk8s-plus-28': '^2.3.17', 'constructs': '^10.5.0' };
const PINNED = { 'cdk8s': '2.70.106', 'cdk8s-plus-28': '2.5.6', 'constructs': '10.8.1' };
for (const [name, range] of Object.entries(PEERS)) {
  project.deps.removeDependency(name, DependencyType.RUNTIME);
  if (project.deps.tryGetDependency(name, DependencyType.BUILD)) project.deps.removeDependency(name, DependencyType.BUILD);
  project.deps.addDependency(`${name}@${range}`, DependencyType.PEER);
  project.deps.addDependency(`${name}@${PINNED[name as keyof typeof PINNED]}`, DependencyType.BUILD);
}

// A git URL install (`npm install git+https://...`) gets the sources only: npm installs the
// devDependencies in its clone and runs `prepare`, which compiles lib/.
project.package.setScript('prepare', 'tsc --build');

// The package holds lib/ (without the example app), the demo certificate and the docs.
// No source maps: they would point at src/, which is not shipped.
project.npmignore?.exclude('/lib/main.*', '/.ci/', '/bench/', '/scripts/', '/examples/', '/docs/', '/API.md',
  '/dist/', '/cdk8s.yaml', '/test-reports/', '/coverage/', '/.jsii-build/', '/tsconfig.tsbuildinfo', '/*.tgz',
  '/.bench-build/', '/.gitignore', '/.npmignore');
project.npmignore?.include('/certs/sealed-secrets-demo.pem', '/LICENSE', '/README.md');
project.tsconfig?.file.addOverride('compilerOptions.inlineSourceMap', false);
project.tsconfig?.file.addOverride('compilerOptions.inlineSources', false);

// `npm run synth` must work right after `npm ci`: compile first, then run the compiled
// example (node lib/main.js, no ts-node). The cdk8s CLI's upgrade check needs the internet
// and prints a stack trace without it.
const synth = project.tasks.tryFind('synth')!;
synth.reset();
synth.spawn(project.compileTask);
synth.exec('cdk8s synth --no-check-upgrade');
// The build already compiles before post-compile; synthesize there without compiling twice.
project.postCompileTask.reset('cdk8s synth --no-check-upgrade');

// Tests only transpile (fast); type-check src and tests once before jest runs.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json');

// `npm run bench`: not part of `npm test` (see docs/performance.md).
project.addTask('bench', {
  description: 'Benchmark synth against hand-written cdk8s-plus-28 and a same-bytes floor',
  steps: [{ exec: 'tsc -p bench/tsconfig.json' }, { exec: 'node .bench-build/bench/bench.js', receiveArgs: true }],
});

project.addTask('fuzz', {
  description: 'Long property-based run of every construct and option struct (args: cases per construct, seed); prints counts per construct and outcome',
  exec: 'ts-node --transpile-only scripts/fuzz.ts',
  receiveArgs: true,
});
project.addTask('docs:rules', {
  description: 'Regenerate the policy rules table in docs/rules.md from the rule data',
  exec: 'ts-node --transpile-only -e "const fs = require(\'fs\'); const t = require(\'./src/policy/rules-table\'); fs.writeFileSync(\'docs/rules.md\', t.withRulesTable(fs.readFileSync(\'docs/rules.md\', \'utf8\')))"',
});

// The public API must compile under jsii (errors fail); API.md is generated from the assembly.
// Runs on a copy of src/ in .jsii-build/, so the project keeps its tsc build in lib/.
// test/api-md.test.ts runs it too and fails when API.md is stale.
project.addTask('jsii', {
  description: 'Compile the public API with jsii and regenerate API.md',
  exec: 'node scripts/jsii.mjs --docgen',
});

project.gitignore.exclude('/dist/', '/bench/results/', '/.bench-build/', '/.jsii-build/', '/*.tgz');

project.synth();
