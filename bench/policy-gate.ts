/*
 * Cost of the HardenedChart policy gate: `npx ts-node --transpile-only bench/policy-gate.ts [charts] [appsPerChart]`.
 * Builds the same objects (6 per app: ServiceAccount, Deployment, Service, HPA, PDB,
 * NetworkPolicy; default 10 charts x 17 apps = 1020 objects) in plain Charts and in
 * HardenedCharts, synthesizes each with App.synth() into a temp dir, and reports wall time,
 * ApiObject.toJson() calls and rule evaluations.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { HardenedChart } from '../src/constructs/hardened-chart';
import * as engine from '../src/policy/engine';

const charts = Number(process.argv[2] ?? 10);
const apps = Number(process.argv[3] ?? 17);

function addApp(scope: Construct, name: string) {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  new ApiObject(scope, `${name}-sa`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, automountServiceAccountToken: false } as any);
  new ApiObject(scope, `${name}-deploy`, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name, automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'app', image: 'ghcr.io/acme/app:1.0.0@sha256:' + '0'.repeat(64), imagePullPolicy: 'Always',
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' }, limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '128Mi' } },
            readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  } as any);
  new ApiObject(scope, `${name}-svc`, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] } } as any);
  new ApiObject(scope, `${name}-hpa`, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 2, maxReplicas: 5 } } as any);
  new ApiObject(scope, `${name}-pdb`, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } } as any);
  new ApiObject(scope, `${name}-np`, {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/instance': name } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: 8080 }] }], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
  } as any);
}

let toJsonCalls = 0;
const original = ApiObject.prototype.toJson;
ApiObject.prototype.toJson = function (this: ApiObject) {
  toJsonCalls++;
  return original.call(this);
};
let evaluations = 0;
let evaluatedObjects = 0;
const evaluate = engine.evaluatePolicy;
(engine as any).evaluatePolicy = (objs: any, opts: any) => {
  evaluations++;
  evaluatedObjects += objs.length;
  return evaluate(objs, opts);
};

function run(hardened: boolean): { ms: number; objects: number; toJson: number; evaluations: number; evaluatedObjects: number } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-bench-'));
  const app = new App({ outdir });
  for (let c = 0; c < charts; c++) {
    const chart = hardened ? new HardenedChart(app, `c${c}`, { namespace: `ns${c}`, printWarnings: false }) : new Chart(app, `c${c}`, { namespace: `ns${c}` });
    for (let a = 0; a < apps; a++) addApp(chart, `app${a}`);
  }
  toJsonCalls = 0;
  evaluations = 0;
  evaluatedObjects = 0;
  const t0 = process.hrtime.bigint();
  app.synth();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, objects: charts * apps * 6, toJson: toJsonCalls, evaluations, evaluatedObjects };
}

run(false); run(true); // warm-up (JIT, module loading)
const rounds = 5;
const plain: number[] = [];
const gated: number[] = [];
let last: ReturnType<typeof run> | undefined;
let lastPlain: ReturnType<typeof run> | undefined;
for (let i = 0; i < rounds; i++) {
  lastPlain = run(false);
  plain.push(lastPlain.ms);
  last = run(true);
  gated.push(last.ms);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${charts} charts, ${last!.objects} objects, median of ${rounds} App.synth() runs`);
console.log(`plain Chart:    ${median(plain).toFixed(0)} ms, ApiObject.toJson() calls: ${lastPlain!.toJson}`);
console.log(`HardenedChart:  ${median(gated).toFixed(0)} ms, ApiObject.toJson() calls: ${last!.toJson}, policy evaluations: ${last!.evaluations} (${last!.evaluatedObjects} objects)`);
console.log(`gate overhead:  ${(median(gated) - median(plain)).toFixed(0)} ms (${((median(gated) / median(plain) - 1) * 100).toFixed(0)}%)`);
