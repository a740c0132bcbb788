/**
 * One `cdk8s-hardened check` run in its own process, for whole-process wall time and peak RSS:
 *   node check-scenario.js <check arguments...>
 * Prints one JSON line: exit code, peak RSS (KiB), bytes of the report, the first stderr line.
 */
import { check } from '../src/cli/check';

let out = 0;
let err = '';
const code = check(process.argv.slice(2), { write: (s: string) => { out += s.length; } }, { write: (s: string) => { err += s; } });
console.log(JSON.stringify({ code, maxRssKiB: process.resourceUsage().maxRSS, reportBytes: out, stderr: err.trim().split('\n')[0] ?? '' }));
