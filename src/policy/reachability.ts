/*
 * NetworkPolicy reachability over rendered manifests: which pod may open a connection to which
 * pod on which port, as Kubernetes defines it
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 *
 * - A pod is isolated for a direction when some NetworkPolicy of its namespace selects it and
 *   lists that direction in `policyTypes` (absent `policyTypes`: `Ingress`, plus `Egress` when
 *   the policy has egress rules). A pod that no policy isolates is open in that direction.
 * - Policies are additive: a connection is allowed in a direction when any rule of any policy
 *   that isolates the pod allows it. A connection needs both sides: the caller's egress and
 *   the callee's ingress.
 * - A rule allows a peer when one of its `from`/`to` entries matches (a missing or empty list
 *   matches everything) and one of its `ports` matches (missing or empty: every port).
 * - A peer with `podSelector` alone selects pods of the policy's namespace; `namespaceSelector`
 *   alone every pod of the selected namespaces; both in ONE entry the selected pods of the
 *   selected namespaces (two entries would be an OR). Empty selectors select everything.
 * - A port entry: `protocol` (default TCP), `port` (absent: every port) as a number or a
 *   container port name resolved on the destination pod, `endPort` for a range.
 *
 * What rendered manifests cannot tell, and how it is decided here (documented in
 * docs/connectivity.md):
 * - Pod IPs are not known, so an `ipBlock` matches no pod, except a block covering every
 *   address (`0.0.0.0/0`, `::/0`), which CNIs such as Calico apply to pods too; with
 *   `privateIpBlocksMatchPods` also any block overlapping a private range (the lint's reading).
 * - A namespace that is not in the output is known only by its `kubernetes.io/metadata.name`
 *   label; with `assumeUnlistedNamespaceLabels` its other labels are assumed to match (the
 *   optimistic reading the connectivity lint uses, so it never reports a call it cannot prove
 *   blocked).
 * - Objects without a namespace are in `default`.
 */
import { arr, isKind, isMap, metaOf, obj, podOf, runsPods, selectorMatches } from './k8s';

/** The label every namespace carries (Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Where objects without a namespace go. */
export const DEFAULT_NAMESPACE = 'default';

/** A container port of a pod. */
export interface PodPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** The pods of one workload (any object with a pod template), as the policies see them. */
export interface PodEndpoint {
  /** `namespace/Kind/name`: unique in an output, stable, sortable. */
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Labels of the pod template. */
  readonly labels: Readonly<Record<string, string>>;
  /** Container ports (init containers included: sidecars listen too). */
  readonly ports: readonly PodPort[];
  /** The manifest. */
  readonly object: any;
}

/** A port of a Service and where it sends traffic. */
export interface ServicePortInfo {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
}

/** A Service of the output. */
export interface ServiceEndpoint {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  /** `spec.selector`; undefined for a Service without selector (endpoints managed elsewhere). */
  readonly selector?: Readonly<Record<string, string>>;
  /** `clusterIP: None`: DNS names resolve to the pods, a client connects to pod ports directly. */
  readonly headless: boolean;
  readonly ports: readonly ServicePortInfo[];
  readonly object: any;
}

/** Where a connection to a Service port ends: a backend workload and its pod port. */
export interface ServiceTarget {
  readonly workload: PodEndpoint;
  readonly port: number;
  readonly protocol: string;
  /** The Service port used (undefined for a headless Service addressed on a pod port). */
  readonly servicePort?: number;
}

/** The verdict of one direction (the caller's egress or the callee's ingress). */
export interface DirectionVerdict {
  /** Whether some policy isolates the pod in this direction. */
  readonly isolated: boolean;
  readonly allowed: boolean;
  /** `namespace/name` of the policies that isolate the pod in this direction. */
  readonly policies: string[];
}

/** The verdict of a connection: both sides must allow it. */
export interface ConnectionVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

/** One allowed connection between two workloads of the output. */
export interface AllowedConnection {
  /** Caller id (`namespace/Kind/name`). */
  readonly from: string;
  /** Callee id. */
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
}

export interface NetworkModelOptions {
  /**
   * Assume a namespace that is not in the output carries any label a namespaceSelector asks
   * for (only `kubernetes.io/metadata.name` is known). Use it when a false "blocked" costs more
   * than a false "allowed" (the lint).
   * @default false
   */
  readonly assumeUnlistedNamespaceLabels?: boolean;
  /**
   * Assume an `ipBlock` in a private range (RFC 1918, 100.64.0.0/10, IPv6 ULA) may hold pod IPs
   * (CNIs such as Calico apply ipBlocks to pod traffic; pod CIDRs are private). Use it with
   * `assumeUnlistedNamespaceLabels` for the same reason.
   * @default false
   */
  readonly privateIpBlocksMatchPods?: boolean;
}

/** Policy direction. */
export type Direction = 'Ingress' | 'Egress';

interface PolicyInfo {
  readonly id: string;
  readonly namespace: string;
  readonly selector: unknown;
  readonly types: Direction[];
  readonly ingress: any[];
  readonly egress: any[];
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const nsOfObject = (o: any): string => String(metaOf(o).namespace ?? '') || DEFAULT_NAMESPACE;
const nameOfObject = (o: any): string => String(metaOf(o).name ?? metaOf(o).generateName ?? '');

/** A port number from an int-or-string (a string of digits counts as the number). */
function portNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** The protocols' default port numbers of well-known URL schemes (when the URL names no port). */
export const SCHEME_PORTS: Readonly<Record<string, number>> = {
  'http': 80, 'ws': 80, 'https': 443, 'wss': 443, 'grpc': 80, 'grpcs': 443, 'h2c': 80,
  'redis': 6379, 'rediss': 6379, 'postgres': 5432, 'postgresql': 5432, 'mysql': 3306,
  'mongodb': 27017, 'amqp': 5672, 'amqps': 5671, 'nats': 4222, 'memcached': 11211,
  'ldap': 389, 'ldaps': 636, 'smtp': 25, 'ftp': 21, 'mqtt': 1883, 'kafka': 9092,
};

/** Whether a CIDR covers every address (so the block includes pod IPs whatever they are). */
function coversEverything(cidr: unknown): boolean {
  return typeof cidr === 'string' && /\/0$/.test(cidr.trim());
}

/** Private IPv4 ranges a pod CIDR is taken from: RFC 1918 and the shared range (100.64.0.0/10). */
const PRIVATE_V4: [number, number][] = [[0x0a000000, 8], [0xac100000, 12], [0xc0a80000, 16], [0x64400000, 10]];

/** Whether a CIDR overlaps a private range (IPv4 above, IPv6 unique local fc00::/7). */
function overlapsPrivate(cidr: unknown): boolean {
  if (typeof cidr !== 'string') return false;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (m) {
    const ip = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
    const bits = Number(m[5]);
    return PRIVATE_V4.some(([net, nbits]) => {
      const shared = Math.min(bits, nbits);
      const mask = shared === 0 ? 0 : (~0 << (32 - shared)) >>> 0;
      return ((ip & mask) >>> 0) === ((net & mask) >>> 0);
    });
  }
  return /^f[cd][0-9a-f]{0,2}:/i.test(cidr.trim());
}

/** The reachability model of one output: workloads, Services, Namespaces and NetworkPolicies. */
export class NetworkModel {
  /** Builds the model from plain manifest JSON (objects of any kind; others are ignored). */
  public static fromObjects(objects: readonly unknown[], options: NetworkModelOptions = {}): NetworkModel {
    return new NetworkModel(objects.filter(isMap), options);
  }

  public readonly workloads: PodEndpoint[];
  public readonly services: ServiceEndpoint[];
  /** Labels of the namespaces in the output (the name label included). */
  public readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  private readonly policies: PolicyInfo[];
  private readonly assumeLabels: boolean;
  private readonly privateBlocks: boolean;
  private readonly byObject = new Map<unknown, PodEndpoint>();
  private readonly backends = new Map<ServiceEndpoint, PodEndpoint[]>();
  private readonly policiesByNamespace = new Map<string, PolicyInfo[]>();
  private readonly isolating = new Map<string, { id: string; namespace: string; rules: any[] }[]>();
  private readonly serviceByName = new Map<string, ServiceEndpoint>();

  private constructor(objects: Record<string, any>[], options: NetworkModelOptions) {
    this.assumeLabels = options.assumeUnlistedNamespaceLabels ?? false;
    this.privateBlocks = options.privateIpBlocksMatchPods ?? false;
    const namespaces = new Map<string, Record<string, string>>();
    for (const o of objects.filter((x) => isKind(x, 'Namespace', ['']))) {
      const name = nameOfObject(o);
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj(metaOf(o).labels))) labels[k] = String(v);
      namespaces.set(name, { ...labels, [NAMESPACE_NAME_LABEL]: name });
    }
    this.namespaceLabels = namespaces;

    const seen = new Set<string>();
    this.workloads = [];
    for (const o of objects.filter(runsPods)) {
      const pod = podOf(o)!;
      const id = `${nsOfObject(o)}/${o.kind}/${nameOfObject(o)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj(pod.meta.labels))) labels[k] = String(v);
      const ports: PodPort[] = [];
      for (const c of [...arr(pod.spec.initContainers), ...arr(pod.spec.containers)].map(obj)) {
        for (const p of arr(c.ports).map(obj)) {
          const n = portNumber(p.containerPort);
          if (n === undefined) continue;
          ports.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: n, protocol: String(p.protocol ?? 'TCP') });
        }
      }
      this.workloads.push({ id, kind: String(o.kind), name: nameOfObject(o), namespace: nsOfObject(o), labels, ports, object: o });
    }
    this.workloads.sort((a, b) => a.id.localeCompare(b.id));
    for (const w of this.workloads) this.byObject.set(w.object, w);

    this.services = objects.filter((o) => isKind(o, 'Service', [''])).map((o) => {
      const spec = obj(o.spec);
      const selector = isMap(spec.selector) && Object.keys(spec.selector).length > 0
        ? Object.fromEntries(Object.entries(spec.selector).map(([k, v]) => [k, String(v)])) : undefined;
      const ports: ServicePortInfo[] = [];
      for (const p of arr(spec.ports).map(obj)) {
        const port = portNumber(p.port);
        if (port === undefined) continue;
        const target = p.targetPort === undefined || p.targetPort === null ? port : portNumber(p.targetPort) ?? String(p.targetPort);
        ports.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port, protocol: String(p.protocol ?? 'TCP'), targetPort: target });
      }
      return {
        id: `${nsOfObject(o)}/Service/${nameOfObject(o)}`, name: nameOfObject(o), namespace: nsOfObject(o),
        selector, headless: spec.clusterIP === 'None', ports, object: o,
      };
    });
    for (const s of this.services) if (!this.serviceByName.has(`${s.namespace}/${s.name}`)) this.serviceByName.set(`${s.namespace}/${s.name}`, s);

    this.policies = objects.filter((o) => isKind(o, 'NetworkPolicy', ['networking.k8s.io'])).map((o) => {
      const spec = obj(o.spec);
      const declared = arr(spec.policyTypes).filter((t): t is Direction => t === 'Ingress' || t === 'Egress');
      // networking/v1 defaulting: no policyTypes means Ingress, plus Egress when there are egress rules.
      const types: Direction[] = arr(spec.policyTypes).length > 0 ? declared
        : arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      return {
        id: `${nsOfObject(o)}/${nameOfObject(o)}`,
        namespace: nsOfObject(o),
        // The API requires podSelector; a missing one is read as the empty selector (every pod).
        selector: isMap(spec.podSelector) ? spec.podSelector : {},
        types,
        ingress: arr(spec.ingress).map(obj),
        egress: arr(spec.egress).map(obj),
      };
    });
    for (const p of this.policies) {
      const list = this.policiesByNamespace.get(p.namespace);
      if (list) list.push(p); else this.policiesByNamespace.set(p.namespace, [p]);
    }
  }

  /** The workload with this id (`ns/Kind/name`), or the only one named `name` (`name` or `ns/name`). */
  public workload(ref: string): PodEndpoint | undefined {
    const exact = this.workloads.find((w) => w.id === ref);
    if (exact) return exact;
    const parts = ref.split('/');
    const hits = this.workloads.filter((w) => (parts.length === 2 ? w.namespace === parts[0] && w.name === parts[1] : w.name === ref));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** The Service `name` in `namespace`. */
  public service(namespace: string, name: string): ServiceEndpoint | undefined {
    return this.serviceByName.get(`${namespace}/${name}`);
  }

  /** The workload of this manifest object (the same JSON object the model was built from). */
  public endpointOf(object: unknown): PodEndpoint | undefined {
    return this.byObject.get(object);
  }

  /** The workloads whose pods a Service selects (none for a Service without selector). */
  public backendsOf(service: ServiceEndpoint): PodEndpoint[] {
    if (!service.selector) return [];
    let hits = this.backends.get(service);
    if (!hits) {
      const selector = Object.entries(service.selector);
      hits = this.workloads.filter((w) => w.namespace === service.namespace && selector.every(([k, v]) => w.labels[k] === v));
      this.backends.set(service, hits);
    }
    return hits;
  }

  /**
   * Where a connection to `service` on `port` lands: each backend workload and its pod port
   * (the Service's targetPort, a name resolved on that workload's container ports). For a
   * headless Service the port is the pod port itself. Empty when the Service has no such port
   * or no backend in the output.
   */
  public targetsOf(service: ServiceEndpoint, port: number): ServiceTarget[] {
    const out: ServiceTarget[] = [];
    const matching = service.ports.filter((p) => p.port === port); // one per protocol
    for (const w of this.backendsOf(service)) {
      for (const sp of matching) {
        const target = typeof sp.targetPort === 'number' ? sp.targetPort
          : w.ports.find((p) => p.name === sp.targetPort && p.protocol === sp.protocol)?.port;
        if (target !== undefined) out.push({ workload: w, port: target, protocol: sp.protocol, servicePort: sp.port });
      }
      if (matching.length === 0 && service.headless) {
        out.push({ workload: w, port, protocol: w.ports.find((p) => p.port === port)?.protocol ?? 'TCP' });
      }
    }
    return out;
  }

  /** Whether `caller`'s pods may open a connection to `callee`'s pods on `port` (a number or a container port name of the callee). */
  public allowed(caller: PodEndpoint, callee: PodEndpoint, port: number | string, protocol = 'TCP'): boolean {
    return this.check(caller, callee, port, protocol).allowed;
  }

  /** `allowed`, with the verdict of each side and the policies that decided it. */
  public check(caller: PodEndpoint, callee: PodEndpoint, port: number | string, protocol = 'TCP'): ConnectionVerdict {
    const number = typeof port === 'number' ? port : callee.ports.find((p) => p.name === port && p.protocol === protocol)?.port;
    const egress = this.direction(caller, 'Egress', (rule, policy) => this.ruleAllowsPod(rule.to, rule.ports, policy, callee, number, protocol));
    const ingress = this.direction(callee, 'Ingress', (rule, policy) => this.ruleAllowsPod(rule.from, rule.ports, policy, caller, number, protocol, callee));
    return { allowed: egress.allowed && ingress.allowed && number !== undefined, egress, ingress };
  }

  /**
   * Whether `pod`'s egress allows connections to an address outside the pod network on one of
   * `ports` (TCP): the pod is not isolated for egress, or a rule with an ipBlock peer (any
   * address: the model does not know the destination's) or with no peers allows the port.
   */
  public egressToAddress(pod: PodEndpoint, ports: number[], protocol = 'TCP'): DirectionVerdict {
    return this.direction(pod, 'Egress', (rule) => {
      const to = arr(rule.to).map(obj);
      const peerOk = to.length === 0 || to.some((p) => isMap(p.ipBlock));
      return peerOk && ports.some((n) => this.portsMatch(rule.ports, n, protocol, undefined));
    });
  }

  /** Whether `pod` is isolated in `direction` (some policy of its namespace selects it for that direction). */
  public isIsolated(pod: PodEndpoint, direction: Direction): boolean {
    return this.policiesFor(pod, direction).length > 0;
  }

  /** The NetworkPolicies (as plain objects with their rules) that isolate `pod` in `direction`. */
  public policiesFor(pod: PodEndpoint, direction: Direction): { id: string; namespace: string; rules: any[] }[] {
    const key = `${direction} ${pod.id}`;
    let hits = this.isolating.get(key);
    if (!hits) {
      hits = (this.policiesByNamespace.get(pod.namespace) ?? [])
        .filter((p) => p.types.includes(direction) && selectorMatches(p.selector, pod.labels))
        .map((p) => ({ id: p.id, namespace: p.namespace, rules: direction === 'Ingress' ? p.ingress : p.egress }));
      this.isolating.set(key, hits);
    }
    return hits;
  }

  /**
   * Every allowed connection between workloads of the output, on each container port the
   * callee declares (a port nothing listens on carries no call), sorted by caller, callee,
   * port. Self-connections (a pod to another replica of its workload) are included.
   */
  public allowedMatrix(): AllowedConnection[] {
    const out: AllowedConnection[] = [];
    for (const from of this.workloads) {
      for (const to of this.workloads) {
        const seen = new Set<string>();
        for (const p of [...to.ports].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))) {
          const key = `${p.port}/${p.protocol}`;
          if (seen.has(key) || !PROTOCOLS.includes(p.protocol)) continue;
          seen.add(key);
          if (this.allowed(from, to, p.port, p.protocol)) out.push({ from: from.id, to: to.id, port: p.port, protocol: p.protocol });
        }
      }
    }
    return out;
  }

  /** Whether a namespaceSelector selects `namespace`. */
  public namespaceMatches(selector: unknown, namespace: string): boolean {
    const known = this.namespaceLabels.get(namespace);
    if (known) return selectorMatches(selector, known);
    const labels = { [NAMESPACE_NAME_LABEL]: namespace };
    if (!this.assumeLabels || !isMap(selector)) return selectorMatches(selector, labels);
    // Only the name label is known: judge the selector on its requirements about the name.
    const s = obj(selector);
    const onName = {
      matchLabels: Object.fromEntries(Object.entries(obj(s.matchLabels)).filter(([k]) => k === NAMESPACE_NAME_LABEL)),
      matchExpressions: arr(s.matchExpressions).filter((e) => obj(e).key === NAMESPACE_NAME_LABEL),
    };
    return selectorMatches(onName, labels);
  }

  /** Whether one peer entry (`from`/`to` item) of a policy in `policyNamespace` selects `pod`'s pods. */
  public peerMatches(peer: unknown, policyNamespace: string, pod: PodEndpoint): boolean {
    const p = obj(peer);
    if (isMap(p.ipBlock)) return coversEverything(p.ipBlock.cidr) || (this.privateBlocks && overlapsPrivate(p.ipBlock.cidr));
    const hasPods = isMap(p.podSelector);
    const hasNs = isMap(p.namespaceSelector);
    if (!hasPods && !hasNs) return false; // the API rejects a peer that selects nothing
    const nsOk = hasNs ? this.namespaceMatches(p.namespaceSelector, pod.namespace) : pod.namespace === policyNamespace;
    return nsOk && (!hasPods || selectorMatches(p.podSelector, pod.labels));
  }

  /**
   * Whether a rule's `ports` allow `port`/`protocol` on the destination: named ports resolve on
   * `destination`'s container ports (none for an address outside the pod network).
   */
  public portsMatch(ports: unknown, port: number | undefined, protocol: string, destination: PodEndpoint | undefined): boolean {
    const list = arr(ports).map(obj);
    if (list.length === 0) return true;
    if (port === undefined) return false;
    return list.some((p) => {
      if (String(p.protocol ?? 'TCP') !== protocol) return false;
      if (p.port === undefined || p.port === null) return true;
      const n = portNumber(p.port);
      if (n !== undefined) {
        const end = portNumber(p.endPort);
        return end !== undefined ? port >= n && port <= end : port === n;
      }
      return !!destination && destination.ports.some((cp) => cp.name === p.port && cp.port === port && cp.protocol === protocol);
    });
  }

  private ruleAllowsPod(peers: unknown, ports: unknown, policy: { namespace: string }, peer: PodEndpoint,
    port: number | undefined, protocol: string, destination: PodEndpoint = peer): boolean {
    const list = arr(peers);
    const peerOk = list.length === 0 || list.some((x) => this.peerMatches(x, policy.namespace, peer));
    return peerOk && this.portsMatch(ports, port, protocol, destination);
  }

  private direction(pod: PodEndpoint, direction: Direction, allows: (rule: any, policy: { namespace: string }) => boolean): DirectionVerdict {
    const policies = this.policiesFor(pod, direction);
    if (policies.length === 0) return { isolated: false, allowed: true, policies: [] };
    const allowed = policies.some((p) => p.rules.some((r) => allows(obj(r), p)));
    return { isolated: true, allowed, policies: policies.map((p) => p.id) };
  }
}
