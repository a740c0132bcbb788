import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { BatchJob, EncryptedConfig, HardenedChart, SecureApp } from '../src';

/** A second, separately loaded copy of cdk8s and cdk8s-plus-28 (what a nested install gives). */
function otherCopies(): { cdk8s: typeof import('cdk8s'); kplus: typeof import('cdk8s-plus-28') } {
  let copies: any;
  jest.isolateModules(() => {
    copies = { cdk8s: require('cdk8s'), kplus: require('cdk8s-plus-28') };
  });
  return copies;
}

const IMAGE = 'ghcr.io/acme/web:1.4.2';

describe('two copies of cdk8s in one app are refused at construct time', () => {
  test('a workload in a chart of another cdk8s copy', () => {
    const other = otherCopies().cdk8s;
    const chart = new other.Chart(new other.App(), 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(chart as unknown as Construct, 'web', { image: IMAGE }))
      .toThrow(/shop\/web: the App comes from cdk8s \d+\.\d+\.\d+ .*but cdk8s-hardened uses cdk8s at .*node_modules.cdk8s\. Objects of two copies cannot be mixed.*Fix: make the app load one copy: .*npm install --install-links <path>.*npm ls cdk8s/);
  });

  test('a HardenedChart in an App of another cdk8s copy', () => {
    const other = otherCopies().cdk8s;
    expect(() => new HardenedChart(new other.App() as unknown as Construct, 'shop', { namespace: 'shop' })).toThrow(/the App comes from cdk8s .*Fix: make the app load one copy/);
  });

  test('the library\'s own App and Chart pass', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(chart, 'web', { image: IMAGE })).not.toThrow();
  });

  test('a Duration of another cdk8s copy in BatchJob (no duck typing)', () => {
    const other = otherCopies().cdk8s;
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new BatchJob(chart, 'report', { image: IMAGE, activeDeadline: other.Duration.minutes(5) as unknown as Duration }))
      .toThrow(/shop\/report: activeDeadline \(a Duration\) comes from cdk8s .*Fix: make the app load one copy/);
  });

  test('something that is not a Duration is still a prop error', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new BatchJob(chart, 'report', { image: IMAGE, activeDeadline: 300 as unknown as Duration }))
      .toThrow(/invalid activeDeadline 300: must be a cdk8s Duration/);
  });
});

describe('config from another copy of cdk8s-plus never takes the imported-ConfigMap branch', () => {
  test('a ConfigMap of another cdk8s-plus-28 copy', () => {
    const { cdk8s, kplus } = otherCopies();
    const foreign = new kplus.ConfigMap(new cdk8s.Chart(new cdk8s.App(), 'x'), 'settings', { data: { A: '1' } });
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(chart, 'web', { image: IMAGE, config: [foreign as unknown as Construct] }))
      .toThrow(/shop\/web: config\[0\] \(cdk8s-plus-28.ConfigMap\) comes from cdk8s-plus-28 \d.*but cdk8s-hardened uses cdk8s-plus-28 at .*Fix: make the app load one copy/);
  });

  test('an imported ConfigMap of another cdk8s-plus-28 copy', () => {
    const { cdk8s, kplus } = otherCopies();
    const foreign = kplus.ConfigMap.fromConfigMapName(new cdk8s.Chart(new cdk8s.App(), 'x'), 'ca', 'cluster-ca');
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    expect(() => new SecureApp(chart, 'web', { image: IMAGE, config: [foreign as unknown as Construct] })).toThrow(/comes from .*cdk8s-plus/);
  });

  test('a ConfigMap of cdk8s-plus-33 (what `cdk8s init` installs) names the package to use', () => {
    class ConfigMap33 extends Construct {
      readonly resourceType = 'configmaps';
      readonly name = 'settings';
    }
    Object.defineProperty(ConfigMap33, Symbol.for('jsii.rtti'), { value: { fqn: 'cdk8s-plus-33.ConfigMap', version: '2.4.0' } });
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const foreign = new ConfigMap33(chart, 'settings');
    expect(() => new SecureApp(chart, 'web', { image: IMAGE, config: [foreign] }))
      .toThrow(/config\[0\] \(cdk8s-plus-33.ConfigMap\) comes from cdk8s-plus-33 2.4.0 .*Fix: cdk8s-hardened is built on cdk8s-plus-28: create the object with cdk8s-plus-28/);
  });

  test('an EncryptedConfig of the library in a chart of another copy', () => {
    const other = otherCopies().cdk8s;
    const chart = new other.Chart(new other.App(), 'shop', { namespace: 'shop' });
    expect(() => new EncryptedConfig(chart as unknown as Construct, 'db', { sealedValues: { A: 'AgB' + 'A'.repeat(400) } })).toThrow(/comes from cdk8s/);
  });
});

test('outside jest: the error names both folders of cdk8s (a real nested copy)', () => {
  const root = path.join(__dirname, '..');
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'two-copies-'));
  try {
    fs.cpSync(path.join(root, 'node_modules', 'cdk8s'), path.join(app, 'node_modules', 'cdk8s'), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', 'constructs'), path.join(app, 'node_modules', 'constructs'), 'dir');
    const script = `
      const cdk8s = require(${JSON.stringify(path.join(app, 'node_modules', 'cdk8s'))});
      const { SecureApp } = require(${JSON.stringify(path.join(root, 'src'))});
      const chart = new cdk8s.Chart(new cdk8s.App(), 'shop', { namespace: 'shop' });
      try { new SecureApp(chart, 'web', { image: 'ghcr.io/acme/web:1.4.2' }); console.log('no error'); } catch (e) { console.log(e.message); }`;
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(out).toContain(`comes from cdk8s `);
    expect(out).toContain(`(${path.join(app, 'node_modules', 'cdk8s')})`);
    expect(out).toContain(`cdk8s-hardened uses cdk8s at ${path.join(root, 'node_modules', 'cdk8s')}.`);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
}, 60_000);
