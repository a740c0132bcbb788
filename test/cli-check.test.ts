import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'node:child_process';
import { check, MAX_LISTED_FINDINGS } from '../src/cli/check';
import { MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES, MAX_OBJECTS } from '../src/cli/manifests';
import { main } from '../src/cli/index';

const FIX = path.join(__dirname, 'fixtures', 'check');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cli-check-'));

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = check(argv, { write: (s: string) => { out += s; } }, { write: (s: string) => { err += s; } });
  return { code, out, err };
}
const json = (...argv: string[]) => {
  const r = run(...argv, '--format', 'json');
  return { ...r, report: JSON.parse(r.out) };
};
const has = (report: any, ruleId: string, kind: string, name: string) => report.findings.some((f: any) => f.ruleId === ruleId && f.kind === kind && f.name === name);

describe('cdk8s-hardened check', () => {
  test('the hardened reference set (fixtures/good) is clean: exit 0', () => {
    const r = run(path.join(FIX, 'good'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 errors, 0 warnings, 0 acknowledged, in 14 objects');
    expect(r.err).toBe('');
  });

  test('the broken set (fixtures/bad): exit 1, every PSS control and RBAC rule the independent checker flags', () => {
    const { code, report } = json(path.join(FIX, 'bad'));
    expect(code).toBe(1);
    const expected: Array<[string, string, string]> = [
      // pss/* on Deployment bad-web and CronJob bad-cron
      ['HARDENED-PSS-001', 'Deployment', 'bad-web'], ['HARDENED-PSS-002', 'Deployment', 'bad-web'], ['HARDENED-PSS-005', 'Deployment', 'bad-web'],
      ['HARDENED-PSS-101', 'Deployment', 'bad-web'], ['HARDENED-PSS-102', 'Deployment', 'bad-web'], ['HARDENED-PSS-103', 'Deployment', 'bad-web'],
      ['HARDENED-PSS-104', 'Deployment', 'bad-web'], ['HARDENED-PSS-105', 'Deployment', 'bad-web'], ['HARDENED-PSS-106', 'Deployment', 'bad-web'],
      ['HARDENED-PSS-102', 'CronJob', 'bad-cron'], ['HARDENED-PSS-103', 'CronJob', 'bad-cron'], ['HARDENED-PSS-105', 'CronJob', 'bad-cron'], ['HARDENED-PSS-106', 'CronJob', 'bad-cron'],
      // RBAC good practices, kube-linter, Polaris RBAC
      ['HARDENED-RBAC-001', 'ClusterRole', 'bad-everything'], ['HARDENED-RBAC-002', 'ClusterRole', 'bad-everything'], ['HARDENED-RBAC-002', 'ClusterRoleBinding', 'bad-everything'],
      ['HARDENED-RBAC-002', 'ClusterRoleBinding', 'bad-admin'], ['HARDENED-RBAC-003', 'ClusterRole', 'bad-everything'], ['HARDENED-RBAC-003', 'Role', 'bad-escalation'],
      ['HARDENED-RBAC-004', 'Role', 'bad-escalation'], ['HARDENED-RBAC-005', 'Role', 'bad-escalation'], ['HARDENED-RBAC-006', 'Role', 'bad-escalation'],
      ['HARDENED-RBAC-007', 'Role', 'bad-escalation'], ['HARDENED-RBAC-007', 'ClusterRole', 'bad-everything'], ['HARDENED-RBAC-008', 'ClusterRoleBinding', 'bad-admin'],
      ['HARDENED-RBAC-009', 'ClusterRoleBinding', 'bad-admin'], ['HARDENED-RBAC-009', 'ClusterRoleBinding', 'bad-everything'],
      // the rest of the list
      ['HARDENED-SEC-001', 'Secret', 'bad-plaintext'], ['HARDENED-SEC-002', 'Deployment', 'bad-web'], ['HARDENED-IMG-001', 'Deployment', 'bad-web'],
      ['HARDENED-IMG-001', 'CronJob', 'bad-cron'], ['HARDENED-SA-001', 'Deployment', 'bad-web'], ['HARDENED-SA-002', 'CronJob', 'bad-cron'],
      ['HARDENED-NET-001', 'Deployment', 'bad-web'], ['HARDENED-NET-001', 'CronJob', 'bad-cron'], ['HARDENED-HPA-001', 'Deployment', 'bad-web'],
      ['HARDENED-PDB-002', 'PodDisruptionBudget', 'bad-pdb'], ['HARDENED-PROBE-001', 'Deployment', 'bad-web'], ['HARDENED-RES-002', 'CronJob', 'bad-cron'],
    ];
    const missing = expected.filter(([id, kind, name]) => !has(report, id, kind, name));
    expect(missing).toEqual([]);
    expect(report.summary.errors).toBeGreaterThan(60);
  });

  test('own insecure manifests: one per pod-bearing kind, List kinds, .yml and .json', () => {
    const { code, report } = json(path.join(FIX, 'own'));
    expect(code).toBe(1);
    const expected: Array<[string, string, string]> = [
      ['HARDENED-PSS-001', 'Pod', 'pod'], ['HARDENED-PSS-107', 'Pod', 'pod'], ['HARDENED-PSS-007', 'Pod', 'pod'],
      ['HARDENED-PSS-010', 'PodTemplate', 'tpl'], ['HARDENED-PSS-101', 'ReplicationController', 'rc'],
      ['HARDENED-PSS-006', 'ReplicaSet', 'rs'], ['HARDENED-PSS-011', 'DaemonSet', 'ds'], ['HARDENED-PSS-005', 'DaemonSet', 'ds'], ['HARDENED-PSS-105', 'DaemonSet', 'ds'],
      ['HARDENED-PSS-002', 'StatefulSet', 'sts'], ['HARDENED-PSS-103', 'StatefulSet', 'sts'], ['HARDENED-PDB-001', 'StatefulSet', 'sts'],
      ['HARDENED-PSS-104', 'Job', 'job'], ['HARDENED-PSS-012', 'Job', 'job'], ['HARDENED-PSS-106', 'Job', 'job'],
      ['HARDENED-PSS-001', 'CronJob', 'cron'], ['HARDENED-PSS-102', 'CronJob', 'cron'],
      ['HARDENED-RBAC-008', 'RoleBinding', 'everyone'], ['HARDENED-RBAC-005', 'Role', 'debugger'],
    ];
    expect(expected.filter(([id, kind, name]) => !has(report, id, kind, name))).toEqual([]);
    // every pod-bearing kind is evaluated
    const kinds = new Set(report.findings.filter((f: any) => f.ruleId.startsWith('HARDENED-PSS-')).map((f: any) => f.kind));
    expect([...kinds].sort()).toEqual(['CronJob', 'DaemonSet', 'Job', 'Pod', 'PodTemplate', 'ReplicaSet', 'ReplicationController', 'StatefulSet']);
    // the List's items keep their own lines in the .json file
    const rb = report.findings.find((f: any) => f.kind === 'RoleBinding');
    expect(rb.file).toBe(path.join(FIX, 'own', 'list.json')); // as given on the command line
    expect(rb.objectLine).toBe(5);
    expect(rb.line).toBe(10);
  });

  test('human output: object, rule, field path with line, problem and fix', () => {
    const r = run(path.join(FIX, 'bad', 'workload.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('Deployment bad-web  (');
    expect(r.out).toContain('workload.yaml:3)');
    expect(r.out).toContain('ERROR   HARDENED-PSS-001  at spec.template.spec.hostNetwork (line 19)');
    expect(r.out).toContain('hostNetwork=true shares the node\'s network namespace');
    expect(r.out).toContain('fix: Remove hostNetwork, hostPID and hostIPC');
  });

  test('JSON output', () => {
    const { report } = json(path.join(FIX, 'bad', 'rbac.yaml'));
    expect(report.summary).toEqual({ errors: expect.any(Number), warnings: expect.any(Number), acknowledged: 0 });
    const f = report.findings.find((x: any) => x.ruleId === 'HARDENED-RBAC-008');
    expect(f).toEqual(expect.objectContaining({ kind: 'ClusterRoleBinding', name: 'bad-admin', file: path.join(FIX, 'bad', 'rbac.yaml'), line: 33, objectLine: 23, path: 'subjects[0].name', severity: 'error' }));
  });

  test('SARIF 2.1.0 output: rules from the rule data, results with file and line', () => {
    const r = run(path.join(FIX, 'bad'), '--format', 'sarif');
    const sarif = JSON.parse(r.out);
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    const rule = run0.tool.driver.rules.find((x: any) => x.id === 'HARDENED-PSS-001');
    expect(rule).toEqual(expect.objectContaining({ shortDescription: { text: 'No host namespaces' }, defaultConfiguration: { level: 'error' } }));
    const res = run0.results.find((x: any) => x.ruleId === 'HARDENED-PSS-001');
    expect(run0.tool.driver.rules[res.ruleIndex].id).toBe('HARDENED-PSS-001');
    expect(res.level).toBe('error');
    expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/test\/fixtures\/check\/bad\/workload\.yaml$/);
    expect(res.locations[0].physicalLocation.region.startLine).toBe(19);
    expect(res.message.text).toContain('Deployment bad-web: hostNetwork=true');
  });

  test('acknowledgement annotations are honoured only with a reason, and listed', () => {
    const dir = tmp();
    const doc = (name: string, ack: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  annotations:
    hardened.cdk8s.io/acknowledged: "${ack}"
stringData:
  a: b
`;
    fs.writeFileSync(path.join(dir, 'a.yaml'), [
      doc('ok', 'HARDENED-SEC-001: bootstrap token, rotated on first start'),
      doc('short', 'HARDENED-SEC-001: because'),
      doc('stale', 'HARDENED-SEC-001: bootstrap token, rotated; HARDENED-PSS-001: this secret needs no host network'),
    ].join('---\n'));
    const { code, report } = json(dir);
    expect(code).toBe(1);
    expect(report.acknowledged.map((f: any) => [f.name, f.ruleId, f.reason])).toEqual([
      ['ok', 'HARDENED-SEC-001', 'bootstrap token, rotated on first start'],
      ['stale', 'HARDENED-SEC-001', 'bootstrap token, rotated'],
    ]);
    expect(report.findings.map((f: any) => [f.name, f.ruleId, f.severity])).toEqual([
      ['short', 'HARDENED-SEC-001', 'error'],
      ['short', 'HARDENED-ACK-002', 'warning'],
      ['stale', 'HARDENED-ACK-001', 'error'],
    ]);
    const text = run(dir).out;
    expect(text).toContain('Acknowledged exceptions:');
    expect(text).toContain(`Secret ok  (${path.join(dir, 'a.yaml')}:1): HARDENED-SEC-001: bootstrap token, rotated on first start`);
  });

  test('warnings alone exit 0', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'hpa.yaml'), 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n  minReplicas: 1\n  maxReplicas: 2\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }\n');
    const r = run(dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 errors, 1 warning');
  });

  test('--pack and --pss-version', () => {
    const rbacOnly = json(path.join(FIX, 'bad'), '--pack', 'rbac').report;
    expect(new Set(rbacOnly.findings.map((f: any) => f.ruleId.split('-').slice(0, 2).join('-')))).toEqual(new Set(['HARDENED-RBAC']));
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'p.yaml'), `apiVersion: v1
kind: Pod
metadata: { name: p }
spec:
  securityContext: { sysctls: [{ name: net.ipv4.tcp_keepalive_time, value: "600" }] }
  containers: [{ name: c, image: a:1 }]
`);
    expect(has(json(dir, '--pack', 'pss-baseline', '--pss-version', 'v1.28').report, 'HARDENED-PSS-010', 'Pod', 'p')).toBe(true);
    expect(json(dir, '--pack=pss-baseline').code).toBe(0);
  });

  describe('exit 2 on unreadable input, never a stack trace', () => {
    test('bad YAML names the file and line', () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n');
      fs.writeFileSync(path.join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [unclosed\n');
      const r = run(dir);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^cdk8s-hardened check: .*broken\.yaml:\d+:\d+: not valid YAML: /);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    });
    test('duplicate keys are bad YAML', () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'dup.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\nkind: Secret\n');
      expect(run(dir).err).toMatch(/dup\.yaml:4:1: not valid YAML: duplicated mapping key\n$/);
    });
    test('a path that does not exist', () => {
      const r = run('/nonexistent/manifests');
      expect(r).toEqual({ code: 2, out: '', err: 'cdk8s-hardened check: /nonexistent/manifests: no such file or directory\n' });
    });
    test('no Kubernetes documents', () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicaCount: 2\n');
      expect(run(dir)).toEqual(expect.objectContaining({ code: 2, err: expect.stringContaining('no Kubernetes documents found (1 file read)') }));
    });
    test('usage errors', () => {
      expect(run().code).toBe(2);
      expect(run('x', '--format', 'xml').err).toContain('--format must be text, json or sarif');
      expect(run('x', '--pack', 'nope').err).toContain('unknown pack "nope"');
      expect(run('--help').code).toBe(0);
    });
  });

  describe('reads what kubectl apply -f DIR -R reads, as kubectl reads it (issue #10)', () => {
    const POD = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n${spec}\n  containers: [{ name: c, image: "nginx:1.27.3" }]\n`;
    test('hidden files, hidden folders and node_modules are read', () => {
      const dir = tmp();
      fs.mkdirSync(path.join(dir, '.hidden'));
      fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.dot.yaml'), POD('dot-file', '  hostPID: true'));
      fs.writeFileSync(path.join(dir, '.hidden', 'p.yml'), POD('dot-folder', '  hostNetwork: true'));
      fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'p.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'node-modules' }, spec: { hostIPC: true, containers: [{ name: 'c', image: 'nginx:1.27.3' }] } }));
      fs.writeFileSync(path.join(dir, 'README.md'), '# not a manifest');
      const { code, report } = json(dir);
      expect(code).toBe(1);
      expect(report.files).toBe(3);
      for (const name of ['dot-file', 'dot-folder', 'node-modules']) expect(has(report, 'HARDENED-PSS-001', 'Pod', name)).toBe(true);
    });
    test.each([['yes'], ['Yes'], ['on'], ['ON'], ['y'], ['Y'], ['True']])('hostPID: %s is true (YAML 1.1)', (v) => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'p.yaml'), POD('p', `  hostPID: ${v}`));
      expect(has(json(dir).report, 'HARDENED-PSS-001', 'Pod', 'p')).toBe(true);
    });
    test.each([['no'], ['off'], ['n'], ['"yes"']])('hostPID: %s is not true', (v) => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'p.yaml'), POD('p', `  hostPID: ${v}`));
      expect(has(json(dir).report, 'HARDENED-PSS-001', 'Pod', 'p')).toBe(false);
    });
    test('<< merge keys are applied, with the line of the merged field', () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'p.yaml'), 'x-defaults: &d\n  hostPID: true\n---\n' + POD('p', '  <<: { hostNetwork: true }\n  hostIPC: false'));
      const { report } = json(dir);
      expect(report.findings.filter((f: any) => f.ruleId === 'HARDENED-PSS-001').map((f: any) => f.path)).toEqual(['spec.hostNetwork']);
    });
    test('"-" reads standard input', () => {
      const entry = path.join(__dirname, '..', 'src', 'cli', 'index.ts');
      const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, 'check', '-'], { input: POD('from-stdin', '  hostPID: yes'), encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('Pod from-stdin  ((stdin):1)');
      expect(r.stdout).toContain('HARDENED-PSS-001  at spec.hostPID (line 5)');
    });
    test('input past the documented size is refused with exit 2 and one line', () => {
      const dir = tmp();
      const big = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\ndata:\n  k: "' + 'x'.repeat(MAX_DOCUMENT_BYTES) + '"\n';
      fs.writeFileSync(path.join(dir, 'big.yaml'), big);
      const r = run(dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^cdk8s-hardened check: .*big\.yaml:1: a YAML document of 16\.0 MiB is larger than the 16\.0 MiB check reads per document; split it into smaller documents\n$/);
      const many = tmp();
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(many, `f${i}.yaml`), '# ' + 'x'.repeat(MAX_INPUT_BYTES / 4) + '\n');
      const r2 = run(many);
      expect(r2.code).toBe(2);
      expect(r2.err.trim().split('\n')).toEqual([expect.stringMatching(/: more than the 32\.0 MiB check reads at once .*; check the files in smaller sets$/)]);
      expect(MAX_INPUT_BYTES).toBe(32 * 1024 * 1024);
    });
    test('more objects than the documented limit: exit 2, one line; more findings than a report lists: counted, not listed', () => {
      const dir = tmp();
      const pod = (i: number) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec: {hostPID: true, containers: [{name: c, image: x}]}\n`;
      fs.writeFileSync(path.join(dir, 'many.yaml'), Array.from({ length: MAX_OBJECTS + 1 }, (_, i) => pod(i)).join(''));
      const r = run(dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^cdk8s-hardened check: .*many\.yaml:\d+: more than the 25,000 objects check reads at once; check the files in smaller sets\n$/);
      const few = tmp();
      fs.writeFileSync(path.join(few, 'few.yaml'), Array.from({ length: 1000 }, (_, i) => pod(i)).join(''));
      const { code, report } = json(few);
      expect(code).toBe(1);
      expect(report.findings.length).toBe(MAX_LISTED_FINDINGS);
      expect(report.summary.errors).toBeGreaterThan(MAX_LISTED_FINDINGS);
      expect(report.summary.notListed).toBe(report.summary.errors + report.summary.warnings - MAX_LISTED_FINDINGS);
    });
  });

  test('is registered in the cdk8s-hardened command', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(main(['check', path.join(FIX, 'good')])).toBe(0);
      expect(main(['check', path.join(FIX, 'bad')])).toBe(1);
    } finally {
      write.mockRestore();
    }
  });
});
