/*
 * `npm run fuzz [-- <cases per construct> <seed>]`: the long property-based run of every
 * construct and option struct (test/helpers/fuzz.ts). Prints the counts per construct and per
 * outcome, and the distinct internal errors and accepted-invalid cases; exits 1 if there is any.
 */
import { fuzz, tally } from '../test/helpers/fuzz';

const perTarget = Number(process.argv[2] ?? 1500);
const seed = Number(process.argv[3] ?? 20261207);
const started = Date.now();
const results = fuzz(perTarget, seed);
const counts = tally(results);
const outcomes = ['refused clearly', 'accepted valid', 'internal error', 'accepted invalid'] as const;
const rows = Object.entries(counts).map(([t, c]) => [t, ...outcomes.map((o) => String(c[o]))]);
const total = outcomes.map((o) => String(results.filter((r) => r.outcome === o).length));
const table = [['construct', ...outcomes], ...rows, ['total', ...total]];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
console.log(`cdk8s-hardened fuzz: ${results.length} cases (${perTarget} per construct, seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
const bad = results.filter((r) => r.outcome === 'internal error' || r.outcome === 'accepted invalid');
const distinct = new Map<string, number>();
for (const b of bad) {
  const key = `${b.target} ${b.outcome}: ${b.detail}`.replace(/\d+/g, 'N').slice(0, 300);
  distinct.set(key, (distinct.get(key) ?? 0) + 1);
}
for (const [k, n] of [...distinct].sort((a, b) => b[1] - a[1])) console.log(`${n}× ${k}`);
process.exitCode = bad.length ? 1 : 0;
