/*
 * The gate is a security boundary: what is written is exactly what was checked, in every output
 * layout; late changes cannot slip through; a failing synth writes nothing; nesting cannot escape.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Include, JsonPatch, Lazy, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { ACK_ANNOTATION, HardenedChart, Policy, PolicyGate, PolicyPack, PolicyRule, RuleSeverity } from '../src';
import { goodSet } from './policy-helpers';
import { formatAcknowledgements, parseAcknowledgements, visibleLength } from '../src/policy/acknowledgements';
import { check } from '../src/cli/check';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'policy-gate-'));

/** Every file under `dir` with its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}
/** Every document written under `dir`, sorted. */
function written(dir: string): string[] {
  return Object.values(tree(dir)).flatMap((text) => parseAllDocuments(text).map((d) => JSON.stringify(d.toJS())))
    .filter((x) => x !== 'null').sort();
}

/** A rule that records every object it checks, exactly as it saw it, and flags `data.evil`. */
function spy(): { pack: PolicyPack; seen: string[] } {
  const seen: string[] = [];
  const rule: PolicyRule = {
    id: 'SPY-001', family: 'Spy', title: 'records what is checked', severity: RuleSeverity.ERROR, standards: ['test'],
    explanation: 'test', fix: 'remove data.evil',
    evaluate: (o) => {
      seen.push(JSON.stringify(o));
      return o?.data?.evil || o?.spec?.hostPID ? [{ path: ['data'], message: 'evil' }] : [];
    },
  };
  return { pack: PolicyPack.custom('spy', [rule]), seen };
}

/** A ConfigMap whose value changes every time it is rendered (a changing Lazy). */
function changing(scope: Construct, id: string) {
  let n = 0;
  return new ApiObject(scope, id, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id },
    data: Lazy.any({ produce: () => (++n > 1 ? { n: String(n), evil: 'yes' } : { n: String(n) }) }),
  });
}

/** A compliant chart made of raw ApiObjects (the shape SecureApp emits). */
function addGood(chart: Chart) {
  goodSet().filter((o) => o.kind !== 'Namespace').forEach((o, i) => {
    const { metadata, ...rest } = o;
    delete metadata.namespace;
    new ApiObject(chart, `good${i}`, { ...rest, metadata });
  });
}

const LAYOUTS = [YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE];

describe.each(LAYOUTS.map((l) => [YamlOutputType[l], l] as const))('written == checked, layout %s', (_name, yamlOutputType) => {
  test('every object written is byte-for-byte the JSON the gate checked (changing Lazy, nested plain and hardened charts)', () => {
    const outdir = tmp();
    const app = new App({ outdir, yamlOutputType });
    const { pack, seen } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    changing(chart, 'a');
    changing(new Chart(chart, 'plain'), 'b');
    changing(new HardenedChart(chart, 'inner', { policyPacks: [pack], printWarnings: false }), 'c');
    app.synth();
    const out = written(outdir);
    expect(out.length).toBe(3);
    expect(out.join('\n')).not.toContain('evil');
    for (const doc of out) expect(seen).toContain(doc);
  });

  test('a patch made while rendering (after the check) does not reach the output', () => {
    const outdir = tmp();
    const app = new App({ outdir, yamlOutputType });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    const victim = new ApiObject(chart, 'victim', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'victim' }, spec: { containers: [] } });
    new ApiObject(chart, 'trojan', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'trojan' },
      data: Lazy.any({ produce: () => { victim.addJsonPatch(JsonPatch.add('/spec/hostPID', true)); return { a: 'b' }; } }),
    });
    app.synth();
    expect(written(outdir).join('\n')).not.toContain('hostPID');
  });

  test('acknowledgements are recorded on the written objects', () => {
    const outdir = tmp();
    const app = new App({ outdir, yamlOutputType });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    const a = changing(chart, 'a');
    a.addJsonPatch(JsonPatch.add('/data/evil', 'yes'));
    Policy.acknowledge(a, 'SPY-001', 'the test says so; HARDENED-PSS-101: not a second one');
    app.synth();
    const [doc] = written(outdir).map((d) => JSON.parse(d));
    expect(doc.metadata.annotations[ACK_ANNOTATION]).toBe('SPY-001: the test says so\\; HARDENED-PSS-101: not a second one');
  });

  test('a failing synth leaves the output directory byte-for-byte as it was', () => {
    const outdir = tmp();
    fs.writeFileSync(path.join(outdir, 'shop.k8s.yaml'), 'previous: output\n');
    fs.mkdirSync(path.join(outdir, 'shop'));
    fs.writeFileSync(path.join(outdir, 'shop', 'ConfigMap.a.k8s.yaml'), 'old: file\n');
    const before = tree(outdir);
    const app = new App({ outdir, yamlOutputType });
    const first = new Chart(app, 'a-first'); // charts written before the failing one
    new ApiObject(first, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { evil: 'yes' } });
    expect(() => app.synth()).toThrow(/SPY-001/);
    expect(tree(outdir)).toEqual(before);
  });
});

test('app.synthYaml() returns exactly what the gate checked, and fails like synth()', () => {
  const app = new App({ outdir: tmp() });
  const { pack, seen } = spy();
  const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
  changing(chart, 'a');
  changing(new Chart(chart, 'plain'), 'b');
  const docs = parseAllDocuments(app.synthYaml()).map((d) => JSON.stringify(d.toJS()));
  expect(docs.length).toBe(2);
  for (const d of docs) expect(seen).toContain(d);
  new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { evil: 'yes' } });
  expect(() => app.synthYaml()).toThrow(/SPY-001/);
});

test('an object with its own toJson gets it back after a synthesis', () => {
  const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false, policyPacks: [spy().pack] });
  const o = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  const own = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'own' } });
  Object.defineProperty(o, 'toJson', { value: own, configurable: true, writable: true });
  expect(Testing.synth(chart)[0].metadata.name).toBe('own');
  expect(o.toJson).toBe(own);
});

describe('changes after a check are checked', () => {
  test('a change in place after chart.toJson() is checked by app.synth()', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    const data: Record<string, string> = { a: 'b' };
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data });
    chart.toJson();
    data.evil = 'yes';
    expect(() => app.synth()).toThrow(/SPY-001/);
    expect(tree(outdir)).toEqual({});
  });

  test('a change after policyReport() is checked, and so is a patch added after it', () => {
    const app = new App({ outdir: tmp() });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    expect(chart.policyReport().errors).toBe(0);
    cm.addJsonPatch(JsonPatch.add('/data/evil', 'yes'));
    expect(chart.policyReport().errors).toBe(1);
    expect(() => app.synth()).toThrow(/SPY-001/);
    expect(() => Testing.synth(chart)).toThrow(/SPY-001/);
  });

  test('an object created while rendering (after the gates ran) fails the synth and nothing is written', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    let made = false;
    new ApiObject(chart, 'maker', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'maker' },
      data: Lazy.any({
        produce: () => {
          if (!made) { made = true; new ApiObject(chart, 'late', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' }, data: { evil: 'yes' } }); }
          return { a: 'b' };
        },
      }),
    });
    expect(() => app.synth()).toThrow(/late: this object was added .* after the policy gates ran/);
    expect(tree(outdir)).toEqual({});
  });

  test('a synth that fails where the output directory did not exist does not create it', () => {
    const outdir = path.join(tmp(), 'not-yet');
    const app = new App({ outdir });
    const chart = new HardenedChart(app, 'shop', { printWarnings: false });
    new ApiObject(chart, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    expect(() => app.synth()).toThrow(/HARDENED-SEC-001/);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('a chart whose toJson() returns objects of its own', () => {
  /** A chart subclass that appends a raw manifest in toJson() (a pattern for pasting JSON in). */
  class Appending extends Chart {
    public toJson(): any[] {
      return [...super.toJson(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pasted' }, data: { evil: 'yes' } }];
    }
  }
  /** A chart subclass that rewrites the checked objects on the way out. */
  class Rewriting extends Chart {
    public toJson(): any[] {
      return super.toJson().map((o: any) => ({ ...o, data: { ...o.data, evil: 'yes' } }));
    }
  }
  test.each(LAYOUTS.map((l) => [YamlOutputType[l], l] as const))('fails the synth and writes nothing (%s)', (_name, yamlOutputType) => {
    for (const Kind of [Appending, Rewriting]) {
      const outdir = tmp();
      const app = new App({ outdir, yamlOutputType });
      const { pack } = spy();
      const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
      const inner = new Kind(chart, 'inner');
      new ApiObject(inner, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
      if (yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE) {
        // This layout writes each ApiObject's own JSON, never the chart's toJson().
        app.synth();
        expect(written(outdir).join('\n')).not.toContain('evil');
      } else {
        expect(() => app.synth()).toThrow(/shop\/inner: the chart's toJson\(\) returned an object the policy gates did not check/);
        expect(tree(outdir)).toEqual({});
      }
      expect(() => app.synthYaml()).toThrow(/did not check/);
    }
  });
  test('a chart subclass that only passes the checked objects through still synthesizes', () => {
    class PassThrough extends Chart {
      public toJson(): any[] { return super.toJson(); }
    }
    const app = new App({ outdir: tmp() });
    const { pack } = spy();
    const chart = new HardenedChart(app, 'shop', { policyPacks: [pack], printWarnings: false });
    new ApiObject(new PassThrough(chart, 'inner'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    expect(app.synthYaml()).toContain('name: cm');
  });
});

describe('nothing escapes by nesting', () => {
  test('a nested HardenedChart with a custom pack of no real rules does not take objects out of the outer gate', () => {
    const app = new App({ outdir: tmp() });
    const outer = new HardenedChart(app, 'outer', { namespace: 'outer', printWarnings: false });
    const noop: PolicyRule = { id: 'NOOP-001', family: 'x', title: 'x', severity: RuleSeverity.WARNING, standards: ['x'], explanation: 'x', fix: 'x', evaluate: () => [] };
    const inner = new HardenedChart(outer, 'inner', { policyPacks: [PolicyPack.custom('none', [noop])] });
    new ApiObject(inner, 'priv', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'priv' },
      spec: { hostPID: true, containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] },
    });
    expect(() => app.synth()).toThrow(/policy gate of HardenedChart outer: .*\n[\s\S]*HARDENED-PSS-002/);
    expect(() => Testing.synth(inner)).toThrow(/HARDENED-PSS-002/);
  });

  test('a nested HardenedChart whose pack has no rules at all escapes nothing either', () => {
    const outer = new HardenedChart(Testing.app(), 'outer', { printWarnings: false, policyPacks: [PolicyPack.SECRETS] });
    const inner = new HardenedChart(outer, 'inner', { printWarnings: false, policyPacks: [PolicyPack.custom('nothing', [])] });
    new ApiObject(new Chart(inner, 'deeper'), 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    expect(inner.policyReport().errors).toBe(0);
    expect(outer.policyReport().findings.map((f) => f.ruleId)).toEqual(['HARDENED-SEC-001']);
    expect(() => Testing.synth(inner)).toThrow(/HARDENED-SEC-001/);
  });

  test('objects of a plain chart nested in a HardenedChart, rendered on their own, are checked', () => {
    const outer = new HardenedChart(Testing.app(), 'outer', { printWarnings: false });
    const plain = new Chart(outer, 'plain');
    new ApiObject(plain, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    expect(() => Testing.synth(plain)).toThrow(/HARDENED-SEC-001/);
  });

  test('an acknowledgement inside the nested chart covers both gates; one for a rule neither runs is reported once', () => {
    const outer = new HardenedChart(Testing.app(), 'outer', { printWarnings: false, policyPacks: [PolicyPack.SECRETS] });
    const inner = new HardenedChart(outer, 'inner', { printWarnings: false, policyPacks: [PolicyPack.POD_SECURITY_BASELINE] });
    const s = new ApiObject(inner, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    Policy.acknowledge(s, 'HARDENED-SEC-001', 'a test fixture secret, not a real one');
    expect(outer.policyReport().errors).toBe(0);
    expect(inner.policyReport().errors).toBe(0);
    Policy.acknowledge(s, 'HARDENED-NET-001', 'no NetworkPolicy rule runs here at all');
    expect(outer.policyReport().errors + inner.policyReport().errors).toBe(1);
  });
});

describe('a gate on any scope', () => {
  test('PolicyGate.attach(app) checks every chart, and acknowledgements on the app apply to all', () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const gate = PolicyGate.attach(app, { policyPacks: [PolicyPack.SECRETS], printWarnings: false });
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    new ApiObject(a, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } });
    const file = path.join(tmp(), 'included.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: included\nstringData:\n  token: abc\n');
    new Include(b, 'inc', { url: file });
    expect(() => app.synth()).toThrow(/policy gate of the app/);
    expect(gate.report().findings.map((f) => `${f.ruleId} ${f.object.name}`)).toEqual(['HARDENED-SEC-001 s', 'HARDENED-SEC-001 included']);
    expect(() => PolicyGate.attach(app)).toThrow(/already attached/);
    expect(tree(outdir)).toEqual({});
    Policy.acknowledge(app, 'HARDENED-SEC-001', 'fixtures of the integration tests');
    app.synth();
    expect(written(outdir).map((d) => JSON.parse(d).metadata.annotations[ACK_ANNOTATION])).toEqual(['HARDENED-SEC-001: fixtures of the integration tests', 'HARDENED-SEC-001: fixtures of the integration tests']);
  });

  test('a gate on a construct inside a plain chart checks that construct only', () => {
    const app = new App({ outdir: tmp() });
    const chart = new Chart(app, 'c');
    const team = new Construct(chart, 'team');
    PolicyGate.attach(team, { policyPacks: [PolicyPack.SECRETS], printWarnings: false });
    new ApiObject(chart, 'outside', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'o' }, stringData: { password: 'x' } });
    new ApiObject(team, 'inside', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'i' }, stringData: { password: 'x' } });
    expect(() => app.synth()).toThrow(/Secret i/);
    expect(PolicyGate.of(team)!.report().findings.map((f) => f.object.name)).toEqual(['i']);
  });

  test('acknowledgements live in construct metadata', () => {
    const chart = new HardenedChart(Testing.app(), 'shop', { printWarnings: false });
    Policy.acknowledge(chart, 'HARDENED-SEC-001', 'fixtures of the integration tests');
    expect(chart.node.metadata.find((m) => m.type === 'hardened.cdk8s.io/acknowledgement')?.data).toEqual({ ruleId: 'HARDENED-SEC-001', reason: 'fixtures of the integration tests' });
  });
});

test('a compliant chart still synthesizes in every layout, and the output is the same as cdk8s renders', () => {
  for (const yamlOutputType of LAYOUTS) {
    const outdir = tmp();
    const app = new App({ outdir, yamlOutputType });
    addGood(new HardenedChart(app, 'shop', { namespace: 'shop', printWarnings: false }));
    app.synth();
    expect(written(outdir).length).toBe(8);
  }
});

describe('acknowledgement reasons: visible, and read back exactly as written', () => {
  const known = () => true;
  test.each([
    ['ten zero-width spaces', '\u200b'.repeat(10)],
    ['joiners, marks and BOMs around 3 letters', '\u200d\u2060a\ufeff\u00adb\u0301c\u200e\u200f\u202e'],
    ['whitespace and control characters', ' \t\n\r\u0007\u00a0\u3000 abc '],
    ['Hangul fillers and braille blanks', '\u3164\u3164\u115f\u2800\u2800abc'],
  ])('%s is not a reason', (_what, reason) => {
    expect(visibleLength(reason)).toBeLessThan(10);
    expect(() => Policy.acknowledge(new HardenedChart(Testing.app(), 'c'), 'HARDENED-SEC-001', reason)).toThrow(/at least 10 visible characters/);
    expect(parseAcknowledgements(`HARDENED-SEC-001: ${reason}`, known)[0].problem).toMatch(/at least 10 visible characters/);
  });

  test.each([
    'vendor image; HARDENED-PSS-101: not a second acknowledgement',
    'a backslash \\ and a semicolon ; and \\; both',
    'ends with a semicolon;',
  ])('a reason with separators is one entry, read back unchanged: %s', (reason) => {
    const written = formatAcknowledgements([{ ruleId: 'HARDENED-SEC-001', reason }, { ruleId: 'HARDENED-IMG-001', reason: 'pinned by the vendor, ticket SEC-9' }]);
    expect(parseAcknowledgements(written, known)).toEqual([
      { ruleId: 'HARDENED-IMG-001', reason: 'pinned by the vendor, ticket SEC-9' },
      { ruleId: 'HARDENED-SEC-001', reason },
    ]);
  });

  test('check does not read a second acknowledgement out of a synthesized reason', () => {
    const outdir = tmp();
    const app2 = new App({ outdir });
    // The gate runs the secrets pack only; check then runs the baseline too, on what was written.
    const chart2 = new HardenedChart(app2, 'shop', { printWarnings: false, policyPacks: [PolicyPack.SECRETS] });
    const s2 = new ApiObject(chart2, 's', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } });
    Policy.acknowledge(s2, 'HARDENED-SEC-001', 'fixture; HARDENED-PSS-001: smuggled in a reason');
    new ApiObject(chart2, 'p', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'a:1' }] } });
    app2.synth();
    const secret = written(outdir).map((d) => JSON.parse(d)).find((o) => o.kind === 'Secret');
    const annotation = secret.metadata.annotations[ACK_ANNOTATION];
    expect(annotation).toBe('HARDENED-SEC-001: fixture\\; HARDENED-PSS-001: smuggled in a reason');
    let out = '';
    const code = check([outdir, '--pack', 'pss-baseline', '--pack', 'secrets', '--format', 'json'], { write: (t: string) => { out += t; } }, { write: () => undefined });
    const report = JSON.parse(out);
    expect(code).toBe(1); // the pod's hostPID is not acknowledged by the smuggled entry
    expect(report.findings.map((f: any) => `${f.ruleId} ${f.name}`)).toContain('HARDENED-PSS-001 p');
    expect(report.acknowledged.map((f: any) => [f.ruleId, f.reason])).toEqual([['HARDENED-SEC-001', 'fixture; HARDENED-PSS-001: smuggled in a reason']]);
  });
});
