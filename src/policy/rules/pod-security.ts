/*
 * Pod Security Standards, baseline and restricted, control by control as implemented by
 * k8s.io/pod-security-admission (policy/check_*.go), for the pod template of every pod-bearing
 * kind, including init and ephemeral containers.
 *
 * Versions: controls introduced after the pinned version still apply (they only add
 * strictness); relaxations (more allowed sysctls or SELinux types, Windows and user-namespace
 * exemptions) apply only from the version that introduced them.
 */
import { apiGroup, atLeast, containerLabel, containersOf, ContainerView, isMap, obj, arr, podsOf, PodView, q } from '../k8s';
import { PolicyContext, PolicyRule, RuleSeverity, RuleViolation, PathSegment } from '../model';

const FAMILY = 'Pod Security Standards';

type PodCheck = (pod: PodView, ctx: PolicyContext) => RuleViolation[];

function podRule(def: Omit<PolicyRule, 'family' | 'severity' | 'evaluate'> & { check: PodCheck; skipWindowsFrom?: [number, number]; skipUserNamespaceFrom?: [number, number] }): PolicyRule {
  const { check, skipWindowsFrom, skipUserNamespaceFrom, ...data } = def;
  return {
    ...data,
    family: FAMILY,
    severity: RuleSeverity.ERROR,
    evaluate(o, ctx) {
      return podsOf(o).flatMap((pod) => {
        if (skipWindowsFrom && atLeast(ctx.pssVersion, ...skipWindowsFrom) && obj(pod.spec.os).name === 'windows') return [];
        if (skipUserNamespaceFrom && atLeast(ctx.pssVersion, ...skipUserNamespaceFrom) && pod.spec.hostUsers === false) return [];
        return check(pod, ctx);
      });
    },
  };
}

const sc = (c: Record<string, any>) => (isMap(c.securityContext) ? c.securityContext : undefined);
const podSc = (pod: PodView) => (isMap(pod.spec.securityContext) ? pod.spec.securityContext : undefined);
const scPath = (cv: ContainerView, ...rest: PathSegment[]): PathSegment[] => [...cv.path, 'securityContext', ...rest];
const podScPath = (pod: PodView, ...rest: PathSegment[]): PathSegment[] => [...pod.specPath, 'securityContext', ...rest];

// ---------------------------------------------------------------------------- baseline ---

export const HOST_NAMESPACES = podRule({
  id: 'HARDENED-PSS-001',
  title: 'No host namespaces',
  standards: ['PSS baseline: Host Namespaces', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Sharing the node\'s network, PID or IPC namespace lets a pod see and reach other workloads and the node itself.',
  fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false).',
  check: (pod) => (['hostNetwork', 'hostPID', 'hostIPC'] as const)
    .filter((f) => pod.spec[f] === true)
    .map((f) => ({ path: [...pod.specPath, f], message: `${f}=true shares the node's ${f === 'hostNetwork' ? 'network' : f.slice(4)} namespace` })),
});

export const PRIVILEGED = podRule({
  id: 'HARDENED-PSS-002',
  title: 'No privileged containers',
  standards: ['PSS baseline: Privileged Containers', 'NSA/CISA Kubernetes Hardening Guide', 'kube-score container-security-context-privileged'],
  explanation: 'A privileged container has all capabilities and access to the host\'s devices: it is root on the node.',
  fix: 'Remove securityContext.privileged or set it to false.',
  check: (pod) => containersOf(pod).filter((cv) => sc(cv.c)?.privileged === true)
    .map((cv) => ({ path: scPath(cv, 'privileged'), message: `${containerLabel(cv)} sets securityContext.privileged=true` })),
});

const CAPS_BASELINE = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

export const CAPABILITIES_BASELINE = podRule({
  id: 'HARDENED-PSS-003',
  title: 'Only default capabilities added',
  standards: ['PSS baseline: Capabilities'],
  explanation: 'Capabilities beyond the container runtime\'s default set (e.g. SYS_ADMIN, NET_RAW, NET_ADMIN) give powers that lead to container escape or network attacks.',
  fix: 'Remove the capability from securityContext.capabilities.add.',
  check: (pod) => {
    const out: RuleViolation[] = [];
    for (const cv of containersOf(pod)) {
      arr(obj(sc(cv.c)?.capabilities).add).forEach((cap, i) => {
        if (!CAPS_BASELINE.has(cap)) out.push({ path: scPath(cv, 'capabilities', 'add', i), message: `${containerLabel(cv)} adds capability ${q(cap)}, which is not in the baseline set` });
      });
    }
    return out;
  },
});

export const HOST_PATH_VOLUMES = podRule({
  id: 'HARDENED-PSS-004',
  title: 'No hostPath volumes',
  standards: ['PSS baseline: HostPath Volumes', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'A hostPath volume exposes the node\'s file system (e.g. the container runtime socket) to the pod.',
  fix: 'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret volume instead of hostPath.',
  check: (pod) => arr(pod.spec.volumes).flatMap((v, i) => (isMap(v) && v.hostPath != null
    ? [{ path: [...pod.specPath, 'volumes', i, 'hostPath'], message: `volume ${q(v.name)} mounts host path ${q(obj(v.hostPath).path)}` }] : [])),
});

export const HOST_PORTS = podRule({
  id: 'HARDENED-PSS-005',
  title: 'No host ports',
  standards: ['PSS baseline: Host Ports'],
  explanation: 'A hostPort binds the node\'s network interface, bypassing Services and NetworkPolicies, and limits scheduling.',
  fix: 'Remove hostPort (expose the port through a Service).',
  check: (pod) => containersOf(pod).flatMap((cv) => arr(cv.c.ports).flatMap((p, i) => (isMap(p) && p.hostPort != null && Number(p.hostPort) !== 0
    ? [{ path: [...cv.path, 'ports', i, 'hostPort'], message: `${containerLabel(cv)} uses hostPort ${p.hostPort}` }] : []))),
});

const appArmorAllowed = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
export const APPARMOR = podRule({
  id: 'HARDENED-PSS-006',
  title: 'AppArmor not disabled',
  standards: ['PSS baseline: AppArmor'],
  explanation: 'Overriding the AppArmor profile with Unconfined removes a mandatory access control layer.',
  fix: 'Remove the appArmorProfile override, or set its type to RuntimeDefault or Localhost.',
  check: (pod) => {
    const out: RuleViolation[] = [];
    const ps = podSc(pod);
    if (ps && isMap(ps.appArmorProfile) && !appArmorAllowed(ps.appArmorProfile.type)) {
      out.push({ path: podScPath(pod, 'appArmorProfile', 'type'), message: `pod sets AppArmor profile type ${q(ps.appArmorProfile.type)}` });
    }
    for (const cv of containersOf(pod)) {
      const s = sc(cv.c);
      if (s && isMap(s.appArmorProfile) && !appArmorAllowed(s.appArmorProfile.type)) {
        out.push({ path: scPath(cv, 'appArmorProfile', 'type'), message: `${containerLabel(cv)} sets AppArmor profile type ${q(s.appArmorProfile.type)}` });
      }
    }
    for (const [k, v] of Object.entries(obj(pod.meta.annotations))) {
      if (k.startsWith('container.apparmor.security.beta.kubernetes.io/')) {
        const val = String(v);
        if (!(val === '' || val === 'runtime/default' || val.startsWith('localhost/'))) {
          out.push({ path: [...pod.metaPath, 'annotations', k], message: `annotation ${k}=${q(val)} sets a forbidden AppArmor profile` });
        }
      }
    }
    return out;
  },
});

export const SELINUX = podRule({
  id: 'HARDENED-PSS-007',
  title: 'No custom SELinux user, role or type',
  standards: ['PSS baseline: SELinux'],
  explanation: 'Setting a custom SELinux user or role, or a type outside the container types, can escape SELinux confinement.',
  fix: 'Remove seLinuxOptions.user and .role; use type container_t, container_init_t or container_kvm_t (or none).',
  check: (pod, ctx) => {
    const allowed = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
    if (atLeast(ctx.pssVersion, 1, 31)) allowed.add('container_engine_t');
    const out: RuleViolation[] = [];
    const visit = (o: any, path: PathSegment[], who: string) => {
      if (!isMap(o)) return;
      const t = o.type == null ? '' : String(o.type);
      if (!allowed.has(t)) out.push({ path: [...path, 'type'], message: `${who} sets SELinux type ${q(t)}` });
      if (o.user) out.push({ path: [...path, 'user'], message: `${who} sets SELinux user ${q(o.user)}` });
      if (o.role) out.push({ path: [...path, 'role'], message: `${who} sets SELinux role ${q(o.role)}` });
    };
    visit(podSc(pod)?.seLinuxOptions, podScPath(pod, 'seLinuxOptions'), 'pod');
    for (const cv of containersOf(pod)) visit(sc(cv.c)?.seLinuxOptions, scPath(cv, 'seLinuxOptions'), containerLabel(cv));
    return out;
  },
});

const procMountCheck: PodCheck = (pod) => containersOf(pod).flatMap((cv) => {
  const pm = sc(cv.c)?.procMount;
  return pm != null && pm !== 'Default' ? [{ path: scPath(cv, 'procMount'), message: `${containerLabel(cv)} sets procMount ${q(pm)}` }] : [];
});
export const PROC_MOUNT = podRule({
  id: 'HARDENED-PSS-008',
  title: 'Default /proc mount',
  standards: ['PSS baseline: /proc Mount Type'],
  explanation: 'An Unmasked /proc exposes kernel interfaces that the default mask hides from containers.',
  fix: 'Remove securityContext.procMount or set it to Default.',
  skipUserNamespaceFrom: [1, 35],
  check: procMountCheck,
});

const seccompValid = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
export const SECCOMP_BASELINE = podRule({
  id: 'HARDENED-PSS-009',
  title: 'Seccomp not disabled',
  standards: ['PSS baseline: Seccomp'],
  explanation: 'An Unconfined seccomp profile allows every system call, including the ones used in kernel exploits.',
  fix: 'Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).',
  check: (pod) => {
    const out: RuleViolation[] = [];
    const ps = podSc(pod);
    if (ps && isMap(ps.seccompProfile) && !seccompValid(ps.seccompProfile.type)) {
      out.push({ path: podScPath(pod, 'seccompProfile', 'type'), message: `pod sets seccomp profile type ${q(ps.seccompProfile.type)}` });
    }
    for (const cv of containersOf(pod)) {
      const s = sc(cv.c);
      if (s && isMap(s.seccompProfile) && !seccompValid(s.seccompProfile.type)) {
        out.push({ path: scPath(cv, 'seccompProfile', 'type'), message: `${containerLabel(cv)} sets seccomp profile type ${q(s.seccompProfile.type)}` });
      }
    }
    return out;
  },
});

const SYSCTLS: Array<[[number, number], string[]]> = [
  [[1, 0], ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [[1, 27], ['net.ipv4.ip_local_reserved_ports']],
  [[1, 29], ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [[1, 32], ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [[1, 37], ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];
export const SYSCTLS_RULE = podRule({
  id: 'HARDENED-PSS-010',
  title: 'Only safe sysctls',
  standards: ['PSS baseline: Sysctls'],
  explanation: 'Sysctls outside the namespaced "safe" set can affect the node and every other pod on it.',
  fix: 'Remove the sysctl from securityContext.sysctls (only the PSS safe set is allowed).',
  check: (pod, ctx) => {
    const allowed = new Set(SYSCTLS.filter(([v]) => atLeast(ctx.pssVersion, ...v)).flatMap(([, names]) => names));
    return arr(podSc(pod)?.sysctls).flatMap((s, i) => (isMap(s) && !allowed.has(s.name)
      ? [{ path: podScPath(pod, 'sysctls', i, 'name'), message: `pod sets sysctl ${q(s.name)}, which is not in the safe set` }] : []));
  },
});

export const WINDOWS_HOST_PROCESS = podRule({
  id: 'HARDENED-PSS-011',
  title: 'No Windows HostProcess containers',
  standards: ['PSS baseline: HostProcess'],
  explanation: 'A Windows HostProcess container runs directly on the host with full access to it.',
  fix: 'Remove securityContext.windowsOptions.hostProcess or set it to false.',
  check: (pod) => {
    const out: RuleViolation[] = [];
    if (obj(podSc(pod)?.windowsOptions).hostProcess === true) out.push({ path: podScPath(pod, 'windowsOptions', 'hostProcess'), message: 'pod sets windowsOptions.hostProcess=true' });
    for (const cv of containersOf(pod)) {
      if (obj(sc(cv.c)?.windowsOptions).hostProcess === true) out.push({ path: scPath(cv, 'windowsOptions', 'hostProcess'), message: `${containerLabel(cv)} sets windowsOptions.hostProcess=true` });
    }
    return out;
  },
});

export const HOST_PROBES = podRule({
  id: 'HARDENED-PSS-012',
  title: 'Probes and lifecycle hooks target the pod',
  standards: ['PSS baseline: Host Probes / Lifecycle Hooks (v1.34+)'],
  explanation: 'A probe or lifecycle handler with a host field makes the kubelet send requests to an arbitrary address (server-side request forgery from the node).',
  fix: 'Remove the host field from httpGet/tcpSocket probes and lifecycle handlers (they then target the pod IP).',
  check: (pod) => {
    const out: RuleViolation[] = [];
    for (const cv of containersOf(pod)) {
      const handlers: Array<[PathSegment[], any]> = [
        [['livenessProbe'], cv.c.livenessProbe], [['readinessProbe'], cv.c.readinessProbe], [['startupProbe'], cv.c.startupProbe],
        [['lifecycle', 'postStart'], obj(cv.c.lifecycle).postStart], [['lifecycle', 'preStop'], obj(cv.c.lifecycle).preStop],
      ];
      for (const [p, h] of handlers) {
        for (const kind of ['httpGet', 'tcpSocket']) {
          const host = obj(obj(h)[kind]).host;
          if (host) out.push({ path: [...cv.path, ...p, kind, 'host'], message: `${containerLabel(cv)} ${p.join('.')} targets host ${q(host)}` });
        }
      }
    }
    return out;
  },
});

// -------------------------------------------------------------------------- restricted ---

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
export const RESTRICTED_VOLUMES = podRule({
  id: 'HARDENED-PSS-101',
  title: 'Only restricted volume types',
  overrides: ['HARDENED-PSS-004'],
  standards: ['PSS restricted: Volume Types'],
  explanation: 'Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret reach node or network storage directly, outside the PersistentVolume abstraction.',
  fix: 'Use a PersistentVolumeClaim (or emptyDir/configMap/secret/projected) instead.',
  check: (pod) => arr(pod.spec.volumes).flatMap((v, i) => {
    if (!isMap(v)) return [];
    if (ALLOWED_VOLUMES.some((k) => v[k] != null)) return [];
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] != null);
    if (!sources.length) return []; // no source: the API server defaults it to emptyDir
    const t = sources[0];
    const also = t === 'hostPath' ? ' (violates baseline + restricted)' : '';
    return [{ path: [...pod.specPath, 'volumes', i, t], message: `volume ${q(v.name)} uses restricted volume type ${q(t)}${also}` }];
  }),
});

export const ALLOW_PRIVILEGE_ESCALATION = podRule({
  id: 'HARDENED-PSS-102',
  title: 'Privilege escalation disallowed',
  standards: ['PSS restricted: Privilege Escalation', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Without allowPrivilegeEscalation=false a process can gain more privileges than its parent (setuid binaries, file capabilities).',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  skipWindowsFrom: [1, 25],
  check: (pod) => containersOf(pod).filter((cv) => sc(cv.c)?.allowPrivilegeEscalation !== false)
    .map((cv) => ({ path: scPath(cv, 'allowPrivilegeEscalation'), message: `${containerLabel(cv)} does not set securityContext.allowPrivilegeEscalation=false` })),
});

export const RUN_AS_NON_ROOT = podRule({
  id: 'HARDENED-PSS-103',
  title: 'Containers run as non-root',
  standards: ['PSS restricted: Running as Non-root', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Without runAsNonRoot=true (on the pod, or on every container) the kubelet starts images that run as root.',
  fix: 'Set securityContext.runAsNonRoot: true on the pod (and do not set it to false on a container).',
  skipUserNamespaceFrom: [1, 35],
  check: (pod) => {
    const out: RuleViolation[] = [];
    const ps = podSc(pod);
    let podTrue = false;
    if (ps && ps.runAsNonRoot != null) {
      if (ps.runAsNonRoot !== true) out.push({ path: podScPath(pod, 'runAsNonRoot'), message: 'pod sets securityContext.runAsNonRoot=false' });
      else podTrue = true;
    }
    const implicit: ContainerView[] = [];
    for (const cv of containersOf(pod)) {
      const s = sc(cv.c);
      if (s && s.runAsNonRoot != null) {
        if (s.runAsNonRoot !== true) out.push({ path: scPath(cv, 'runAsNonRoot'), message: `${containerLabel(cv)} sets securityContext.runAsNonRoot=false` });
      } else if (!podTrue) implicit.push(cv);
    }
    if (!out.length && implicit.length) {
      out.push({
        path: podScPath(pod, 'runAsNonRoot'),
        message: `pod or ${implicit.map(containerLabel).join(', ')} must set securityContext.runAsNonRoot=true`,
      });
    }
    return out;
  },
});

export const RUN_AS_USER = podRule({
  id: 'HARDENED-PSS-104',
  title: 'Not run as UID 0',
  standards: ['PSS restricted: Running as Non-root user'],
  explanation: 'runAsUser: 0 runs the process as root.',
  fix: 'Set runAsUser to a non-zero UID (this library uses 65532), or remove it and rely on runAsNonRoot.',
  skipUserNamespaceFrom: [1, 35],
  check: (pod) => {
    const out: RuleViolation[] = [];
    if (podSc(pod)?.runAsUser === 0) out.push({ path: podScPath(pod, 'runAsUser'), message: 'pod sets runAsUser=0' });
    for (const cv of containersOf(pod)) {
      if (sc(cv.c)?.runAsUser === 0) out.push({ path: scPath(cv, 'runAsUser'), message: `${containerLabel(cv)} sets runAsUser=0` });
    }
    return out;
  },
});

export const SECCOMP_RESTRICTED = podRule({
  id: 'HARDENED-PSS-105',
  title: 'Seccomp profile set',
  overrides: ['HARDENED-PSS-009'],
  standards: ['PSS restricted: Seccomp', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Without an explicit RuntimeDefault or Localhost seccomp profile (pod level or every container), containers may run unconfined.',
  fix: 'Set securityContext.seccompProfile: { type: RuntimeDefault } on the pod.',
  skipWindowsFrom: [1, 25],
  check: (pod) => {
    const out: RuleViolation[] = [];
    const ps = podSc(pod);
    let podSet = false;
    if (ps && isMap(ps.seccompProfile)) {
      if (!seccompValid(ps.seccompProfile.type)) out.push({ path: podScPath(pod, 'seccompProfile', 'type'), message: `pod sets seccomp profile type ${q(ps.seccompProfile.type)} (violates baseline + restricted)` });
      else podSet = true;
    }
    const implicit: ContainerView[] = [];
    for (const cv of containersOf(pod)) {
      const s = sc(cv.c);
      if (s && isMap(s.seccompProfile)) {
        if (!seccompValid(s.seccompProfile.type)) out.push({ path: scPath(cv, 'seccompProfile', 'type'), message: `${containerLabel(cv)} sets seccomp profile type ${q(s.seccompProfile.type)} (violates baseline + restricted)` });
      } else if (!podSet) implicit.push(cv);
    }
    if (!out.length && implicit.length) {
      out.push({
        path: podScPath(pod, 'seccompProfile', 'type'),
        message: `pod or ${implicit.map(containerLabel).join(', ')} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      });
    }
    return out;
  },
});

export const CAPABILITIES_RESTRICTED = podRule({
  id: 'HARDENED-PSS-106',
  title: 'All capabilities dropped',
  overrides: ['HARDENED-PSS-003'],
  standards: ['PSS restricted: Capabilities', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.',
  fix: 'Set securityContext.capabilities: { drop: [ALL] } on every container; add only NET_BIND_SERVICE if needed.',
  skipWindowsFrom: [1, 25],
  check: (pod) => {
    const out: RuleViolation[] = [];
    for (const cv of containersOf(pod)) {
      const caps = obj(sc(cv.c)?.capabilities);
      if (!arr(caps.drop).includes('ALL')) out.push({ path: scPath(cv, 'capabilities', 'drop'), message: `${containerLabel(cv)} must set securityContext.capabilities.drop=["ALL"]` });
      arr(caps.add).forEach((cap, i) => {
        if (cap !== 'NET_BIND_SERVICE') {
          const also = CAPS_BASELINE.has(cap) ? '' : ' (violates baseline + restricted)';
          out.push({ path: scPath(cv, 'capabilities', 'add', i), message: `${containerLabel(cv)} adds capability ${q(cap)}${also}` });
        }
      });
    }
    return out;
  },
});

export const PROC_MOUNT_RESTRICTED = podRule({
  id: 'HARDENED-PSS-107',
  title: 'Default /proc mount (also with user namespaces)',
  overrides: ['HARDENED-PSS-008'],
  standards: ['PSS restricted: /proc Mount Type (v1.35+)'],
  explanation: 'At the restricted level the /proc mount must stay Default even in a user namespace (hostUsers: false).',
  fix: 'Remove securityContext.procMount or set it to Default.',
  check: procMountCheck,
});

/**
 * The baseline's host and privilege fields anywhere outside a pod spec: custom resources whose
 * controllers build pods from fragments (Argo Workflows `container`/`script`, Tekton `steps`,
 * operators' `hostNetwork`, `volumes` and container overrides without an `image`) carry them
 * where no pod spec is found by shape.
 */
function hostAccessFragments(o: any): RuleViolation[] {
  const out: RuleViolation[] = [];
  const podSpecs = new Set<object>(podsOf(o).map((p) => p.spec));
  const seen = new Set<object>();
  const walk = (node: any, at: PathSegment[], depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 100 || seen.has(node) || podSpecs.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((x, i) => walk(x, [...at, i], depth + 1));
      return;
    }
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (node[f] === true) out.push({ path: [...at, f], message: `${f}=true: the pods built from this object share the node's ${f === 'hostNetwork' ? 'network' : f.slice(4)} namespace` });
    }
    if (isMap(node.hostPath)) out.push({ path: [...at, 'hostPath'], message: `a hostPath volume ${q(node.hostPath.path ?? '')}: the pods built from this object mount the node's file system` });
    if (node.hostPort != null && Number(node.hostPort) !== 0 && node.containerPort !== undefined) out.push({ path: [...at, 'hostPort'], message: `hostPort ${node.hostPort}: the pods built from this object open a port on the node` });
    const s = isMap(node.securityContext) ? node.securityContext : undefined;
    if (s?.privileged === true) out.push({ path: [...at, 'securityContext', 'privileged'], message: 'securityContext.privileged=true: a container built from this object is root on the node' });
    const added = arr(obj(s?.capabilities).add).map((c) => String(c).toUpperCase().replace(/^CAP_/, '')).filter((c) => !CAPS_BASELINE.has(c));
    if (added.length) out.push({ path: [...at, 'securityContext', 'capabilities', 'add'], message: `adds the capabilities ${added.join(', ')} to a container built from this object` });
    for (const [k, v] of Object.entries(node)) if (v !== null && typeof v === 'object') walk(v, [...at, k], depth + 1);
  };
  for (const [k, v] of Object.entries(obj(o))) if (k !== 'metadata' && k !== 'status' && v !== null && typeof v === 'object') walk(v, [k], 1);
  return out;
}

export const HOST_ACCESS_FRAGMENTS: PolicyRule = {
  id: 'HARDENED-PSS-013',
  family: FAMILY,
  title: 'No host access or privilege in pod fragments of custom resources',
  severity: RuleSeverity.ERROR,
  standards: ['PSS baseline: Host Namespaces, Privileged Containers, Capabilities, HostPath Volumes, Host Ports (in the pods a controller creates)', 'NSA/CISA Kubernetes Hardening Guide: pod security'],
  explanation: 'Workflow engines and operators create pods from fragments of their custom resources (a container without a full pod spec, a list of steps, a hostNetwork or volumes field): a privileged container, host namespace, hostPath volume or host port there gives the created pods the node, although no pod spec appears in the manifest.',
  fix: 'Remove the field from the custom resource; if the controller really needs host access, acknowledge HARDENED-PSS-013 on that object with the reason.',
  // Core objects have their own rules (a PersistentVolume's hostPath is HARDENED-PV-001).
  evaluate: (o) => (isMap(o) && apiGroup(o.apiVersion) !== '' ? hostAccessFragments(o) : []),
};

export const POD_SECURITY_RULES: PolicyRule[] = [
  HOST_NAMESPACES, PRIVILEGED, CAPABILITIES_BASELINE, HOST_PATH_VOLUMES, HOST_PORTS, APPARMOR, SELINUX, PROC_MOUNT,
  SECCOMP_BASELINE, SYSCTLS_RULE, WINDOWS_HOST_PROCESS, HOST_PROBES, HOST_ACCESS_FRAGMENTS,
  RESTRICTED_VOLUMES, ALLOW_PRIVILEGE_ESCALATION, RUN_AS_NON_ROOT, RUN_AS_USER, SECCOMP_RESTRICTED, CAPABILITIES_RESTRICTED, PROC_MOUNT_RESTRICTED,
];
export const PSS_BASELINE_IDS = POD_SECURITY_RULES.filter((r) => /-0\d\d$/.test(r.id)).map((r) => r.id);
