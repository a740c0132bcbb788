import { cdk8s, javascript } from 'projen';

const project = new cdk8s.Cdk8sTypeScriptApp({
  name: 'cdk8s-hardened',
  description: 'cdk8s constructs that synthesize Kubernetes YAML that is hardened by construction',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  sampleCode: false,
  licensed: false,
  packageManager: javascript.NodePackageManager.NPM,

  // Versions verified to install together on node 20 (see README "Development").
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
  minNodeVersion: '20.0.0',

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
    },
  },
  // Type-check once in the build (tsc); tests only transpile (4.7 s -> ~1 s).
  tsJestOptions: {
    transformOptions: { isolatedModules: true },
  },
  deps: [
    'yaml@2.9.1', // reading and writing manifests in the `check` command
    'cron-parser@5.10.6', // validating CronJob schedules
  ],
  devDeps: [
    'kubernetes-models@5.1.0', // schema validation of synthesized manifests in tests
    '@kubernetes-models/sealed-secrets@6.0.0', // ... and of SealedSecrets
    '@kubernetes-models/gateway-api@2.0.0', // ... and of HTTPRoutes (engines says Node 22; the models run on Node 20, tested)
    '@kubernetes-models/prometheus-operator@6.0.0', // ... and of ServiceMonitors and PodMonitors
  ],
  bin: { 'cdk8s-hardened': 'lib/cli/index.js' },
});

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

// `npm run bench`: not part of `npm test` (see README "Performance").
project.addTask('bench', {
  description: 'Benchmark synth against hand-written cdk8s-plus-28 and a same-bytes floor',
  steps: [{ exec: 'tsc -p bench/tsconfig.json' }, { exec: 'node .bench-build/bench/bench.js', receiveArgs: true }],
});

project.addTask('docs:rules', {
  description: 'Regenerate the policy rules table in README.md from the rule data',
  exec: 'ts-node --transpile-only -e "const fs = require(\'fs\'); const t = require(\'./src/policy/rules-table\'); fs.writeFileSync(\'README.md\', t.withRulesTable(fs.readFileSync(\'README.md\', \'utf8\')))"',
});

project.gitignore.exclude('/dist/', '/bench/results/', '/.bench-build/');

project.synth();
