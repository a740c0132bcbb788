/*
 * Workload good practice beyond the Pod Security Standards: health probes, resource budgets,
 * root file system, user/group ids, image pinning and ServiceAccount use.
 * Standards: Polaris, kube-score, kube-linter, NSA/CISA Kubernetes Hardening Guide.
 */
import { arr, containerLabel, containersOf, ContainerView, has, isBatch, isMap, nsOf, obj, podsOf, PodView, q } from '../k8s';
import { PathSegment, PolicyContext, PolicyRule, RuleSeverity, RuleViolation } from '../model';

type Check = (pod: PodView, o: any, ctx: PolicyContext) => RuleViolation[];

function rule(family: string, def: Omit<PolicyRule, 'family' | 'evaluate'> & { check: Check; skipBatch?: boolean; skipPodTemplate?: boolean }): PolicyRule {
  const { check, skipBatch, skipPodTemplate, ...data } = def;
  return {
    ...data,
    family,
    evaluate(o, ctx) {
      if (skipBatch && isBatch(o)) return [];
      if (skipPodTemplate && o.kind === 'PodTemplate') return [];
      return podsOf(o).flatMap((pod) => check(pod, o, ctx));
    },
  };
}

// ------------------------------------------------------------------------------ probes ---
const PROBES = 'Health probes';
const probeRule = (id: string, field: 'readinessProbe' | 'livenessProbe', why: string, standards: string[]) => rule(PROBES, {
  id,
  title: `${field} on every container`,
  severity: RuleSeverity.ERROR,
  standards,
  explanation: why,
  fix: `Add a ${field} to every container (Jobs and CronJobs are exempt).`,
  skipBatch: true,
  check: (pod) => containersOf(pod, ['containers']).filter((cv) => !isMap(cv.c[field]))
    .map((cv) => ({ path: [...cv.path, field], message: `${containerLabel(cv)} has no ${field}` })),
});

export const READINESS_PROBE = probeRule('HARDENED-PROBE-001', 'readinessProbe',
  'Without a readiness probe, traffic reaches pods that are not ready (during start-up and rollouts).',
  ['Polaris readinessProbeMissing', 'kube-score pod-probes', 'kube-linter no-readiness-probe']);
export const LIVENESS_PROBE = probeRule('HARDENED-PROBE-002', 'livenessProbe',
  'Without a liveness probe, a hung process is never restarted.',
  ['Polaris livenessProbeMissing', 'kube-score pod-probes', 'kube-linter no-liveness-probe']);

export const PROBES_DIFFER = rule(PROBES, {
  id: 'HARDENED-PROBE-003',
  title: 'Liveness and readiness probes differ',
  // Decision (issue 13): a warning, not an error, although kube-score rates it Critical. A TCP
  // socket cannot tell "alive" from "ready", so an app with only a port to probe (SecureApp's
  // default HealthCheck.tcp()) has no honest second probe, and dropping liveness (a hung process
  // is never restarted) or faking a different one would be worse. The gate reports it on every
  // synth; an app that has a health endpoint, a gRPC health service or a command gives liveness
  // its own check (livenessPath, livenessService, livenessCommand); an app that has none says so
  // with Policy.acknowledge(app, 'HARDENED-PROBE-003', reason). See docs/pod-spec.md, "Probes".
  severity: RuleSeverity.WARNING,
  standards: ['kube-score pod-probes-identical'],
  explanation: 'An identical liveness probe restarts pods exactly when they stop being ready (for example under load or while a dependency is down), which turns an overload into an outage. A warning here (kube-score: critical) because an app with only a TCP port has no honest second check; acknowledge it with the reason when that is the case.',
  fix: 'Give liveness a check of its own that only tests that the process is alive: HealthCheck.http(\'/ready\', { livenessPath: \'/healthz\' }), HealthCheck.grpc({ livenessService: \'liveness\' }) or HealthCheck.exec(cmd, { livenessCommand }); with one health endpoint, a liveness check of another kind: HealthCheck.http(\'/health\', { liveness: HealthCheck.tcp() }); with only a TCP port, Policy.acknowledge(app, \'HARDENED-PROBE-003\', reason)',
  skipBatch: true,
  check: (pod) => containersOf(pod, ['initContainers', 'containers']).flatMap((cv) => {
    const a = obj(cv.c.readinessProbe);
    const b = obj(cv.c.livenessProbe);
    if (!isMap(cv.c.readinessProbe) || !isMap(cv.c.livenessProbe)) return [];
    const named: Record<string, string> = {};
    for (const p of arr(cv.c.ports).map(obj)) if (p.name !== undefined) named[String(p.name)] = String(p.containerPort);
    const port = (x: unknown) => named[String(x)] ?? String(x);
    let same = false;
    if (isMap(a.httpGet) && isMap(b.httpGet)) same = a.httpGet.path === b.httpGet.path && port(a.httpGet.port) === port(b.httpGet.port);
    else if (isMap(a.tcpSocket) && isMap(b.tcpSocket)) same = port(a.tcpSocket.port) === port(b.tcpSocket.port);
    else if (isMap(a.exec) && isMap(b.exec)) same = JSON.stringify(arr(a.exec.command)) === JSON.stringify(arr(b.exec.command));
    else if (isMap(a.grpc) && isMap(b.grpc)) same = String(a.grpc.port) === String(b.grpc.port) && a.grpc.service === b.grpc.service;
    return same ? [{ path: [...cv.path, 'livenessProbe'], message: `${containerLabel(cv)} uses the same check for readiness and liveness` }] : [];
  }),
});

// --------------------------------------------------------------------------- resources ---
const RESOURCES = 'Resources';
function zero(qty: unknown): boolean {
  if (qty === undefined || qty === null || qty === '') return true;
  const n = typeof qty === 'number' ? qty : parseFloat(String(qty));
  return !(n > 0 || n < 0);
}
const resourceRule = (id: string, kind: 'requests' | 'limits', names: string[], title: string, why: string, standards: string[]) => rule(RESOURCES, {
  id,
  title,
  severity: RuleSeverity.ERROR,
  standards,
  explanation: why,
  fix: `Set resources.${kind} ${names.map((n) => `\`${n}\``).join(' and ')} on every container and init container.`,
  skipPodTemplate: false,
  check: (pod) => containersOf(pod, ['initContainers', 'containers']).flatMap((cv) => {
    const r = obj(obj(cv.c.resources)[kind]);
    const missing = names.filter((n) => zero(r[n]));
    return missing.length ? [{ path: [...cv.path, 'resources', kind, ...(missing.length === 1 ? [missing[0]] : [])], message: `${containerLabel(cv)} has no ${kind.replace(/s$/, '')} for ${missing.join(', ')}` }] : [];
  }),
});
export const REQUESTS = resourceRule('HARDENED-RES-001', 'requests', ['cpu', 'memory'], 'CPU and memory requests',
  'Without requests the scheduler cannot place the pod sensibly and it is the first to be evicted under pressure.',
  ['Polaris cpuRequestsMissing/memoryRequestsMissing', 'kube-score container-resources', 'NSA/CISA Kubernetes Hardening Guide']);
export const LIMITS = resourceRule('HARDENED-RES-002', 'limits', ['cpu', 'memory'], 'CPU and memory limits',
  'Without limits one pod can starve its neighbours or exhaust the node (denial of service).',
  ['Polaris cpuLimitsMissing/memoryLimitsMissing', 'kube-score container-resources', 'NSA/CISA Kubernetes Hardening Guide']);
export const EPHEMERAL_STORAGE = rule(RESOURCES, {
  id: 'HARDENED-RES-003',
  title: 'Ephemeral-storage request and limit',
  severity: RuleSeverity.ERROR,
  standards: ['kube-score container-ephemeral-storage-request-and-limit'],
  explanation: 'Without an ephemeral-storage limit a container can fill the node\'s disk (logs, emptyDir, writable layer) and get every pod on it evicted.',
  fix: 'Set resources.requests and resources.limits `ephemeral-storage` on every container and init container.',
  check: (pod) => containersOf(pod, ['initContainers', 'containers']).flatMap((cv) => {
    const res = obj(cv.c.resources);
    const missing = (['requests', 'limits'] as const).filter((k) => zero(obj(res[k])['ephemeral-storage']));
    return missing.map((k) => ({ path: [...cv.path, 'resources', k, 'ephemeral-storage'], message: `${containerLabel(cv)} has no ephemeral-storage ${k.replace(/s$/, '')}` }));
  }),
});

// ------------------------------------------------------------------- container context ---
const CONTAINER = 'Container hardening';
export const READ_ONLY_ROOT_FS = rule(CONTAINER, {
  id: 'HARDENED-CTR-001',
  title: 'Read-only root file system',
  severity: RuleSeverity.ERROR,
  standards: ['Polaris notReadOnlyRootFilesystem', 'kube-score container-security-context-readonlyrootfilesystem', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'A writable root file system lets an attacker modify binaries and configuration inside the container.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true; mount emptyDir volumes at the paths that must be writable.',
  check: (pod) => containersOf(pod, ['initContainers', 'containers']).filter((cv) => obj(cv.c.securityContext).readOnlyRootFilesystem !== true)
    .map((cv) => ({ path: [...cv.path, 'securityContext', 'readOnlyRootFilesystem'], message: `${containerLabel(cv)} has a writable root file system` })),
});

export const HIGH_UID_GID = rule(CONTAINER, {
  id: 'HARDENED-CTR-002',
  title: 'runAsUser and runAsGroup of at least 10000',
  severity: RuleSeverity.ERROR,
  standards: ['kube-score container-security-context-user-group-id'],
  explanation: 'UIDs/GIDs below 10000 may collide with privileged users on the host if the container escapes.',
  fix: 'Set securityContext.runAsUser and runAsGroup to 10000 or more (this library uses 65532) on the pod.',
  check: (pod) => {
    const psc = obj(pod.spec.securityContext);
    const out: RuleViolation[] = [];
    for (const cv of containersOf(pod, ['initContainers', 'containers'])) {
      const csc = obj(cv.c.securityContext);
      for (const f of ['runAsUser', 'runAsGroup']) {
        const fromContainer = has(csc, f);
        const v = fromContainer ? csc[f] : psc[f];
        if (typeof v !== 'number' || v < 10000) {
          const path: PathSegment[] = fromContainer ? [...cv.path, 'securityContext', f] : [...pod.specPath, 'securityContext', f];
          out.push({ path, message: `${containerLabel(cv)} runs with ${f} ${v === undefined ? 'unset' : v} (< 10000)` });
        }
      }
    }
    return out;
  },
});

/** The capability names a container adds, normalized (upper case, no CAP_ prefix). */
const addedCaps = (c: Record<string, any>): string[] => arr(obj(obj(c.securityContext).capabilities).add).map((x) => String(x).toUpperCase().replace(/^CAP_/, ''));

export const PRIVILEGED_PORT = rule(CONTAINER, {
  id: 'HARDENED-CTR-003',
  title: 'A port below 1024 has NET_BIND_SERVICE',
  // A warning: whether the bind fails depends on the node (containerd 2 and CRI-O open low ports
  // to every user with the net.ipv4.ip_unprivileged_port_start sysctl; older runtimes do not).
  severity: RuleSeverity.WARNING,
  standards: ['PSS restricted: Capabilities (NET_BIND_SERVICE is the one capability it allows adding)'],
  explanation: 'A non-root process cannot bind a port below 1024 on a runtime that keeps those ports privileged (net.ipv4.ip_unprivileged_port_start 1024, the kernel default) unless the container keeps NET_BIND_SERVICE; and an image whose binary carries the file capability (setcap cap_net_bind_service+ep) fails to exec at all when the capability is dropped. With capabilities drop ALL, the pod crash-loops.',
  fix: 'Add the capability back: capabilities: [Capability.NET_BIND_SERVICE] on the workload, or on the sidecar or init container in its ContainerOptions (renders capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }); or make the app listen on a port of 1024 or more; or set the pod sysctl net.ipv4.ip_unprivileged_port_start to the port or lower.',
  check: (pod) => {
    const psc = obj(pod.spec.securityContext);
    const sysctl = arr(psc.sysctls).map(obj).find((x) => x.name === 'net.ipv4.ip_unprivileged_port_start');
    const unprivilegedFrom = sysctl ? Number(sysctl.value) : 1024;
    const out: RuleViolation[] = [];
    for (const cv of containersOf(pod, ['initContainers', 'containers'])) {
      const csc = obj(cv.c.securityContext);
      const uid = has(csc, 'runAsUser') ? csc.runAsUser : psc.runAsUser;
      const nonRoot = (typeof uid === 'number' && uid !== 0) || (uid === undefined && (csc.runAsNonRoot ?? psc.runAsNonRoot) === true);
      if (!nonRoot) continue;
      const caps = obj(csc.capabilities);
      const dropped = arr(caps.drop).map((x) => String(x).toUpperCase().replace(/^CAP_/, ''));
      // Not dropped: the runtime's default set keeps NET_BIND_SERVICE.
      if (!dropped.includes('ALL') && !dropped.includes('NET_BIND_SERVICE')) continue;
      // The runtime applies the individual drops after the adds (containerd, CRI-O): an add of
      // NET_BIND_SERVICE beside a drop of it by name gives nothing.
      if (addedCaps(cv.c).includes('NET_BIND_SERVICE') && !dropped.includes('NET_BIND_SERVICE')) continue;
      arr(cv.c.ports).forEach((p, i) => {
        const port = Number(obj(p).containerPort);
        if (Number.isInteger(port) && port > 0 && port < 1024 && !(unprivilegedFrom <= port)) {
          out.push({
            path: [...cv.path, 'ports', i, 'containerPort'],
            message: `${containerLabel(cv)} listens on port ${port} as non-root user ${uid ?? '(runAsNonRoot)'} without NET_BIND_SERVICE: the bind fails where ports below 1024 are privileged`,
          });
        }
      });
    }
    return out;
  },
});

// ------------------------------------------------------------------------------ images ---
const IMAGES = 'Images';
/** Splits an image reference into its tag and digest (the tag only after the last `/`). */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > slash ? ref.slice(colon + 1) : undefined;
  return { tag, digest };
}
const imageContainers = (pod: PodView): ContainerView[] => containersOf(pod);
export const IMAGE_TAG = rule(IMAGES, {
  id: 'HARDENED-IMG-001',
  title: 'Image pinned to a version (no latest, no untagged)',
  severity: RuleSeverity.ERROR,
  standards: ['Polaris tagNotSpecified', 'kube-score container-image-tag', 'kube-linter latest-tag'],
  explanation: 'An untagged or `latest` image is mutable: every pull can run different code, and rollbacks do not roll back.',
  fix: 'Use an explicit version tag (e.g. nginx:1.27.3) or a digest (image@sha256:...).',
  check: (pod) => imageContainers(pod).flatMap((cv) => {
    const image = typeof cv.c.image === 'string' ? cv.c.image : '';
    const { tag, digest } = parseImage(image);
    if (digest) return [];
    if (!tag) return [{ path: [...cv.path, 'image'], message: `${containerLabel(cv)} image ${q(image)} has no tag` }];
    if (tag === 'latest') return [{ path: [...cv.path, 'image'], message: `${containerLabel(cv)} image ${q(image)} uses the mutable tag "latest"` }];
    return [];
  }),
});
export const IMAGE_DIGEST = rule(IMAGES, {
  id: 'HARDENED-IMG-002',
  title: 'Image pinned by digest',
  severity: RuleSeverity.WARNING,
  standards: ['Supply-chain practice (SLSA); checks project/image-digest'],
  explanation: 'A tag can be moved to different content; only a digest pins exactly what runs.',
  fix: 'Append the digest: registry/app:1.2.3@sha256:<64 hex>.',
  check: (pod) => imageContainers(pod).filter((cv) => !/@sha256:[0-9a-f]{64}$/.test(String(cv.c.image ?? '')))
    .map((cv) => ({ path: [...cv.path, 'image'], message: `${containerLabel(cv)} image ${q(cv.c.image ?? '')} is not pinned by digest` })),
});
export const IMAGE_PULL_POLICY = rule(IMAGES, {
  id: 'HARDENED-IMG-003',
  title: 'imagePullPolicy Always',
  severity: RuleSeverity.WARNING,
  standards: ['kube-score container-image-pull-policy', 'Polaris pullPolicyNotAlways'],
  explanation: 'With a cached image, a pod can start without the registry re-checking pull credentials, so any pod on the node can use an image pulled for another.',
  fix: 'Set imagePullPolicy: Always.',
  check: (pod) => containersOf(pod, ['initContainers', 'containers']).filter((cv) => cv.c.imagePullPolicy !== 'Always')
    .map((cv) => ({ path: [...cv.path, 'imagePullPolicy'], message: `${containerLabel(cv)} imagePullPolicy is ${q(cv.c.imagePullPolicy ?? '(unset)')}, not Always` })),
});

// ---------------------------------------------------------------------- service account ---
const IDENTITY = 'Service accounts';
const saName = (spec: any): string => String(spec.serviceAccountName || spec.serviceAccount || '');
export const DEDICATED_SA = rule(IDENTITY, {
  id: 'HARDENED-SA-001',
  title: 'Dedicated ServiceAccount (not default)',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes RBAC good practices', 'kube-linter default-service-account', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Pods on the namespace\'s `default` ServiceAccount share one identity: a binding for one grants it to all.',
  fix: 'Create a ServiceAccount per workload and set serviceAccountName.',
  check: (pod) => {
    const sa = saName(pod.spec);
    return sa === '' || sa === 'default'
      ? [{ path: [...pod.specPath, 'serviceAccountName'], message: sa ? 'the pod runs as the "default" ServiceAccount' : 'the pod sets no serviceAccountName and runs as the "default" ServiceAccount' }]
      : [];
  },
});

export const TOKEN_AUTOMOUNT = rule(IDENTITY, {
  id: 'HARDENED-SA-002',
  title: 'No ServiceAccount token unless RBAC is bound',
  severity: RuleSeverity.ERROR,
  standards: ['Polaris automountServiceAccountToken', 'NSA/CISA Kubernetes Hardening Guide', 'checks project/automount-token-without-rbac'],
  explanation: 'A mounted API token that no (Cluster)RoleBinding in the set grants anything is pure attack surface: it only helps an attacker probe the API.',
  fix: 'Set automountServiceAccountToken: false on the pod (or its ServiceAccount); if the workload needs the API, bind a namespaced Role to its ServiceAccount.',
  check: (pod, o, ctx) => {
    const name = saName(pod.spec) || 'default';
    const ns = nsOf(o);
    const sa = ctx._index.serviceAccountByName.get(`${ns}/${name}`);
    const auto = pod.spec.automountServiceAccountToken;
    const mounted = !(auto === false || (auto == null && sa && sa.automountServiceAccountToken === false));
    const projectedAt = arr(pod.spec.volumes).findIndex((v) => arr(obj(obj(v).projected).sources).some((s) => isMap(obj(s).serviceAccountToken)));
    if (!mounted && projectedAt < 0) return [];
    const bound = ctx._index.boundServiceAccounts.has(`${ns}/${name}`);
    if (bound) return [];
    return mounted
      ? [{ path: [...pod.specPath, 'automountServiceAccountToken'], message: `the token of ServiceAccount ${q(name)} is automounted but no RoleBinding in the set grants it anything` }]
      : [{ path: [...pod.specPath, 'volumes', projectedAt], message: `the token of ServiceAccount ${q(name)} is projected but no RoleBinding in the set grants it anything` }];
  },
});

export const WORKLOAD_RULES: PolicyRule[] = [
  READINESS_PROBE, LIVENESS_PROBE, PROBES_DIFFER,
  REQUESTS, LIMITS, EPHEMERAL_STORAGE,
  READ_ONLY_ROOT_FS, HIGH_UID_GID, PRIVILEGED_PORT,
  IMAGE_TAG, IMAGE_DIGEST, IMAGE_PULL_POLICY,
  DEDICATED_SA, TOKEN_AUTOMOUNT,
];
