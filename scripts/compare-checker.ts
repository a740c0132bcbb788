/*
 * Compares `cdk8s-hardened check DIR` with the independent checker's JSON report
 * (`/work/shared/checks/run.sh DIR --json FILE`), for the checks our rules implement:
 *   npx ts-node --transpile-only scripts/compare-checker.ts DIR FILE
 * For each checker finding of a mapped check, looks for a finding of a corresponding rule on the
 * same object; prints matched/missed per check.
 */
import * as fs from 'fs';
import { check } from '../src/cli/check';

const MAP: Record<string, string[]> = {
  'pss/allowPrivilegeEscalation': ['PSS-102'], 'pss/appArmorProfile': ['PSS-006'], 'pss/capabilities_baseline': ['PSS-003', 'PSS-106'],
  'pss/capabilities_restricted': ['PSS-106'], 'pss/hostNamespaces': ['PSS-001'], 'pss/hostPathVolumes': ['PSS-004', 'PSS-101'], 'pss/hostPorts': ['PSS-005'],
  'pss/hostProbesAndHostLifecycle': ['PSS-012'], 'pss/privileged': ['PSS-002'], 'pss/procMount': ['PSS-008', 'PSS-107'], 'pss/procMount_restricted': ['PSS-107'],
  'pss/restrictedVolumes': ['PSS-101'], 'pss/runAsNonRoot': ['PSS-103'], 'pss/runAsUser': ['PSS-104'], 'pss/seLinuxOptions': ['PSS-007'],
  'pss/seccompProfile_baseline': ['PSS-009', 'PSS-105'], 'pss/seccompProfile_restricted': ['PSS-105'], 'pss/sysctls': ['PSS-010'], 'pss/windowsHostProcess': ['PSS-011'],
  'k8s-rbac-gp/escalate-bind-impersonate': ['RBAC-003'], 'k8s-rbac-gp/privilege-escalation-resources': ['RBAC-007'], 'k8s-rbac-gp/privileged-groups': ['RBAC-008'],
  'k8s-rbac-gp/secrets-read': ['RBAC-004'], 'k8s-rbac-gp/workload-creation': ['RBAC-006'], 'k8s-rbac-gp/cluster-scoped-rbac': ['RBAC-002'],
  'kube-linter/wildcard-in-rules': ['RBAC-001'], 'kube-linter/cluster-admin-role-binding': ['RBAC-009'], 'kube-linter/latest-tag': ['IMG-001'],
  'kube-linter/env-var-secret': ['SEC-002'], 'kube-linter/default-service-account': ['SA-001'], 'kube-linter/no-readiness-probe': ['PROBE-001'],
  'kube-linter/no-liveness-probe': ['PROBE-002'], 'kube-linter/pdb-max-unavailable': ['PDB-002'], 'kube-linter/pdb-min-available': ['PDB-002'],
  'project/plaintext-secret': ['SEC-001'], 'project/automount-token-without-rbac': ['SA-002'], 'project/image-digest': ['IMG-002'], 'project/namespace-pss-labels': ['NS-001'],
  'kube-score/container-image-tag': ['IMG-001'], 'kube-score/container-resources': ['RES-001', 'RES-002'], 'kube-score/container-ephemeral-storage-request-and-limit': ['RES-003'],
  'kube-score/container-security-context-user-group-id': ['CTR-002'], 'kube-score/container-security-context-privileged': ['PSS-002'],
  'kube-score/container-security-context-readonlyrootfilesystem': ['CTR-001'], 'kube-score/deployment-has-poddisruptionbudget': ['PDB-001'],
  'kube-score/statefulset-has-poddisruptionbudget': ['PDB-001'], 'kube-score/poddisruptionbudget-has-policy': ['PDB-002'], 'kube-score/pod-networkpolicy': ['NET-001'],
  'kube-score/networkpolicy-targets-pod': ['NET-002'], 'kube-score/deployment-targeted-by-hpa-does-not-have-replicas-configured': ['HPA-001'],
  'kube-score/horizontalpodautoscaler-replicas': ['HPA-002'], 'kube-score/pod-probes': ['PROBE-001', 'PROBE-002'], 'kube-score/pod-probes-identical': ['PROBE-003'],
  'kube-score/container-image-pull-policy': ['IMG-003'], 'polaris/readinessProbeMissing': ['PROBE-001'], 'polaris/livenessProbeMissing': ['PROBE-002'],
  'polaris/hostIPCSet': ['PSS-001'], 'polaris/hostPIDSet': ['PSS-001'], 'polaris/hostNetworkSet': ['PSS-001'], 'polaris/hostPortSet': ['PSS-005'],
  'polaris/privilegeEscalationAllowed': ['PSS-102'], 'polaris/runAsRootAllowed': ['PSS-103'], 'polaris/runAsPrivileged': ['PSS-002'],
  'polaris/notReadOnlyRootFilesystem': ['CTR-001'], 'polaris/dangerousCapabilities': ['PSS-106', 'PSS-003'], 'polaris/insecureCapabilities': ['PSS-106'],
  'polaris/tagNotSpecified': ['IMG-001'], 'polaris/pullPolicyNotAlways': ['IMG-003'], 'polaris/cpuRequestsMissing': ['RES-001'], 'polaris/memoryRequestsMissing': ['RES-001'],
  'polaris/cpuLimitsMissing': ['RES-002'], 'polaris/memoryLimitsMissing': ['RES-002'], 'polaris/automountServiceAccountToken': ['SA-002'],
  'polaris/missingNetworkPolicy': ['NET-001'], 'polaris/hostPathSet': ['PSS-004', 'PSS-101'], 'polaris/hpaMinAvailability': ['HPA-002'],
  'polaris/rbacWildcard': ['RBAC-001'], 'polaris/clusterrolebindingClusterAdmin': ['RBAC-009'], 'polaris/rolebindingClusterAdminRole': ['RBAC-009'],
  'polaris/sensitiveContainerEnvVar': ['SEC-002'], 'polaris/missingPodDisruptionBudget': ['PDB-001'],
};

const [dir, file] = process.argv.slice(2);
let out = '';
check([dir, '--format', 'json'], { write: (s: string) => { out += s; } }, process.stderr);
const ours = JSON.parse(out);
const theirs = JSON.parse(fs.readFileSync(file, 'utf8'));
const key = (kind: string, ns: string | undefined, name: string) => `${kind}/${ns ? `${ns}/` : ''}${name}`;
const have = new Set<string>(ours.findings.map((f: any) => `${key(f.kind, f.namespace, f.name)}|${f.ruleId}`));
const rows = new Map<string, { n: number; matched: number; missed: string[]; severity: string }>();
let unmapped = 0;
for (const f of theirs.findings) {
  const rules = MAP[f.id];
  if (!rules) { unmapped++; continue; }
  const ref = String(f.ref).split(' ')[0];
  const row = rows.get(f.id) ?? { n: 0, matched: 0, missed: [] as string[], severity: f.severity };
  row.n++;
  if (rules.some((r) => have.has(`${ref}|HARDENED-${r}`))) row.matched++;
  else row.missed.push(`${ref}: ${f.message}`);
  rows.set(f.id, row);
}
let total = 0;
let matched = 0;
for (const [id, r] of [...rows].sort()) {
  total += r.n;
  matched += r.matched;
  console.log(`${r.matched === r.n ? 'ok  ' : 'MISS'} ${id.padEnd(64)} ${r.severity.padEnd(8)} ${r.matched}/${r.n}`);
  for (const m of r.missed) console.log(`       missed: ${m}`);
}
console.log(`\nchecker: ${theirs.summary.errors} errors, ${theirs.summary.warnings} warnings; mapped findings matched: ${matched}/${total} (${unmapped} findings of checks outside this policy)`);
console.log(`ours:    ${ours.summary.errors} errors, ${ours.summary.warnings} warnings, ${ours.summary.acknowledged} acknowledged`);
