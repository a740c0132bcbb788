import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Include, JsonPatch, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ACK_ANNOTATION, HardenedChart, Policy, PolicyPack } from '../src';
import { check } from '../src/cli/check';
import { goodSet } from './policy-helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hardened-chart-'));
const nextTick = () => new Promise((r) => setImmediate(r));

/** The insecure deployment of the issue: cdk8s-plus defaults with an untagged image. */
function insecure(scope: Construct, id = 'x') {
  return new kplus.Deployment(scope, id, { containers: [{ image: 'nginx' }] });
}
/** The rules that the insecure deployment breaks. */
const INSECURE_RULES = ['HARDENED-CTR-002', 'HARDENED-IMG-001', 'HARDENED-IMG-002', 'HARDENED-NET-001', 'HARDENED-PDB-001', 'HARDENED-PROBE-001',
  'HARDENED-PROBE-002', 'HARDENED-PSS-105', 'HARDENED-PSS-106', 'HARDENED-RES-003', 'HARDENED-SA-001'];
function acknowledgeAll(scope: Construct) {
  for (const id of INSECURE_RULES) Policy.acknowledge(scope, id, 'demo workload, exception tracked in SEC-42');
}
/** A compliant chart made of raw ApiObjects (the shape SecureApp emits). */
function addGood(chart: Chart) {
  goodSet().filter((o) => o.kind !== 'Namespace').forEach((o, i) => {
    const { metadata, ...rest } = o;
    delete metadata.namespace;
    new ApiObject(chart, `good${i}`, { ...rest, metadata });
  });
}

describe('the synth gate', () => {
  test('an insecure cdk8s-plus Deployment fails app.synth() with a readable report, and nothing is written', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const ok = new Chart(app, 'a-plain'); // written first if the gate ran too late
    new kplus.ConfigMap(ok, 'cm', { data: { a: 'b' } });
    const chart = new HardenedChart(app, 'shop', { namespace: 'shop', printWarnings: false });
    insecure(chart);
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Validation failed/);
    expect(message).toContain('policy gate of HardenedChart shop: 12 errors, 1 warning');
    expect(message).toContain('Deployment shop/shop-x-c869c316  (shop/x/Resource)');
    expect(message).toContain('ERROR   HARDENED-PSS-105  at spec.template.spec.securityContext.seccompProfile.type');
    expect(message).toContain('container "main" image "nginx" has no tag');
    expect(message).toContain('fix: Use an explicit version tag');
    expect(message).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace in the report
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('Testing.synth fails the same way', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    insecure(chart);
    expect(() => Testing.synth(chart)).toThrow(/HARDENED-IMG-001  at spec\.template\.spec\.containers\[0\]\.image/);
  });

  test('acknowledging the rules with reasons makes it pass and records every exception', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const chart = new HardenedChart(app, 'shop', { namespace: 'shop', printWarnings: false });
    const d = insecure(chart);
    acknowledgeAll(d);
    app.synth();
    const docs = Yaml.load(path.join(outdir, 'shop.k8s.yaml'));
    const dep = docs.find((o: any) => o.kind === 'Deployment');
    const value: string = dep.metadata.annotations[ACK_ANNOTATION];
    expect(value.split('; ').map((e) => e.split(':')[0])).toEqual(INSECURE_RULES);
    expect(value).toContain('HARDENED-PSS-105: demo workload, exception tracked in SEC-42');
    // Testing.synth shows the same, and the report lists them
    const manifest = Testing.synth(chart);
    expect(manifest.find((o: any) => o.kind === 'Deployment').metadata.annotations[ACK_ANNOTATION]).toBe(value);
    const report = chart.policyReport();
    expect(report.errors).toBe(0);
    expect(new Set(report.suppressed.map((f) => f.ruleId)).size).toBe(INSECURE_RULES.length);
  });

  test('cdk8s-hardened check honours the recorded acknowledgements in the synthesized YAML', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const chart = new HardenedChart(app, 'shop', { namespace: 'shop', createNamespace: true, printWarnings: false });
    addGood(chart);
    acknowledgeAll(insecure(chart));
    app.synth();
    let out = '';
    const code = check([outdir, '--format', 'json', '--pss-version', 'v1.28'], { write: (x: string) => { out += x; } }, { write: () => true });
    const report = JSON.parse(out);
    expect(report.summary).toEqual({ errors: 0, warnings: 0, acknowledged: 13 }); // 11 rules, RES-003 twice, same as the gate
    expect(report.acknowledged.length).toBe(chart.policyReport().suppressed.length);
    expect(code).toBe(0);
  });

  test('the annotation is on the affected objects only', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    const d = insecure(chart);
    new kplus.ConfigMap(d, 'cm', { data: { a: 'b' } });
    acknowledgeAll(d);
    const manifest = Testing.synth(chart);
    expect(manifest.find((o: any) => o.kind === 'ConfigMap').metadata.annotations).toBeUndefined();
  });

  test('acknowledging on the chart covers every object in it', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    insecure(chart, 'a');
    insecure(chart, 'b');
    acknowledgeAll(chart);
    const manifest = Testing.synth(chart);
    expect(manifest.filter((o: any) => o.metadata.annotations?.[ACK_ANNOTATION]).length).toBe(2);
  });

  test('an unused acknowledgement fails the synth', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    addGood(chart);
    const cm = new kplus.ConfigMap(chart, 'cm', { data: { a: 'b' } });
    Policy.acknowledge(cm, 'HARDENED-PSS-001', 'we thought this needed host networking');
    expect(() => Testing.synth(chart)).toThrow(/HARDENED-ACK-001 .*\n.*HARDENED-PSS-001 is acknowledged at shop\/cm \("we thought this needed host networking"\) but never fires there/);
  });

  test('an acknowledgement of a rule outside the chart\'s packs is unused too', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false, policyPacks: [PolicyPack.RBAC] });
    const d = insecure(chart);
    Policy.acknowledge(d, 'HARDENED-IMG-001', 'legacy image, replaced in Q3');
    expect(() => Testing.synth(chart)).toThrow(/is not in the policy packs that run/);
  });

  test('bad acknowledgements are refused at construct time', () => {
    const chart = new HardenedChart(Testing.app(), 'shop');
    const d = insecure(chart);
    expect(() => Policy.acknowledge(d, 'HARDENED-IMG-001', 'too short')).toThrow('shop/x: invalid reason "too short": an acknowledgement needs a reason of at least 10 visible characters');
    expect(() => Policy.acknowledge(d, 'HARDENED-IMG-001', '\u200b'.repeat(10))).toThrow(/at least 10 visible characters/);
    expect(() => Policy.acknowledge(d, 'HARDENED-IMG-001', 'a\u200bb\u200dc\u2060d\ufeffe\u00adf    g\u0301\t\n')).toThrow(/at least 10 visible characters/);
    expect(() => Policy.acknowledge(d, 'HARDENED-IMG-999', 'a long enough reason')).toThrow('shop/x: invalid ruleId "HARDENED-IMG-999": no policy rule has this id');
    Policy.acknowledge(d, 'HARDENED-IMG-001', 'a long enough reason');
    expect(() => Policy.acknowledge(d, 'HARDENED-IMG-001', 'a long enough reason')).toThrow(/already acknowledged/);
  });

  test('a compliant chart (the SecureApp shape) passes with no findings', () => {
    const chart = new HardenedChart(Testing.app(), 'app', { namespace: 'app', createNamespace: true });
    addGood(chart);
    Testing.synth(chart);
    expect(chart.policyReport().findings).toEqual([]);
  });

  test('raw ApiObjects and Include-d YAML are checked', () => {
    const dir = tmp();
    const file = path.join(dir, 'legacy.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy\nstringData:\n  password: hunter2\n');
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    new Include(chart, 'legacy', { url: file });
    new ApiObject(chart, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'all' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } as any);
    const ids = () => [...new Set(chart.policyReport().findings.map((f) => f.ruleId))].sort();
    expect(ids()).toEqual(['HARDENED-RBAC-001', 'HARDENED-RBAC-002', 'HARDENED-RBAC-003', 'HARDENED-RBAC-004', 'HARDENED-RBAC-005', 'HARDENED-RBAC-006', 'HARDENED-RBAC-007', 'HARDENED-RBAC-010', 'HARDENED-RBAC-011', 'HARDENED-SEC-001']);
  });

  test('JSON patches (escape hatches) are what the gate checks', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    addGood(chart);
    const dep = chart.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'Deployment') as ApiObject;
    dep.addJsonPatch(JsonPatch.add('/spec/template/spec/hostPID', true));
    expect(() => Testing.synth(chart)).toThrow(/HARDENED-PSS-001  at spec\.template\.spec\.hostPID/);
  });

  test('warnings do not fail the synth', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    addGood(chart);
    const dep = chart.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'Deployment') as ApiObject;
    dep.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'registry.example.com/org/web:1.4.2'));
    Testing.synth(chart);
    expect(chart.policyReport().findings.map((f) => f.ruleId)).toEqual(['HARDENED-IMG-002']);
  });

  test('policyPacks selects the rules', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false, policyPacks: [PolicyPack.POD_SECURITY_BASELINE] });
    insecure(chart);
    Testing.synth(chart); // cdk8s-plus defaults meet the baseline profile
    expect(chart.policyReport().findings).toEqual([]);
  });

  test('a nested HardenedChart cannot take its objects out of the outer gate', () => {
    const outer = new HardenedChart(Testing.app(), 'outer', { printWarnings: false });
    addGood(outer);
    const inner = new HardenedChart(outer, 'inner', { printWarnings: false });
    insecure(inner);
    expect(outer.policyReport().errors).toBe(12);
    expect(inner.policyReport().errors).toBe(12);
  });
});

describe('the namespace', () => {
  test('createNamespace emits the Namespace with restricted Pod Security Admission labels, first', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop', createNamespace: true, printWarnings: false });
    addGood(chart);
    const manifest = Testing.synth(chart);
    expect(manifest[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'shop',
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.28',
        },
      },
    });
    expect(manifest.slice(1).every((o: any) => o.metadata.namespace === 'shop')).toBe(true);
    expect(chart.namespaceResource).toBeDefined();
  });

  test('quota and limitRange', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', {
      namespace: 'shop', createNamespace: true, podSecurityVersion: 'v1.30',
      quota: { 'requests.cpu': '4', 'limits.memory': '16Gi', 'pods': '50' },
      limitRange: { defaultRequest: { cpu: '100m', memory: '128Mi' }, defaultLimit: { cpu: '500m', memory: '256Mi' }, max: { memory: '2Gi' } },
    });
    const m = Testing.synth(chart);
    expect(m[0].metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.30');
    expect(m.find((o: any) => o.kind === 'ResourceQuota').spec).toEqual({ hard: { 'requests.cpu': '4', 'limits.memory': '16Gi', 'pods': '50' } });
    expect(m.find((o: any) => o.kind === 'LimitRange').spec).toEqual({
      limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '256Mi' }, max: { memory: '2Gi' } }],
    });
  });

  test('bad namespace props are refused with path, prop, value and fix', () => {
    expect(() => new HardenedChart(Testing.app(), 'a', { createNamespace: true })).toThrow('a: invalid createNamespace true: there is no namespace to create. Fix: set namespace.');
    expect(() => new HardenedChart(Testing.app(), 'b', { namespace: 'Shop_1', createNamespace: true })).toThrow(/b: invalid namespace "Shop_1": not a DNS-1123 label.*Fix: use a name such as "shop-1"/);
    expect(() => new HardenedChart(Testing.app(), 'c', { podSecurityVersion: '1.28' })).toThrow(/invalid podSecurityVersion "1.28"/);
    expect(() => new HardenedChart(Testing.app(), 'd', { quota: { pods: 'many' } })).toThrow(/invalid quota.pods "many": not a Kubernetes quantity/);
    expect(() => new HardenedChart(Testing.app(), 'e', { policyPacks: [] })).toThrow(/invalid policyPacks/);
  });
});

describe('cost: each object is rendered and checked once per synth', () => {
  let calls = 0;
  const original = ApiObject.prototype.toJson;
  beforeAll(() => {
    ApiObject.prototype.toJson = function (this: ApiObject) {
      calls++;
      return original.call(this);
    };
  });
  afterAll(() => {
    ApiObject.prototype.toJson = original;
  });

  test('App.synth() with 10 charts renders every object exactly once', () => {
    const app = new App({ outdir: tmp() });
    const charts: HardenedChart[] = [];
    for (let i = 0; i < 10; i++) {
      const c = new HardenedChart(app, `c${i}`, { namespace: `ns${i}` });
      addGood(c);
      charts.push(c);
    }
    calls = 0;
    app.synth();
    expect(calls).toBe(10 * 8);
    calls = 0;
    expect(charts[0].policyReport().findings).toEqual([]);
    expect(calls).toBeGreaterThan(0); // a report outside a synthesis renders afresh: nothing is cached
  });

  test('a change to the tree, or a new tick, is checked afresh', async () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    addGood(chart);
    Testing.synth(chart);
    insecure(chart); // same tick, new construct
    expect(() => Testing.synth(chart)).toThrow(/HARDENED-IMG-001/);
    await nextTick();
    calls = 0;
    chart.policyReport();
    expect(calls).toBe(9);
  });

  test('output rendered by the gate is not shared between syntheses', () => {
    const chart = new HardenedChart(Testing.app(), 'shop');
    addGood(chart);
    const a = Testing.synth(chart);
    a[0].metadata.name = 'mutated';
    const b = Testing.synth(chart);
    expect(b[0].metadata.name).not.toBe('mutated');
  });
});

describe('nested plain charts', () => {
  test('objects of a plain Chart nested in a HardenedChart are checked by its gate', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { App: A, ApiObject: O, Chart: C } = require('cdk8s');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { HardenedChart: H } = require('../src');
    const app = new A({ outdir: require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'nested-')) });
    const hc = new H(app, 'outer', { namespace: 'outer', printWarnings: false });
    new O(new C(hc, 'inner'), 'plain', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    expect(() => app.synth()).toThrow(/HARDENED-SEC-001/);
    expect(require('fs').readdirSync(app.outdir)).toEqual([]);
  });
});

describe('linear in the number of charts', () => {
  test('App.synth validates the app once, not once more per HardenedChart, and writes the same YAML', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { App: A, Chart: C, Yaml: Y } = require('cdk8s');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { HardenedChart: H, SecureApp: S } = require('../src');
    const fs = require('fs') as typeof import('fs');
    const path = require('path') as typeof import('path');
    const build = (outdir: string) => {
      const app = new A({ outdir });
      let validations = 0;
      for (let i = 0; i < 10; i++) {
        const chart = new H(app, `team${i}`, { namespace: `team${i}`, printWarnings: false });
        new S(chart, 'web', { image: 'ghcr.io/acme/web:1.0.0', name: 'web' });
        chart.node.addValidation({ validate: () => { validations++; return []; } });
      }
      return { app, count: () => validations };
    };
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'charts-'));
    const { app, count } = build(dir);
    app.synth();
    expect(count()).toBe(10); // one validation per chart, run once: not 10 x 11
    const plain = build(fs.mkdtempSync(path.join(require('os').tmpdir(), 'charts-'))).app;
    for (const chart of plain.charts) {
      const file = path.join(dir, `${chart.node.id}.k8s.yaml`);
      expect(fs.readFileSync(file, 'utf8')).toBe(Y.stringify(...C.prototype.toJson.call(chart)));
    }
  });
});

test.each(['v2.0', 'v1.99', '1.x'])('podSecurityVersion %j is refused (only v1.<minor> the rules know, or latest)', (v) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App: A } = require('cdk8s');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HardenedChart: H } = require('../src');
  expect(() => new H(new A(), 'c', { podSecurityVersion: v })).toThrow(/c: invalid podSecurityVersion .*Fix: use "v1.<minor>" up to v1\.37/);
});
