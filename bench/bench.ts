/**
 * `npm run bench`: synthesizes N apps with cdk8s-hardened and the same resources hand-written
 * with raw cdk8s-plus-28, each in its own process, plus a floor that only writes the same bytes
 * with the `yaml` package. Prints medians of wall time and peak RSS, documents and bytes, and the
 * ratios against the targets; then the `check` entry (10,000 files, a 200 MB input; see
 * check-bench.ts). Options: --quick (fewer runs), --runs N, --check-only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { checkBench } from './check-bench';

interface Result { wall: number; rssMiB: number; documents: number; bytes: number }
interface Scenario { label: string; apps: number; charts: number }

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 1 : 3;
const SCENARIO_JS = path.join(__dirname, 'scenario.js');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'hardened-bench-'));

const checkOnly = args.includes('--check-only');
const SCENARIOS: Scenario[] = checkOnly ? [] : [
  { label: 'N=1', apps: 1, charts: 1 },
  { label: 'N=100', apps: 100, charts: 1 },
  { label: 'N=1000', apps: 1000, charts: 1 },
  { label: 'N=1000, 100 charts x 10', apps: 1000, charts: 100 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runOnce(kind: string, s: Scenario, outdir: string): Result {
  fs.rmSync(outdir, { recursive: true, force: true });
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [SCENARIO_JS, kind, String(s.apps), String(s.charts), outdir], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${kind} ${s.label} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { wall, rssMiB: out.maxRssKiB / 1024, documents: out.documents, bytes: out.bytes };
}

/**
 * Runs the implementations of one scenario interleaved (A B C, A B C, ...) so that drift in the
 * machine's speed hits all of them alike; returns the median of each.
 */
function runInterleaved(jobs: { kind: string; outdir: string }[], s: Scenario): Result[] {
  const results: Result[][] = jobs.map(() => []);
  for (let r = 0; r < RUNS; r++) jobs.forEach((j, i) => results[i].push(runOnce(j.kind, s, j.outdir)));
  return results.map(rs => ({ wall: median(rs.map(r => r.wall)), rssMiB: median(rs.map(r => r.rssMiB)), documents: rs[0].documents, bytes: rs[0].bytes }));
}

/** The hardened output as JSON per file, for the floor to write again. */
function prepareFloor(dir: string): void {
  const docs: Record<string, any[]> = {};
  for (const f of fs.readdirSync(dir)) docs[f] = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'), { version: '1.1' }).map(d => d.toJS());
  fs.writeFileSync(`${dir}-floor.json`, JSON.stringify(docs));
}

const rows: string[] = [];
const ratios: Record<string, number> = {};
const fmt = (n: number, d = 2) => n.toFixed(d);
console.log(`cdk8s-hardened benchmark: node ${process.version}, ${os.cpus().length} cores, median of ${RUNS} interleaved run(s) per cell\n`);
console.log(`${'| scenario | implementation | wall s | peak RSS MiB | documents | bytes | wall vs cdk8s-plus | wall vs floor |'}\n|---|---|---:|---:|---:|---:|---:|---:|`);
const header = '| scenario | implementation | wall s | peak RSS MiB | documents | bytes | wall vs cdk8s-plus | wall vs floor |';
rows.push(header, '|---|---|---:|---:|---:|---:|---:|---:|');
for (const s of SCENARIOS) {
  const dir = path.join(TMP, s.label.replace(/[^a-z0-9]+/gi, '-'));
  // The floor writes the hardened output again: produce it once first.
  runOnce('hardened', s, `${dir}-hardened`);
  prepareFloor(`${dir}-hardened`);
  const jobs = [{ kind: 'hardened', outdir: `${dir}-hardened` }, { kind: 'cdk8s-plus', outdir: `${dir}-plus` }];
  if (s.charts === 1) jobs.push({ kind: 'floor', outdir: `${dir}-hardened-floor` });
  const [hardened, plus, floor] = runInterleaved(jobs, s);
  const before = rows.length;
  for (const [name, r] of [['cdk8s-hardened', hardened], ['cdk8s-plus-28 by hand', plus], ['floor (yaml only)', floor]] as const) {
    if (!r) continue;
    rows.push(`| ${s.label} | ${name} | ${fmt(r.wall)} | ${fmt(r.rssMiB, 0)} | ${r.documents} | ${r.bytes} | ${fmt(r.wall / plus.wall)}x | ${floor ? `${fmt(r.wall / floor.wall)}x` : '-'} |`);
  }
  ratios[`${s.label} hardened/plus wall`] = hardened.wall / plus.wall;
  ratios[`${s.label} hardened/plus rss`] = hardened.rssMiB / plus.rssMiB;
  if (floor) ratios[`${s.label} hardened/floor wall`] = hardened.wall / floor.wall;
  ratios[`${s.label} hardened wall`] = hardened.wall;
  console.log(rows.slice(before).join('\n'));
}

const targets: [string, number, number][] = checkOnly ? [] : [
  ['N=1000: hardened / hand-written cdk8s-plus, wall', ratios['N=1000 hardened/plus wall'], 1.0],
  ['N=1000: hardened / same-bytes floor, wall', ratios['N=1000 hardened/floor wall'], 1.4],
  ['N=1000: hardened / hand-written cdk8s-plus, peak RSS', ratios['N=1000 hardened/plus rss'], 1.0],
  ['100 charts x 10 / 1 chart x 1000, hardened wall', ratios['N=1000, 100 charts x 10 hardened wall'] / ratios['N=1000 hardened wall'], 1.2],
];
const lines = ['', '| target | measured | limit | |', '|---|---:|---:|---|',
  ...targets.map(([name, v, limit]) => `| ${name} | ${fmt(v)}x | ${fmt(limit, 1)}x | ${v <= limit ? 'met' : 'MISSED'} |`)];
console.log(lines.join('\n'));
const checkResult = checkBench(TMP);
console.log(checkResult.rows.join('\n'));
lines.push(...checkResult.rows);
const resultsDir = path.join(__dirname, '..', '..', 'bench', 'results');
fs.mkdirSync(resultsDir, { recursive: true });
fs.writeFileSync(path.join(resultsDir, 'latest.md'), [...rows, ...lines].join('\n') + '\n');
fs.rmSync(TMP, { recursive: true, force: true });
