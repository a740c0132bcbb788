/*
 * Verifies the PSS rules against the upstream Pod Security Admission test data
 * (kubernetes/pod-security-admission test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml):
 *   MINV=25 npx ts-node --transpile-only scripts/verify-psa.ts /path/to/pod-security-admission/test/testdata
 * Every `fail` pod must get a PSS finding at that version and level, every `pass` pod none.
 * Versions before 1.25 differ by design: controls introduced later still apply (stricter), and
 * the pre-1.19 seccomp annotations are not modelled.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { evaluatePolicy } from '../src/policy/engine';
import { parsePssVersion } from '../src/policy/k8s';
import { PolicyPack, resolveRules } from '../src/policy/registry';
const root = process.argv[2] ?? '/tmp/psa/test/testdata';
let ok = 0; const bad: string[] = [];
for (const level of ['baseline', 'restricted']) {
  const rules = resolveRules([level === 'baseline' ? PolicyPack.POD_SECURITY_BASELINE : PolicyPack.POD_SECURITY_RESTRICTED]);
  for (const ver of fs.readdirSync(path.join(root, level)).filter((v) => Number(v.split('.')[1]) >= Number(process.env.MINV ?? 25))) {
    for (const outcome of ['pass', 'fail']) {
      const dir = path.join(root, level, ver, outcome);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir)) {
        const json = parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        const r = evaluatePolicy([{ json, origin: f }], { rules, pssVersion: parsePssVersion(ver)! });
        const failed = r.findings.length > 0;
        if (failed === (outcome === 'fail')) ok++; else bad.push(`${level}/${ver}/${outcome}/${f}: ${r.findings.map((x) => x.ruleId + ' ' + x.message).join(' | ')}`);
      }
    }
  }
}
console.log(`${ok} ok, ${bad.length} mismatches`);
for (const b of bad.slice(0, 60)) console.log(b);
