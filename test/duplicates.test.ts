import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { check } from '../src/cli/check';
import { HardenedChart, PolicyGate, SecureApp } from '../src';

const IMAGE = 'registry.example.com/web:1.2.3';

function run(...argv: string[]): { code: number; out: string } {
  let out = '';
  const code = check(argv, { write: (s: string) => { out += s; } }, { write: () => undefined });
  return { code, out };
}

describe('the same object twice is refused at synth, naming both construct paths', () => {
  test('two SecureApps with one name in one namespace, in two HardenedCharts (gate session)', () => {
    const app = Testing.app();
    const a = new HardenedChart(app, 'a', { namespace: 'shop' });
    const b = new HardenedChart(app, 'b', { namespace: 'shop' });
    new SecureApp(a, 'web', { image: IMAGE, name: 'web' });
    new SecureApp(b, 'web', { image: IMAGE, name: 'web' });
    expect(() => app.synthYaml()).toThrow(/HARDENED-DUP-001: Deployment shop\/web \(API group "apps"\) is defined twice, at a\/web\/Resource and at b\/web\/Resource/);
  });

  test('a duplicate outside any gate is found by the gate of another chart', () => {
    const app = Testing.app();
    new HardenedChart(app, 'gated', { namespace: 'shop' });
    const plain = new Chart(app, 'plain', { namespace: 'shop' });
    new ApiObject(plain, 'one', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    new ApiObject(plain, 'two', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    expect(() => app.synthYaml()).toThrow(/ConfigMap shop\/settings \(API group ""\) is defined twice, at plain\/one and at plain\/two/);
  });

  test('a gate attached to the App refuses it too', () => {
    const app = Testing.app();
    PolicyGate.attach(app);
    const c = new Chart(app, 'c', { namespace: 'shop' });
    new SecureApp(c, 'one', { image: IMAGE, name: 'web' });
    new SecureApp(c, 'two', { image: IMAGE, name: 'web' });
    expect(() => app.synthYaml()).toThrow(/Service shop\/web \(API group ""\) is defined twice, at c\/one\/Service and at c\/two\/Service/);
  });

  test('without any gate: an App with constructs of this library refuses it (App-level validation)', () => {
    const app = Testing.app();
    const c = new Chart(app, 'c', { namespace: 'shop' });
    new SecureApp(c, 'one', { image: IMAGE, name: 'web' });
    new SecureApp(c, 'two', { image: IMAGE, name: 'web' });
    expect(() => Testing.synth(c)).toThrow(/ServiceAccount shop\/web \(API group ""\) is defined twice, at c\/one\/ServiceAccount and at c\/two\/ServiceAccount/);
  });

  test('the same name in two namespaces, or as two kinds or groups, is not a duplicate', () => {
    const app = Testing.app();
    new SecureApp(new HardenedChart(app, 'a', { namespace: 'shop' }), 'web', { image: IMAGE, name: 'web' });
    new SecureApp(new HardenedChart(app, 'b', { namespace: 'shop-2' }), 'web', { image: IMAGE, name: 'web' });
    const c = new HardenedChart(app, 'c', { namespace: 'other' });
    new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    new ApiObject(c, 'secret', { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'x' } });
    expect(() => app.synthYaml()).not.toThrow();
  });
});

describe('check: the same object in two files, or twice in one, is an error naming both files', () => {
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\ndata:\n  a: b\n`;

  test('two files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dup-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), cm('settings'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), `${cm('other')}---\n${cm('settings')}`);
    const r = run(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('HARDENED-DUP-001');
    expect(r.out).toMatch(/b\.yaml:9[^\n]*\n?[^]*ConfigMap shop\/settings \(API group ""\) is defined twice: here and in [^\n]*a\.yaml:1/);
  });

  test('twice in one file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dup-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), `${cm('settings')}---\n${cm('settings')}`);
    const r = run(dir, '--format', 'json');
    expect(r.code).toBe(1);
    const dup = JSON.parse(r.out).findings.filter((f: any) => f.ruleId === 'HARDENED-DUP-001');
    expect(dup).toHaveLength(1);
    expect(dup[0].message).toMatch(/defined twice: here and in .*a\.yaml:1;/);
  });

  test('the same name in two namespaces is fine', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dup-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), `${cm('settings')}---\n${cm('settings').replace('namespace: shop', 'namespace: shop-2')}`);
    const r = run(dir, '--format', 'json');
    expect(JSON.parse(r.out).findings.filter((f: any) => f.ruleId === 'HARDENED-DUP-001')).toHaveLength(0);
  });
});
