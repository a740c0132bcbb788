import { ALL_RULES, findRule, PolicyPack, resolveRules } from '../src/policy/registry';
import { parseImage } from '../src/policy/rules/workload';
import { check, clone, container, goodSet, ids, LABELS, POD_KINDS, podSpec, wrap } from './policy-helpers';

type Mutate = (set: any[]) => void;
const find = (set: any[], kind: string) => set.find((o) => o.kind === kind);
const pod = (set: any[]) => find(set, 'Deployment').spec.template.spec;
const ctr = (set: any[]) => pod(set).containers[0];
const role = (set: any[]) => find(set, 'Role');
const binding = (set: any[]) => find(set, 'RoleBinding');
const add = (o: any): Mutate => (set) => { set.push(o); };
/** A second workload (api, port 9090 behind Service port 80) for the connectivity rules. */
const apiBackend = (): any[] => {
  const labels = { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' };
  const d = clone(find(goodSet(), 'Deployment'));
  d.metadata = { name: 'api', namespace: 'app', labels };
  d.spec.selector.matchLabels = labels;
  d.spec.template.metadata.labels = labels;
  d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 9090, protocol: 'TCP' }];
  return [d, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'app' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] } }];
};
/** A value with the sealed-secrets layout (2-byte length 512, RSA block, AES-GCM data and tag). */
const SEALED = Buffer.concat([Buffer.from([0x02, 0x00]), Buffer.alloc(512, 7), Buffer.alloc(40, 9)]).toString('base64');

interface Case {
  readonly rule: string;
  /** What the non-compliant manifest does. */
  readonly what: string;
  readonly bad: Mutate;
  /** A compliant variant close to the bad one (default: the compliant set itself). */
  readonly good?: Mutate;
  /** Expected field path of the first finding. */
  readonly path?: string;
  readonly pss?: string;
}

const CASES: Case[] = [
  // ---- PSS baseline
  { rule: 'HARDENED-PSS-001', what: 'hostNetwork', bad: (s) => { pod(s).hostNetwork = true; }, good: (s) => { pod(s).hostNetwork = false; }, path: 'spec.template.spec.hostNetwork' },
  { rule: 'HARDENED-PSS-001', what: 'hostPID', bad: (s) => { pod(s).hostPID = true; }, path: 'spec.template.spec.hostPID' },
  { rule: 'HARDENED-PSS-001', what: 'hostIPC', bad: (s) => { pod(s).hostIPC = true; }, path: 'spec.template.spec.hostIPC' },
  { rule: 'HARDENED-PSS-002', what: 'privileged container', bad: (s) => { ctr(s).securityContext.privileged = true; }, good: (s) => { ctr(s).securityContext.privileged = false; }, path: 'spec.template.spec.containers[0].securityContext.privileged' },
  { rule: 'HARDENED-PSS-002', what: 'privileged init container', bad: (s) => { pod(s).initContainers = [{ ...container('init'), securityContext: { ...container().securityContext, privileged: true } }]; }, path: 'spec.template.spec.initContainers[0].securityContext.privileged' },
  { rule: 'HARDENED-PSS-002', what: 'privileged ephemeral container', bad: (s) => { pod(s).ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36', securityContext: { ...container().securityContext, privileged: true } }]; }, path: 'spec.template.spec.ephemeralContainers[0].securityContext.privileged' },
  { rule: 'HARDENED-PSS-005', what: 'hostPort', bad: (s) => { ctr(s).ports[0].hostPort = 8080; }, good: (s) => { ctr(s).ports[0].hostPort = 0; }, path: 'spec.template.spec.containers[0].ports[0].hostPort' },
  { rule: 'HARDENED-PSS-006', what: 'AppArmor Unconfined (field)', bad: (s) => { ctr(s).securityContext.appArmorProfile = { type: 'Unconfined' }; }, good: (s) => { ctr(s).securityContext.appArmorProfile = { type: 'RuntimeDefault' }; } },
  { rule: 'HARDENED-PSS-006', what: 'AppArmor unconfined (annotation)', bad: (s) => { find(s, 'Deployment').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' }; }, good: (s) => { find(s, 'Deployment').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'localhost/k8s-web' }; } },
  { rule: 'HARDENED-PSS-007', what: 'SELinux custom type', bad: (s) => { pod(s).securityContext.seLinuxOptions = { type: 'spc_t' }; }, good: (s) => { pod(s).securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' }; }, path: 'spec.template.spec.securityContext.seLinuxOptions.type' },
  { rule: 'HARDENED-PSS-007', what: 'SELinux user', bad: (s) => { ctr(s).securityContext.seLinuxOptions = { user: 'system_u' }; } },
  { rule: 'HARDENED-PSS-007', what: 'SELinux container_engine_t before v1.31', pss: 'v1.28', bad: (s) => { pod(s).securityContext.seLinuxOptions = { type: 'container_engine_t' }; } },
  { rule: 'HARDENED-PSS-010', what: 'unsafe sysctl', bad: (s) => { pod(s).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; }, good: (s) => { pod(s).securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]; }, path: 'spec.template.spec.securityContext.sysctls[0].name' },
  { rule: 'HARDENED-PSS-010', what: 'sysctl allowed only from v1.29', pss: 'v1.28', bad: (s) => { pod(s).securityContext.sysctls = [{ name: 'net.ipv4.tcp_keepalive_time', value: '600' }]; } },
  { rule: 'HARDENED-PSS-011', what: 'Windows HostProcess', bad: (s) => { ctr(s).securityContext.windowsOptions = { hostProcess: true }; }, good: (s) => { ctr(s).securityContext.windowsOptions = { hostProcess: false }; } },
  { rule: 'HARDENED-PSS-012', what: 'probe with a host', bad: (s) => { ctr(s).readinessProbe.httpGet.host = '169.254.169.254'; }, path: 'spec.template.spec.containers[0].readinessProbe.httpGet.host' },
  // ---- PSS restricted
  { rule: 'HARDENED-PSS-101', what: 'hostPath volume (baseline + restricted)', bad: (s) => { pod(s).volumes.push({ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }); }, path: 'spec.template.spec.volumes[1].hostPath' },
  { rule: 'HARDENED-PSS-101', what: 'nfs volume', bad: (s) => { pod(s).volumes.push({ name: 'nfs', nfs: { server: 'nfs', path: '/' } }); }, good: (s) => { pod(s).volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'nosource' }); } },
  { rule: 'HARDENED-PSS-102', what: 'allowPrivilegeEscalation unset', bad: (s) => { delete ctr(s).securityContext.allowPrivilegeEscalation; }, path: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation' },
  { rule: 'HARDENED-PSS-102', what: 'allowPrivilegeEscalation true in an init container', bad: (s) => { pod(s).initContainers = [{ ...container('init'), securityContext: { ...container().securityContext, allowPrivilegeEscalation: true } }]; } },
  { rule: 'HARDENED-PSS-103', what: 'runAsNonRoot unset on pod and container', bad: (s) => { delete pod(s).securityContext.runAsNonRoot; delete ctr(s).securityContext.runAsNonRoot; }, good: (s) => { delete pod(s).securityContext.runAsNonRoot; }, path: 'spec.template.spec.securityContext.runAsNonRoot' },
  { rule: 'HARDENED-PSS-103', what: 'container runAsNonRoot false', bad: (s) => { ctr(s).securityContext.runAsNonRoot = false; }, path: 'spec.template.spec.containers[0].securityContext.runAsNonRoot' },
  { rule: 'HARDENED-PSS-104', what: 'runAsUser 0', bad: (s) => { ctr(s).securityContext.runAsUser = 0; }, path: 'spec.template.spec.containers[0].securityContext.runAsUser' },
  { rule: 'HARDENED-PSS-105', what: 'no seccomp profile', bad: (s) => { delete pod(s).securityContext.seccompProfile; }, good: (s) => { delete pod(s).securityContext.seccompProfile; ctr(s).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' }; }, path: 'spec.template.spec.securityContext.seccompProfile.type' },
  { rule: 'HARDENED-PSS-105', what: 'seccomp Unconfined (baseline + restricted)', bad: (s) => { ctr(s).securityContext.seccompProfile = { type: 'Unconfined' }; }, path: 'spec.template.spec.containers[0].securityContext.seccompProfile.type' },
  { rule: 'HARDENED-PSS-106', what: 'capabilities not dropped', bad: (s) => { delete ctr(s).securityContext.capabilities; }, good: (s) => { ctr(s).securityContext.capabilities.add = ['NET_BIND_SERVICE']; }, path: 'spec.template.spec.containers[0].securityContext.capabilities.drop' },
  { rule: 'HARDENED-PSS-106', what: 'adds SYS_ADMIN', bad: (s) => { ctr(s).securityContext.capabilities.add = ['SYS_ADMIN']; }, path: 'spec.template.spec.containers[0].securityContext.capabilities.add[0]' },
  { rule: 'HARDENED-PSS-106', what: 'adds NET_RAW beside NET_BIND_SERVICE', bad: (s) => { ctr(s).securityContext.capabilities.add = ['NET_BIND_SERVICE', 'NET_RAW']; }, good: (s) => { ctr(s).securityContext.capabilities.add = ['NET_BIND_SERVICE']; }, path: 'spec.template.spec.containers[0].securityContext.capabilities.add[1]' },
  { rule: 'HARDENED-PSS-107', what: 'Unmasked procMount', bad: (s) => { ctr(s).securityContext.procMount = 'Unmasked'; }, good: (s) => { ctr(s).securityContext.procMount = 'Default'; } },
  // ---- workload
  { rule: 'HARDENED-PROBE-001', what: 'no readinessProbe', bad: (s) => { delete ctr(s).readinessProbe; }, path: 'spec.template.spec.containers[0].readinessProbe' },
  { rule: 'HARDENED-PROBE-002', what: 'no livenessProbe', bad: (s) => { delete ctr(s).livenessProbe; }, path: 'spec.template.spec.containers[0].livenessProbe' },
  { rule: 'HARDENED-PROBE-003', what: 'identical probes (named vs numbered port)', bad: (s) => { ctr(s).readinessProbe = { tcpSocket: { port: 'http' } }; ctr(s).livenessProbe = { tcpSocket: { port: 8080 } }; }, good: (s) => { ctr(s).readinessProbe = { tcpSocket: { port: 'http' } }; ctr(s).livenessProbe = { httpGet: { path: '/healthz', port: 8080 } }; } },
  { rule: 'HARDENED-RES-001', what: 'no requests', bad: (s) => { delete ctr(s).resources.requests; }, path: 'spec.template.spec.containers[0].resources.requests' },
  { rule: 'HARDENED-RES-001', what: 'zero memory request in an init container', bad: (s) => { pod(s).initContainers = [container('init')]; pod(s).initContainers[0].resources.requests.memory = '0'; }, path: 'spec.template.spec.initContainers[0].resources.requests.memory' },
  { rule: 'HARDENED-RES-002', what: 'no cpu limit', bad: (s) => { delete ctr(s).resources.limits.cpu; }, path: 'spec.template.spec.containers[0].resources.limits.cpu' },
  { rule: 'HARDENED-RES-003', what: 'no ephemeral-storage limit', bad: (s) => { delete ctr(s).resources.limits['ephemeral-storage']; }, path: 'spec.template.spec.containers[0].resources.limits.ephemeral-storage' },
  { rule: 'HARDENED-CTR-001', what: 'writable root file system', bad: (s) => { ctr(s).securityContext.readOnlyRootFilesystem = false; } },
  { rule: 'HARDENED-CTR-002', what: 'runAsUser 1000', bad: (s) => { pod(s).securityContext.runAsUser = 1000; }, good: (s) => { ctr(s).securityContext.runAsUser = 10001; ctr(s).securityContext.runAsGroup = 10001; delete pod(s).securityContext.runAsUser; delete pod(s).securityContext.runAsGroup; } },
  { rule: 'HARDENED-CTR-003', what: 'port 80 as non-root with ALL dropped', bad: (s) => { ctr(s).ports[0].containerPort = 80; }, good: (s) => { ctr(s).ports[0].containerPort = 80; ctr(s).securityContext.capabilities.add = ['NET_BIND_SERVICE']; }, path: 'spec.template.spec.containers[0].ports[0].containerPort' },
  { rule: 'HARDENED-CTR-003', what: 'port 443 in a sidecar, runAsNonRoot only', bad: (s) => { delete pod(s).securityContext.runAsUser; pod(s).containers.push({ ...container('proxy'), ports: [{ name: 'https', containerPort: 443 }] }); }, good: (s) => { pod(s).containers.push({ ...container('proxy'), ports: [{ name: 'https', containerPort: 443 }] }); pod(s).securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]; }, path: 'spec.template.spec.containers[1].ports[0].containerPort' },
  { rule: 'HARDENED-IMG-001', what: 'latest tag', bad: (s) => { ctr(s).image = 'nginx:latest'; }, good: (s) => { ctr(s).image = 'nginx:1.27.3'; }, path: 'spec.template.spec.containers[0].image' },
  { rule: 'HARDENED-IMG-001', what: 'untagged image on a registry with a port', bad: (s) => { ctr(s).image = 'registry.local:5000/team/app'; }, good: (s) => { ctr(s).image = `registry.local:5000/team/app@sha256:${'b'.repeat(64)}`; } },
  { rule: 'HARDENED-IMG-002', what: 'tag without digest', bad: (s) => { ctr(s).image = 'nginx:1.27.3'; } },
  { rule: 'HARDENED-IMG-003', what: 'imagePullPolicy IfNotPresent', bad: (s) => { ctr(s).imagePullPolicy = 'IfNotPresent'; } },
  { rule: 'HARDENED-SA-001', what: 'no serviceAccountName', bad: (s) => { delete pod(s).serviceAccountName; }, path: 'spec.template.spec.serviceAccountName' },
  { rule: 'HARDENED-SA-001', what: 'serviceAccountName default', bad: (s) => { pod(s).serviceAccountName = 'default'; } },
  { rule: 'HARDENED-SA-002', what: 'token automounted without a binding', bad: (s) => { delete pod(s).automountServiceAccountToken; find(s, 'ServiceAccount').automountServiceAccountToken = true; s.splice(s.indexOf(binding(s)), 1); }, good: (s) => { delete pod(s).automountServiceAccountToken; find(s, 'ServiceAccount').automountServiceAccountToken = true; }, path: 'spec.template.spec.automountServiceAccountToken' },
  { rule: 'HARDENED-SA-002', what: 'projected token without a binding', bad: (s) => { pod(s).volumes.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }); s.splice(s.indexOf(binding(s)), 1); } },
  // ---- RBAC
  { rule: 'HARDENED-RBAC-001', what: 'wildcard verbs', bad: (s) => { role(s).rules[0].verbs = ['*']; }, path: 'rules[0].verbs[0]' },
  { rule: 'HARDENED-RBAC-001', what: 'wildcard apiGroups', bad: (s) => { role(s).rules[0].apiGroups = ['*']; } },
  { rule: 'HARDENED-RBAC-002', what: 'ClusterRole', bad: add({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [] }) },
  { rule: 'HARDENED-RBAC-002', what: 'ClusterRoleBinding', bad: add({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] }) },
  { rule: 'HARDENED-RBAC-003', what: 'escalate', bad: (s) => { role(s).rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }); }, path: 'rules[1].verbs[0]' },
  { rule: 'HARDENED-RBAC-003', what: 'bind', bad: (s) => { role(s).rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }); } },
  { rule: 'HARDENED-RBAC-003', what: 'impersonate', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }); } },
  { rule: 'HARDENED-RBAC-004', what: 'list secrets', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }); } },
  { rule: 'HARDENED-RBAC-005', what: 'pods/exec', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-005', what: 'pods/attach', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/attach'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-006', what: 'create deployments', bad: (s) => { role(s).rules.push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] }); }, good: (s) => { role(s).rules.push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-007', what: 'nodes/proxy', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-007', what: 'create serviceaccounts/token', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }); } },
  { rule: 'HARDENED-RBAC-008', what: 'system:masters', bad: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'system:masters', apiGroup: 'rbac.authorization.k8s.io' }); }, path: 'subjects[1].name' },
  { rule: 'HARDENED-RBAC-008', what: 'system:anonymous', bad: (s) => { binding(s).subjects.push({ kind: 'User', name: 'system:anonymous', apiGroup: 'rbac.authorization.k8s.io' }); } },
  { rule: 'HARDENED-RBAC-008', what: 'system:unauthenticated', bad: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'system:unauthenticated' }); } },
  { rule: 'HARDENED-RBAC-008', what: 'system:authenticated', bad: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'system:authenticated' }); } },
  { rule: 'HARDENED-RBAC-009', what: 'RoleBinding to cluster-admin', bad: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }; }, path: 'roleRef.name' },
  { rule: 'HARDENED-RBAC-009', what: 'RoleBinding to a Role granting * on *', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['*'], verbs: ['*'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }); } },
  // ---- secrets
  { rule: 'HARDENED-SEC-001', what: 'Secret with stringData', bad: add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'app' }, stringData: { token: 'x' } }), good: add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'app', annotations: { 'kubernetes.io/service-account.name': 'web' } }, type: 'kubernetes.io/service-account-token' }), path: 'stringData' },
  { rule: 'HARDENED-SEC-002', what: 'literal DB_PASSWORD', bad: (s) => { ctr(s).env = [{ name: 'DB_PASSWORD', value: 'hunter2' }]; }, good: (s) => { ctr(s).env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]; }, path: 'spec.template.spec.containers[0].env[0].value' },
  // ---- network
  { rule: 'HARDENED-NET-001', what: 'no NetworkPolicy', bad: (s) => { s.splice(s.indexOf(find(s, 'NetworkPolicy')), 1); }, good: (s) => { find(s, 'NetworkPolicy').spec = { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }; } },
  { rule: 'HARDENED-NET-001', what: 'ingress only', bad: (s) => { find(s, 'NetworkPolicy').spec.policyTypes = ['Ingress']; } },
  { rule: 'HARDENED-NET-001', what: 'policy in another namespace', bad: (s) => { find(s, 'NetworkPolicy').metadata.namespace = 'other'; } },
  { rule: 'HARDENED-NET-003', what: 'ingress rule with no peers and no ports (allows everything)', bad: (s) => { find(s, 'NetworkPolicy').spec.ingress = [{}]; }, path: 'spec.ingress[0]' },
  { rule: 'HARDENED-NET-003', what: 'egress rule with an empty `to` and no ports', bad: (s) => { find(s, 'NetworkPolicy').spec.egress.push({ to: [] }); }, good: (s) => { find(s, 'NetworkPolicy').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }); }, path: 'spec.egress[1]' },
  { rule: 'HARDENED-NET-004', what: 'ingress from anyone on the port', bad: (s) => { delete find(s, 'NetworkPolicy').spec.ingress[0].from; }, path: 'spec.ingress[0]' },
  { rule: 'HARDENED-SEC-003', what: 'SealedSecret whose value is only base64', bad: add({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db', namespace: 'app' }, spec: { encryptedData: { password: Buffer.from('hunter2-hunter2').toString('base64') }, template: { metadata: { name: 'db', namespace: 'app' } } } }), good: add({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db', namespace: 'app' }, spec: { encryptedData: { password: SEALED }, template: { metadata: { name: 'db', namespace: 'app' } } } }), path: 'spec.encryptedData.password' },
  { rule: 'HARDENED-SEC-002', what: 'literal AZURE_STORAGE_ACCOUNT_KEY (Polaris AZURE_.+KEY)', bad: (s) => { ctr(s).env = [{ name: 'AZURE_STORAGE_ACCOUNT_KEY', value: 'plainkey123' }]; }, good: (s) => { ctr(s).env = [{ name: 'AZURE_REGION', value: 'westeurope' }]; } },
  { rule: 'HARDENED-SEC-002', what: 'a private key in any variable', bad: (s) => { ctr(s).env = [{ name: 'TLS_KEY_PEM', value: '-----BEGIN RSA PRIVATE KEY-----\nMIIE...' }]; } },
  { rule: 'HARDENED-SVC-002', what: 'LoadBalancer Service', bad: (s) => { find(s, 'Service').spec.type = 'LoadBalancer'; }, good: (s) => { find(s, 'Service').spec.type = 'ClusterIP'; }, path: 'spec.type' },
  { rule: 'HARDENED-SVC-002', what: 'NodePort Service', bad: (s) => { find(s, 'Service').spec.type = 'NodePort'; }, path: 'spec.type' },
  { rule: 'HARDENED-NET-012', what: 'env URL naming a port the Service does not have', bad: (s) => { s.push(...apiBackend()); ctr(s).env = [{ name: 'API_URL', value: 'http://api:9090/v1' }]; }, good: (s) => { s.push(...apiBackend()); ctr(s).env = [{ name: 'API_URL', value: 'http://api/v1' }]; }, path: 'spec.template.spec.containers[0].env[0].value' },
  { rule: 'HARDENED-NET-010', what: 'env URL naming a Service whose pods the caller\'s egress does not reach', bad: (s) => { s.push(...apiBackend()); ctr(s).env = [{ name: 'API_URL', value: 'http://api:80/v1' }]; }, good: (s) => { s.push(...apiBackend()); ctr(s).env = [{ name: 'API_URL', value: 'http://api:80/v1' }]; find(s, 'NetworkPolicy').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'api' } } }], ports: [{ port: 9090, protocol: 'TCP' }] }); }, path: 'spec.template.spec.containers[0].env[0].value' },
  { rule: 'HARDENED-NET-011', what: 'bound, automounted API token without egress to the API server', bad: (s) => { pod(s).automountServiceAccountToken = true; }, good: (s) => { pod(s).automountServiceAccountToken = true; find(s, 'NetworkPolicy').spec.egress.push({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] }); }, path: 'spec.template.spec.automountServiceAccountToken' },
  { rule: 'HARDENED-NET-002', what: 'NetworkPolicy selecting nothing', bad: (s) => { find(s, 'NetworkPolicy').spec.podSelector = { matchLabels: { 'app.kubernetes.io/instance': 'wbe' } }; } },
  // ---- availability
  { rule: 'HARDENED-PDB-001', what: 'no PDB for an HPA-scaled Deployment', bad: (s) => { s.splice(s.indexOf(find(s, 'PodDisruptionBudget')), 1); }, good: (s) => { s.splice(s.indexOf(find(s, 'PodDisruptionBudget')), 1); s.splice(s.indexOf(find(s, 'HorizontalPodAutoscaler')), 1); find(s, 'Deployment').spec.replicas = 1; } },
  { rule: 'HARDENED-PDB-001', what: 'no PDB for a 3-replica StatefulSet', bad: (s) => { s.splice(s.indexOf(find(s, 'PodDisruptionBudget')), 1); s.splice(s.indexOf(find(s, 'HorizontalPodAutoscaler')), 1); const d = find(s, 'Deployment'); d.kind = 'StatefulSet'; d.spec.replicas = 3; d.spec.serviceName = 'web'; } },
  { rule: 'HARDENED-PDB-002', what: 'maxUnavailable 0', bad: (s) => { find(s, 'PodDisruptionBudget').spec.maxUnavailable = 0; }, good: (s) => { delete find(s, 'PodDisruptionBudget').spec.maxUnavailable; find(s, 'PodDisruptionBudget').spec.minAvailable = 1; } },
  { rule: 'HARDENED-PDB-002', what: 'no policy', bad: (s) => { delete find(s, 'PodDisruptionBudget').spec.maxUnavailable; } },
  { rule: 'HARDENED-HPA-001', what: 'replicas with an HPA', bad: (s) => { find(s, 'Deployment').spec.replicas = 3; }, good: (s) => { s.splice(s.indexOf(find(s, 'HorizontalPodAutoscaler')), 1); find(s, 'Deployment').spec.replicas = 3; }, path: 'spec.replicas' },
  { rule: 'HARDENED-HPA-002', what: 'HPA minReplicas 1', bad: (s) => { find(s, 'HorizontalPodAutoscaler').spec.minReplicas = 1; } },
  { rule: 'HARDENED-NS-001', what: 'Namespace without enforce label', bad: (s) => { find(s, 'Namespace').metadata.labels = {}; } },
  // ---- issue #10: RBAC that NamespaceRole refuses (one risk model)
  { rule: 'HARDENED-RBAC-004', what: 'get on every Secret (no resourceNames)', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }); }, path: 'rules[1]' },
  { rule: 'HARDENED-RBAC-004', what: 'watch secrets through a wildcard group', bad: (s) => { role(s).rules.push({ apiGroups: ['*'], resources: ['secrets'], verbs: ['watch'] }); } },
  { rule: 'HARDENED-RBAC-005', what: 'pods/portforward', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] }); } },
  { rule: 'HARDENED-RBAC-005', what: 'patch pods/ephemeralcontainers', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-005', what: 'pods/* subresources', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-006', what: 'patch deployments', bad: (s) => { role(s).rules.push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] }); }, good: (s) => { role(s).rules.push({ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] }); } },
  { rule: 'HARDENED-RBAC-006', what: 'update statefulsets', bad: (s) => { role(s).rules.push({ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['update'] }); } },
  { rule: 'HARDENED-RBAC-006', what: 'create jobs', bad: (s) => { role(s).rules.push({ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }); } },
  { rule: 'HARDENED-RBAC-007', what: 'create secrets (token Secrets)', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }); } },
  { rule: 'HARDENED-RBAC-007', what: 'patch secrets', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['patch'] }); } },
  { rule: 'HARDENED-RBAC-008', what: 'system:serviceaccounts', bad: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'system:serviceaccounts' }); } },
  { rule: 'HARDENED-RBAC-008', what: 'system:serviceaccounts:<namespace>', bad: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'system:serviceaccounts:app' }); }, good: (s) => { binding(s).subjects.push({ kind: 'Group', name: 'app-developers' }); } },
  { rule: 'HARDENED-RBAC-010', what: 'services/proxy', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['services/proxy'], verbs: ['get'] }); }, good: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-010', what: 'pods/proxy', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['pods/proxy'], verbs: ['create'] }); } },
  { rule: 'HARDENED-RBAC-010', what: '*/proxy', bad: (s) => { role(s).rules.push({ apiGroups: [''], resources: ['*/proxy'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-011', what: 'create rolebindings', bad: (s) => { role(s).rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] }); }, good: (s) => { role(s).rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }); } },
  { rule: 'HARDENED-RBAC-011', what: 'patch roles', bad: (s) => { role(s).rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['patch'] }); } },
  { rule: 'HARDENED-RBAC-012', what: 'RoleBinding to the built-in admin ClusterRole', bad: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }; }, good: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }; }, path: 'roleRef.name' },
  { rule: 'HARDENED-RBAC-012', what: 'RoleBinding to the built-in edit ClusterRole', bad: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }; } },
  { rule: 'HARDENED-RBAC-012', what: 'RoleBinding to an aggregated ClusterRole of the output (its rules come from the cluster)', bad: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'grows' }; s.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'grows' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] }, rules: [] }); }, good: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'grows' }; s.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'grows' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }); }, path: 'roleRef.name' },
  { rule: 'HARDENED-RBAC-012', what: 'RoleBinding to a ClusterRole the output does not define', bad: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'some-operator' }; }, good: (s) => { binding(s).roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'some-operator' }; s.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'some-operator' }, rules: [] }); } },
  // ---- issue #10: secrets beyond Secret objects
  { rule: 'HARDENED-SEC-006', what: 'a password as --db-password=value', bad: (s) => { ctr(s).args = ['--db-password=hunter2']; }, good: (s) => { ctr(s).args = ['--db-password-file=/config/db/password', '--db-password=$(DB_PASSWORD)']; }, path: 'spec.template.spec.containers[0].args[0]' },
  { rule: 'HARDENED-SEC-006', what: 'a token as the argument after --api-token', bad: (s) => { ctr(s).args = ['--verbose', '--api-token', 'abc123def']; }, good: (s) => { ctr(s).args = ['--api-token', '$(API_TOKEN)', '--token-file', '/var/run/token']; }, path: 'spec.template.spec.containers[0].args[1]' },
  { rule: 'HARDENED-SEC-006', what: 'a URL with a password in the command', bad: (s) => { ctr(s).command = ['migrate', 'postgres://app:s3cret@db:5432/app']; }, good: (s) => { ctr(s).command = ['migrate', 'postgres://app@db:5432/app']; } },
  { rule: 'HARDENED-SEC-002', what: 'literal DB_PASS', bad: (s) => { ctr(s).env = [{ name: 'DB_PASS', value: 'hunter2' }]; }, good: (s) => { ctr(s).env = [{ name: 'DB_HOST', value: 'db' }]; } },
  { rule: 'HARDENED-SEC-002', what: 'literal PGPASS', bad: (s) => { ctr(s).env = [{ name: 'PGPASS', value: 'hunter2' }]; } },
  { rule: 'HARDENED-SEC-002', what: 'literal JWT_SIGNING_KEY', bad: (s) => { ctr(s).env = [{ name: 'JWT_SIGNING_KEY', value: 'k3y' }]; } },
  { rule: 'HARDENED-SEC-002', what: 'a password inside a URL', bad: (s) => { ctr(s).env = [{ name: 'DATABASE_URL', value: 'postgres://user:secret@host/db' }]; }, good: (s) => { ctr(s).env = [{ name: 'DATABASE_URL', value: 'postgres://user@host/db' }]; } },
  { rule: 'HARDENED-SEC-004', what: 'ServiceAccount token Secret', bad: add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'app', annotations: { 'kubernetes.io/service-account.name': 'web' } }, type: 'kubernetes.io/service-account-token' }), good: add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'app' }, type: 'kubernetes.io/tls' }), path: 'type' },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap holding a private key', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { 'tls.key': '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n' } }), good: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { 'tls.crt': '-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n', 'LOG_LEVEL': 'info', 'app.ini': '[db]\npassword_file = /run/secrets/db\n' } }), path: 'data["tls.key"]' },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap with a password line in a config file', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { 'app.ini': '[db]\nhost = db\npassword = hunter2\n' } }) },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap with a password in a URL', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { DATABASE_URL: 'mysql://root:toor@db:3306/app' } }) },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap with a DB_PASSWORD key written as a YAML block (a trailing newline)', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { DB_PASSWORD: 'hunter2\n' } }), good: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { DB_PASSWORD_POLICY: 'min 12 characters\nrotate yearly\n' } }), path: 'data.DB_PASSWORD' },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap with a DB_PASS key', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, data: { DB_PASS: 'hunter2' } }) },
  { rule: 'HARDENED-SEC-005', what: 'ConfigMap binaryData holding a private key', bad: add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' }, binaryData: { key: Buffer.from('-----BEGIN EC PRIVATE KEY-----\nabc\n').toString('base64') } }) },
  // ---- issue #10: cluster-wide damage beyond pods
  { rule: 'HARDENED-ADM-001', what: 'ValidatingWebhookConfiguration sending Secrets to a URL', bad: add({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: [{ name: 'w.example.com', clientConfig: { url: 'https://collector.example.com/' }, rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }] }), path: 'webhooks[0].clientConfig.url' },
  { rule: 'HARDENED-ADM-001', what: 'MutatingWebhookConfiguration rewriting pods', bad: add({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' }, webhooks: [{ name: 'm.example.com', clientConfig: { service: { namespace: 'app', name: 'web' } }, rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }] }) },
  { rule: 'HARDENED-ADM-001', what: 'a webhook configuration with no webhooks yet', bad: add({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' } }), good: add({ apiVersion: 'example.com/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' } }) },
  { rule: 'HARDENED-PSS-013', what: 'privileged step of a Tekton Task (a pod fragment without a pod spec)', bad: add({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 't', namespace: 'app' }, spec: { steps: [{ name: 's', image: 'alpine:3.19', securityContext: { privileged: true } }] } }), good: add({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 't', namespace: 'app' }, spec: { steps: [{ name: 's', image: 'alpine:3.19', securityContext: { privileged: false, capabilities: { drop: ['ALL'] } } }] } }), path: 'spec.steps[0].securityContext.privileged' },
  { rule: 'HARDENED-PSS-013', what: 'hostNetwork and a hostPath volume in an Argo Workflow', bad: add({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'app' }, spec: { hostNetwork: true, volumes: [{ name: 'r', hostPath: { path: '/' } }], templates: [{ name: 'main', container: { image: 'alpine:3.19' } }] } }), good: add({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'app' }, spec: { volumes: [{ name: 'r', emptyDir: {} }], templates: [{ name: 'main', container: { image: 'alpine:3.19' } }] } }), path: 'spec.hostNetwork' },
  { rule: 'HARDENED-PV-001', what: 'hostPath PersistentVolume pre-bound to the app\'s claim', bad: add({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'root' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/' }, claimRef: { namespace: 'app', name: 'data' } } }), good: add({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'csi' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } } }), path: 'spec.hostPath' },
  { rule: 'HARDENED-PV-001', what: 'local PersistentVolume', bad: add({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'local' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/var/lib/kubelet' }, nodeAffinity: {} } }) },
  { rule: 'HARDENED-SVC-001', what: 'Service externalIPs (CVE-2020-8554)', bad: (s) => { find(s, 'Service').spec.externalIPs = ['8.8.8.8']; }, good: (s) => { find(s, 'Service').spec.externalIPs = []; }, path: 'spec.externalIPs' },
  { rule: 'HARDENED-SVC-001', what: 'externalIPs on a LoadBalancer Service', bad: (s) => { find(s, 'Service').spec.type = 'LoadBalancer'; find(s, 'Service').spec.externalIPs = ['10.0.0.10']; } },
  { rule: 'HARDENED-SVC-002', what: 'NodePort Service', bad: (s) => { find(s, 'Service').spec.type = 'NodePort'; }, good: (s) => { find(s, 'Service').spec.type = 'ClusterIP'; }, path: 'spec.type' },
  { rule: 'HARDENED-SVC-002', what: 'LoadBalancer Service', bad: (s) => { find(s, 'Service').spec.type = 'LoadBalancer'; } },
  // ---- issue #10: pod templates inside custom resources are found by shape
  { rule: 'HARDENED-PSS-002', what: 'privileged pod template in an Argo Rollout', bad: add({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r', namespace: 'app' }, spec: { template: { metadata: { labels: LABELS }, spec: { ...podSpec(), containers: [{ ...container(), securityContext: { ...container().securityContext, privileged: true } }] } } } }), good: add({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r', namespace: 'app' }, spec: { template: { metadata: { labels: LABELS }, spec: podSpec() } } }), path: 'spec.template.spec.containers[0].securityContext.privileged' },
  { rule: 'HARDENED-PSS-001', what: 'hostPID pod template in a Knative Service', bad: add({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'k', namespace: 'app' }, spec: { template: { spec: { ...podSpec(), hostPID: true } } } }), path: 'spec.template.spec.hostPID' },
  { rule: 'HARDENED-PSS-101', what: 'hostPath volume in an operator CR with a nested pod spec', bad: add({ apiVersion: 'example.com/v1', kind: 'Database', metadata: { name: 'db', namespace: 'app' }, spec: { instances: [{ podSpec: { ...podSpec(), volumes: [{ name: 'root', hostPath: { path: '/' } }] } }] } }), path: 'spec.instances[0].podSpec.volumes[0].hostPath' },
];

describe('the compliant set', () => {
  test('has no findings (errors or warnings)', () => {
    const r = check(goodSet());
    expect(r.findings).toEqual([]);
  });
});

describe.each(CASES.map((c) => [c.rule, c.what, c] as const))('%s: %s', (rule, _what, c) => {
  test('non-compliant manifest is flagged', () => {
    const set = clone(goodSet());
    c.bad(set);
    const r = check(set, { pss: c.pss });
    const hits = r.findings.filter((f) => f.ruleId === rule);
    expect(hits.length).toBeGreaterThan(0);
    if (c.path) expect(hits[0].path).toBe(c.path);
    expect(hits[0].message.length).toBeGreaterThan(10);
    expect(hits[0].severity).toBe(findRule(rule)!.severity);
  });
  test('compliant manifest is not flagged', () => {
    const set = clone(goodSet());
    c.good?.(set);
    const r = check(set, { pss: c.pss });
    expect(r.findings.filter((f) => f.ruleId === rule)).toEqual([]);
  });
});

test('every object-level rule has a compliant/non-compliant pair', () => {
  const tested = new Set(CASES.map((c) => c.rule));
  // HARDENED-DUP-001 compares objects with each other (not one object): its pairs are in duplicates.test.ts.
  const untested = ALL_RULES.filter((r) => !r.id.startsWith('HARDENED-ACK-') && r.id !== 'HARDENED-DUP-001' && !tested.has(r.id)).map((r) => r.id);
  // PSS-003/004/008/009 are replaced at the restricted level (PSS-106/101/107/105): tested below with the baseline pack.
  expect(untested.sort()).toEqual(['HARDENED-PSS-003', 'HARDENED-PSS-004', 'HARDENED-PSS-008', 'HARDENED-PSS-009']);
});

describe('baseline pack: the controls the restricted ones replace', () => {
  const baseline = [PolicyPack.POD_SECURITY_BASELINE];
  test.each([
    ['HARDENED-PSS-003', (s: any[]) => { ctr(s).securityContext.capabilities = { add: ['NET_RAW'] }; }, (s: any[]) => { ctr(s).securityContext.capabilities = { add: ['CHOWN'] }; }],
    ['HARDENED-PSS-004', (s: any[]) => { pod(s).volumes.push({ name: 'h', hostPath: { path: '/' } }); }, (s: any[]) => { pod(s).volumes.push({ name: 'n', nfs: { server: 'x', path: '/' } }); }],
    ['HARDENED-PSS-008', (s: any[]) => { ctr(s).securityContext.procMount = 'Unmasked'; }, (s: any[]) => { ctr(s).securityContext.procMount = 'Default'; }],
    ['HARDENED-PSS-009', (s: any[]) => { pod(s).securityContext.seccompProfile = { type: 'Unconfined' }; }, (s: any[]) => { delete pod(s).securityContext.seccompProfile; }],
  ])('%s', (rule, bad, good) => {
    const b = clone(goodSet());
    bad(b);
    expect(ids(check(b, { packs: baseline }))).toContain(rule);
    const g = clone(goodSet());
    good(g);
    expect(ids(check(g, { packs: baseline }))).not.toContain(rule);
  });

  test('the baseline pack runs no restricted control', () => {
    const s = clone(goodSet());
    delete pod(s).securityContext;
    delete ctr(s).securityContext;
    expect(check(s, { packs: baseline }).findings).toEqual([]);
  });

  test('restricted replaces the baseline variants (one finding per problem)', () => {
    const rules = resolveRules(PolicyPack.all()).map((r) => r.id);
    for (const id of ['HARDENED-PSS-003', 'HARDENED-PSS-004', 'HARDENED-PSS-008', 'HARDENED-PSS-009']) expect(rules).not.toContain(id);
  });
});

describe('Pod Security Standards on every pod-bearing kind', () => {
  const insecure = () => {
    const spec = podSpec();
    spec.hostNetwork = true;
    spec.initContainers = [{ ...container('init'), securityContext: { privileged: true } }];
    spec.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36', securityContext: { runAsUser: 0, capabilities: { add: ['SYS_PTRACE'] } } }];
    delete spec.securityContext.seccompProfile;
    return spec;
  };
  test.each(POD_KINDS)('%s: secure template passes, insecure template fails every control it breaks', (kind) => {
    const pss = (r: ReturnType<typeof check>) => ids(r).filter((i) => i.startsWith('HARDENED-PSS-'));
    expect(pss(check([wrap(kind, podSpec())], { packs: [PolicyPack.POD_SECURITY_RESTRICTED] }))).toEqual([]);
    const r = check([wrap(kind, insecure())], { packs: [PolicyPack.POD_SECURITY_RESTRICTED] });
    expect(pss(r)).toEqual(['HARDENED-PSS-001', 'HARDENED-PSS-002', 'HARDENED-PSS-102', 'HARDENED-PSS-104', 'HARDENED-PSS-105', 'HARDENED-PSS-106']);
    const paths = r.findings.map((f) => f.path);
    expect(paths.some((p) => p.includes('initContainers[0].securityContext.privileged'))).toBe(true);
    expect(paths.some((p) => p.includes('ephemeralContainers[0].securityContext.runAsUser'))).toBe(true);
  });

  test('a kind of another API group that carries a pod template is checked by shape (custom resources)', () => {
    const o = wrap('Deployment', insecure());
    o.apiVersion = 'example.com/v1';
    expect(ids(check([o], { packs: [PolicyPack.POD_SECURITY_BASELINE] })).length).toBeGreaterThan(0);
    const ok = wrap('Deployment', podSpec());
    ok.apiVersion = 'example.com/v1';
    expect(ids(check([ok], { packs: [PolicyPack.POD_SECURITY_RESTRICTED] }))).toEqual([]);
  });

  test('Windows pods are exempt from the Linux-only restricted controls from v1.25', () => {
    const spec = podSpec();
    spec.os = { name: 'windows' };
    delete spec.securityContext.seccompProfile;
    delete spec.containers[0].securityContext.capabilities;
    delete spec.containers[0].securityContext.allowPrivilegeEscalation;
    expect(ids(check([wrap('Pod', spec)], { packs: [PolicyPack.POD_SECURITY_RESTRICTED], pss: 'v1.28' }))).toEqual([]);
    expect(ids(check([wrap('Pod', spec)], { packs: [PolicyPack.POD_SECURITY_RESTRICTED], pss: 'v1.24' }))).toEqual(['HARDENED-PSS-102', 'HARDENED-PSS-105', 'HARDENED-PSS-106']);
  });

  test('user namespaces relax runAsNonRoot only from v1.35', () => {
    const spec = podSpec();
    spec.hostUsers = false;
    delete spec.securityContext.runAsNonRoot;
    delete spec.containers[0].securityContext.runAsNonRoot;
    expect(ids(check([wrap('Pod', spec)], { packs: [PolicyPack.POD_SECURITY_RESTRICTED], pss: 'v1.28' }))).toEqual(['HARDENED-PSS-103']);
    expect(ids(check([wrap('Pod', spec)], { packs: [PolicyPack.POD_SECURITY_RESTRICTED], pss: 'v1.35' }))).toEqual([]);
  });
});

describe('Jobs and CronJobs', () => {
  test('need no probes, but everything else', () => {
    const spec = podSpec();
    delete spec.containers[0].readinessProbe;
    delete spec.containers[0].livenessProbe;
    for (const kind of ['Job', 'CronJob']) {
      const r = check([...goodSet().filter((o) => o.kind !== 'Deployment'), wrap(kind, spec)]);
      expect(ids(r)).toEqual([]);
    }
  });
});

describe('images', () => {
  test.each([
    ['nginx', {}],
    ['nginx:1.2', { tag: '1.2' }],
    ['registry:5000/a/b', {}],
    ['registry:5000/a/b:v1', { tag: 'v1' }],
    [`a/b@sha256:${'c'.repeat(64)}`, { digest: `sha256:${'c'.repeat(64)}` }],
  ])('parseImage(%s)', (image, expected) => {
    expect(parseImage(image)).toEqual({ tag: undefined, digest: undefined, ...expected });
  });
});

test('rule ids are unique and well-formed, and every rule names a standard and a fix', () => {
  const idsList = ALL_RULES.map((r) => r.id);
  expect(new Set(idsList).size).toBe(idsList.length);
  for (const r of ALL_RULES) {
    expect(r.id).toMatch(/^HARDENED-[A-Z]+-\d{3}$/);
    expect(r.standards.length).toBeGreaterThan(0);
    expect(r.fix.length).toBeGreaterThan(10);
    expect(r.explanation.length).toBeGreaterThan(10);
  }
});

test('selector semantics: matchExpressions', () => {
  const s = clone(goodSet());
  find(s, 'NetworkPolicy').spec.podSelector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web', 'api'] }] };
  expect(ids(check(s))).toEqual([]);
  find(s, 'NetworkPolicy').spec.podSelector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['web'] }] };
  expect(ids(check(s))).toEqual(['HARDENED-NET-001', 'HARDENED-NET-002']);
  void LABELS;
});
