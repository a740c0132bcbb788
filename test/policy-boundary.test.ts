/*
 * Issue #10, "the gate is a security boundary": every class of object that gave away a node or
 * the cluster, in compliant/non-compliant pairs with several instances per class, through both
 * the synth-time gate (the YAML `Include`d into a HardenedChart) and `cdk8s-hardened check`.
 *
 * Fixtures: test/fixtures/check/boundary/{bad,good}/<class>.yaml. An object annotated
 * `test.hardened.cdk8s.io/expect: <rule ids>` must get a finding of each rule; one annotated
 * `test.hardened.cdk8s.io/clean-of: <rule ids>` must get none of them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Include } from 'cdk8s';
import { ACK_ANNOTATION, HardenedChart, Policy } from '../src';
import { check } from '../src/cli/check';
import { ManifestReader } from '../src/cli/manifests';

const FIX = path.join(__dirname, 'fixtures', 'check', 'boundary');
const EXPECT = 'test.hardened.cdk8s.io/expect';
const CLEAN = 'test.hardened.cdk8s.io/clean-of';
const CLASSES = fs.readdirSync(path.join(FIX, 'bad')).filter((f) => f.endsWith('.yaml')).sort();

interface Marked { kind: string; name: string; rules: string[]; ack?: string }
function marked(file: string, key: string): Marked[] {
  const reader = new ManifestReader();
  reader.read(file);
  return reader.objects.map((o) => o.json).filter((j) => j.metadata?.annotations?.[key]).map((j) => ({
    kind: j.kind, name: j.metadata.name, rules: String(j.metadata.annotations[key]).split(/\s+/).filter(Boolean), ack: j.metadata.annotations[ACK_ANNOTATION],
  }));
}
type Found = Array<{ ruleId: string; kind: string; name: string }>;
function viaCheck(file: string): { code: number; found: Found; suppressed: Found } {
  let out = '';
  const code = check([file, '--format', 'json'], { write: (s: string) => { out += s; } }, { write: () => undefined });
  const report = JSON.parse(out);
  return { code, found: report.findings, suppressed: report.acknowledged };
}
function viaGate(file: string): { found: Found; suppressed: Found } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(require('os').tmpdir(), 'boundary-')) });
  const chart = new HardenedChart(app, 'boundary', { printWarnings: false });
  const include = new Include(chart, 'included', { url: file });
  // The annotation is how `check` reads an exception; in code it is Policy.acknowledge.
  for (const o of include.apiObjects) {
    const value = o.metadata.toJson().annotations?.[ACK_ANNOTATION];
    const m = value && /^(HARDENED-[A-Z]+-\d{3}):\s*(.*)$/.exec(value);
    if (m) Policy.acknowledge(o, m[1], m[2]);
  }
  const report = chart.policyReport();
  const flat = (fs_: typeof report.findings) => fs_.map((f) => ({ ruleId: f.ruleId, kind: f.object.kind, name: f.object.name }));
  return { found: flat(report.findings), suppressed: flat(report.suppressed) };
}
const hits = (found: Found, m: Marked, rule: string) => found.some((f) => f.ruleId === rule && f.kind === m.kind && f.name === m.name);

describe.each(CLASSES)('%s', (file) => {
  const bad = path.join(FIX, 'bad', file);
  const good = path.join(FIX, 'good', file);
  const expected = marked(bad, EXPECT);
  const clean = marked(good, CLEAN);

  test('the fixtures mark several instances', () => {
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(clean.length).toBeGreaterThanOrEqual(1);
  });

  test('check: every non-compliant object is flagged with its rules (exit 1)', () => {
    const r = viaCheck(bad);
    expect(r.code).toBe(1);
    const missing = expected.flatMap((m) => m.rules.filter((rule) => !hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(missing).toEqual([]);
  });

  test('the synth gate: every non-compliant object is flagged with its rules', () => {
    const r = viaGate(bad);
    const missing = expected.flatMap((m) => m.rules.filter((rule) => !hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(missing).toEqual([]);
  });

  test('check: the compliant objects are not flagged for those rules', () => {
    const r = viaCheck(good);
    const wrong = clean.flatMap((m) => m.rules.filter((rule) => hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(wrong).toEqual([]);
    for (const m of clean.filter((x) => x.ack)) expect(hits(r.suppressed, m, m.ack!.split(':')[0])).toBe(true);
  });

  test('the synth gate: the compliant objects are not flagged for those rules', () => {
    const r = viaGate(good);
    const wrong = clean.flatMap((m) => m.rules.filter((rule) => hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(wrong).toEqual([]);
    for (const m of clean.filter((x) => x.ack)) expect(hits(r.suppressed, m, m.ack!.split(':')[0])).toBe(true);
  });
});

test('a List in the synth gate: an acknowledgement is recorded on the item it applies to', () => {
  const outdir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'boundary-'));
  const app = new App({ outdir });
  const chart = new HardenedChart(app, 'boundary', { printWarnings: false, policyPacks: [require('../src').PolicyPack.SECRETS] });
  const include = new Include(chart, 'included', { url: path.join(FIX, 'bad', 'lists.yaml') });
  Policy.acknowledge(include.apiObjects[2], 'HARDENED-SEC-001', 'fixture secret of the boundary tests'); // the list that holds the Secret list
  app.synth();
  const text = fs.readFileSync(path.join(outdir, 'boundary.k8s.yaml'), 'utf8');
  let out = '';
  expect(check([path.join(outdir, 'boundary.k8s.yaml'), '--pack', 'secrets', '--format', 'json'], { write: (s: string) => { out += s; } }, { write: () => undefined })).toBe(0);
  expect(JSON.parse(out).acknowledged.map((f: any) => `${f.kind}/${f.name}`)).toEqual(['Secret/listed-secret']);
  expect(text).toContain(`${ACK_ANNOTATION}: "HARDENED-SEC-001: fixture secret of the boundary tests"`);
});

describe('check reads YAML as kubectl (go-yaml v2) does, where a js-yaml or YAML 1.2 reader differs', () => {
  // check only: the synth gate checks what cdk8s's own YAML reader produced, and writes exactly that.
  const dir = path.join(__dirname, 'fixtures', 'check', 'kubectl-yaml');
  test('every non-compliant object is flagged with its rules (exit 1)', () => {
    const expected = marked(path.join(dir, 'bad.yaml'), EXPECT);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const r = viaCheck(path.join(dir, 'bad.yaml'));
    expect(r.code).toBe(1);
    const missing = expected.flatMap((m) => m.rules.filter((rule) => !hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(missing).toEqual([]);
  });
  test('the compliant objects are not flagged for those rules', () => {
    const clean = marked(path.join(dir, 'good.yaml'), CLEAN);
    expect(clean.length).toBeGreaterThanOrEqual(3);
    const r = viaCheck(path.join(dir, 'good.yaml'));
    const wrong = clean.flatMap((m) => m.rules.filter((rule) => hits(r.found, m, rule)).map((rule) => `${rule} ${m.kind}/${m.name}`));
    expect(wrong).toEqual([]);
  });
  test('values read as kubectl reads them: merge order, !!binary, Go integers, no base 60', () => {
    const reader = new ManifestReader();
    reader.read(path.join(dir, 'good.yaml'));
    const [pod, binding, uid] = reader.objects.map((o) => o.json);
    expect(pod.spec.hostPID).toBe(false);
    expect(pod.spec.containers[0].securityContext).toEqual({ privileged: false });
    expect(binding.roleRef.name).toBe('view');
    expect(uid.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65535, runAsGroup: 65536 });
  });
  test('a quoted key that looks like the reader\'s merge marker is an ordinary key', () => {
    const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'kubectl-yaml-'));
    const keys = Array.from({ length: 4 }, (_, i) => `"\\0<<${i}": { privileged: false }`).join(', ');
    fs.writeFileSync(path.join(tmp, 'forged.yaml'), `apiVersion: v1\nkind: Pod\nmetadata: { name: forged }\nspec:\n  containers:\n    - name: app\n      image: "nginx:1.27.3"\n      securityContext: { privileged: true, ${keys} }\n`);
    const r = viaCheck(tmp);
    expect(r.found.filter((f) => f.ruleId === 'HARDENED-PSS-002').map((f) => f.name)).toEqual(['forged']);
  });
  test('a UTF-16 file (with its byte-order mark) is read, as go-yaml reads it', () => {
    const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'kubectl-yaml-'));
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  hostPID: true\n  containers: [{ name: app, image: "nginx:1.27.3" }]\n`;
    const be = Buffer.from(pod('utf16-be'), 'utf16le');
    be.swap16();
    fs.writeFileSync(path.join(tmp, 'le.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pod('utf16-le'), 'utf16le')]));
    fs.writeFileSync(path.join(tmp, 'be.yaml'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    const r = viaCheck(tmp);
    expect(r.code).toBe(1);
    expect(r.found.filter((f) => f.ruleId === 'HARDENED-PSS-001').map((f) => f.name).sort()).toEqual(['utf16-be', 'utf16-le']);
  });
  test('an anchor whose value contains itself is refused (exit 2), as kubectl refuses it', () => {
    const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'kubectl-yaml-'));
    fs.writeFileSync(path.join(tmp, 'cycle.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: &a\n  x: *a\n');
    let err = '';
    expect(check([tmp], { write: () => undefined }, { write: (s: string) => { err += s; } })).toBe(2);
    expect(err).toContain('contains itself');
  });
});
