/**
 * The `check` entry of `npm run bench`: 10,000 files, and a 200 MB input (as a file, on
 * standard input, and as a file with a 256 MB heap), and a 31 MB file read in full with a
 * 256 MB heap (just under what check reads). Each run is its own process; the target is a
 * peak RSS of at most 300 MiB and an exit status of 0, 1 or 2 (never a crash).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const CHECK_JS = path.join(__dirname, 'check-scenario.js');
export const CHECK_RSS_LIMIT_MIB = 300;

const DIGEST = `@sha256:${'a'.repeat(64)}`;
function deployment(i: number, bad: boolean): string {
  const n = `web-${i}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n}
  namespace: team-${i % 50}
  labels: { app.kubernetes.io/name: ${n}, app.kubernetes.io/instance: ${n} }
spec:
  selector:
    matchLabels: { app.kubernetes.io/instance: ${n} }
  template:
    metadata:
      labels: { app.kubernetes.io/name: ${n}, app.kubernetes.io/instance: ${n} }
    spec:
      serviceAccountName: ${n}
      automountServiceAccountToken: false
      hostPID: ${bad ? 'yes' : 'no'}
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: web
          image: registry.example.com/org/web:1.4.2${DIGEST}
          imagePullPolicy: Always
          ports: [{ name: http, containerPort: 8080 }]
          resources:
            requests: { cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi }
            limits: { cpu: 500m, memory: 256Mi, ephemeral-storage: 128Mi }
          readinessProbe: { httpGet: { path: /ready, port: http } }
          livenessProbe: { httpGet: { path: /healthz, port: http } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: ${bad ? 'on' : 'off'}
            capabilities: { drop: [ALL] }
`;
}

interface CheckResult { label: string; wall: number; rssMiB: number; code: number | null; signal: string | null; stderr: string }

function run(label: string, args: string[], opts: { stdinFile?: string; heapMiB?: number } = {}): CheckResult {
  const stdin = opts.stdinFile ? fs.openSync(opts.stdinFile, 'r') : 'ignore';
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...(opts.heapMiB ? [`--max-old-space-size=${opts.heapMiB}`] : []), CHECK_JS, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 26, stdio: [stdin, 'pipe', 'pipe'],
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (typeof stdin === 'number') fs.closeSync(stdin);
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: { code: number; maxRssKiB: number; stderr: string } | undefined;
  try {
    parsed = JSON.parse(last);
  } catch {
    parsed = undefined;
  }
  return {
    label, wall,
    rssMiB: parsed ? parsed.maxRssKiB / 1024 : NaN,
    code: parsed ? parsed.code : r.status,
    signal: r.signal,
    stderr: parsed ? parsed.stderr : (r.stderr ?? '').trim().split('\n')[0] ?? '',
  };
}

/** Runs the check benchmark in `tmp`; returns the table rows and whether every target was met. */
export function checkBench(tmp: string): { rows: string[]; met: boolean } {
  const many = path.join(tmp, 'check-10000-files');
  fs.mkdirSync(many, { recursive: true });
  let manyBytes = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = deployment(i, i % 10 === 0);
    manyBytes += Buffer.byteLength(text);
    const dir = path.join(many, `team-${i % 100}`);
    if (i < 100) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `web-${i}.yaml`), text);
  }
  const big = path.join(tmp, 'check-200mb.yaml');
  const fd = fs.openSync(big, 'w');
  const doc = (i: number) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}, namespace: shop }\ndata:\n  settings.ini: |\n${'    key = value that is long enough to look like configuration\n'.repeat(12)}`;
  let bigBytes = 0;
  for (let i = 0; bigBytes < 200 * 1000 * 1000; i++) {
    const chunk = Array.from({ length: 100 }, (_, j) => doc(i * 100 + j)).join('');
    fs.writeSync(fd, chunk);
    bigBytes += Buffer.byteLength(chunk);
  }
  fs.closeSync(fd);

  // At the edge of what check reads: 31 MB in ~20,000 ConfigMaps, read and checked in full.
  const edoc = (i: number) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${i}, namespace: shop }\ndata:\n  settings.ini: |\n${'    key = value that is long enough to look like configuration\n'.repeat(24)}`;
  const edge = path.join(tmp, 'check-31mb.yaml');
  const efd = fs.openSync(edge, 'w');
  let edgeBytes = 0;
  for (let i = 0; edgeBytes < 31 * 1000 * 1000; i++) {
    const d = edoc(i);
    fs.writeSync(efd, d);
    edgeBytes += Buffer.byteLength(d);
  }
  fs.closeSync(efd);

  const results = [
    run(`10,000 files (${(manyBytes / 1e6).toFixed(0)} MB, 1 in 10 insecure)`, [many, '--format', 'json']),
    run(`one ${(bigBytes / 1e6).toFixed(0)} MB file`, [big]),
    run(`${(bigBytes / 1e6).toFixed(0)} MB on standard input`, ['-'], { stdinFile: big }),
    run(`one ${(bigBytes / 1e6).toFixed(0)} MB file, 256 MB heap`, [big], { heapMiB: 256 }),
    run(`one ${(edgeBytes / 1e6).toFixed(0)} MB file (read in full), 256 MB heap`, [edge], { heapMiB: 256 }),
  ];
  const rows = ['', '`cdk8s-hardened check`', '', '| input | wall s | peak RSS MiB | exit | first stderr line | |', '|---|---:|---:|---:|---|---|'];
  let met = true;
  for (const r of results) {
    const ok = r.signal === null && (r.code === 0 || r.code === 1 || r.code === 2) && r.rssMiB <= CHECK_RSS_LIMIT_MIB;
    met &&= ok;
    rows.push(`| ${r.label} | ${r.wall.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${r.signal ?? r.code} | ${r.stderr.replace(/\|/g, '\\|').slice(0, 140)} | ${ok ? 'met' : 'MISSED'} |`);
  }
  rows.push('', `Targets: peak RSS at most ${CHECK_RSS_LIMIT_MIB} MiB, exit status 0, 1 or 2 (never a crash).`);
  fs.rmSync(many, { recursive: true, force: true });
  fs.rmSync(big, { force: true });
  fs.rmSync(edge, { force: true });
  return { rows, met };
}
