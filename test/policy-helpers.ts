/* Shared manifests for the policy tests: a compliant set and builders for pod-bearing kinds. */
import { evaluatePolicy, PolicyReport } from '../src/policy/engine';
import { parsePssVersion } from '../src/policy/k8s';
import { PolicyPack, resolveRules } from '../src/policy/registry';

export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
export const LABELS = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' };
export const DIGEST = '@sha256:' + 'a'.repeat(64);

export function container(name = 'web'): any {
  return {
    name,
    image: `registry.example.com/org/${name}:1.4.2${DIGEST}`,
    imagePullPolicy: 'Always',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    resources: {
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '128Mi' },
    },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false, capabilities: { drop: ['ALL'] } },
  };
}

export function podSpec(): any {
  return {
    serviceAccountName: 'web',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [{ name: 'tmp', emptyDir: {} }],
    containers: [container()],
  };
}

/** The compliant set (the shape of fixtures/good/web.yaml and SecureApp's output). */
export function goodSet(): any[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'app' }, automountServiceAccountToken: false },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'app', labels: LABELS },
      spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: podSpec() } },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'app' }, spec: { selector: LABELS, ports: [{ port: 80, targetPort: 'http' }] } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'app' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6 } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'app' }, spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } } },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'app' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'web' } }, policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
        egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
      },
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'web-config', namespace: 'app' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'web-config', namespace: 'app' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-config' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'app' }],
    },
  ];
}

/** Wraps a pod (metadata + spec) into a pod-bearing kind. */
export function wrap(kind: string, spec: any, labels: Record<string, string> = LABELS): any {
  const template = { metadata: { labels }, spec };
  const metadata = { name: 'web', namespace: 'app', labels };
  switch (kind) {
    case 'Pod': return { apiVersion: 'v1', kind, metadata, spec };
    case 'PodTemplate': return { apiVersion: 'v1', kind, metadata, template };
    case 'ReplicationController': return { apiVersion: 'v1', kind, metadata, spec: { selector: labels, template } };
    case 'ReplicaSet': case 'DaemonSet': case 'StatefulSet': return { apiVersion: 'apps/v1', kind, metadata, spec: { selector: { matchLabels: labels }, template } };
    case 'Deployment': return { apiVersion: 'apps/v1', kind, metadata, spec: { selector: { matchLabels: labels }, template } };
    case 'Job': return { apiVersion: 'batch/v1', kind, metadata, spec: { template: { ...template, spec: { ...spec, restartPolicy: 'Never' } } } };
    case 'CronJob': return { apiVersion: 'batch/v1', kind, metadata, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { ...template, spec: { ...spec, restartPolicy: 'Never' } } } } } };
    default: throw new Error(kind);
  }
}
export const POD_KINDS = ['Pod', 'PodTemplate', 'ReplicationController', 'ReplicaSet', 'Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];

export function check(objects: any[], opts: { packs?: PolicyPack[]; pss?: string } = {}): PolicyReport {
  return evaluatePolicy(objects.map((json, i) => ({ json, origin: `#${i}` })), {
    rules: resolveRules(opts.packs ?? PolicyPack.all()),
    pssVersion: parsePssVersion(opts.pss ?? 'latest'),
  });
}
export const ids = (r: PolicyReport): string[] => [...new Set(r.findings.map((f) => f.ruleId))].sort();
