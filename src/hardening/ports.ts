/* Named ports of a serving workload: container ports, Service ports and ingress rules, from one list. */
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { NetworkPeer, NetworkProtocol, WorkloadIngressRule } from './network';
import { checkInteger } from './validation';

/** How a Service is reached. */
export enum ServiceType {
  /** A cluster-internal virtual IP (the default). */
  CLUSTER_IP = 'ClusterIP',
  /**
   * A port on every node, reachable from outside the cluster. Needs `externalAccess` (a reason
   * and the client address ranges).
   */
  NODE_PORT = 'NodePort',
  /**
   * A cloud load balancer in front of node ports, reachable from outside the cluster. Needs
   * `externalAccess` (a reason and the client address ranges).
   */
  LOAD_BALANCER = 'LoadBalancer',
}

/**
 * The policy rule that reports Services reachable from outside the cluster (NodePort and
 * LoadBalancer); a workload with `externalAccess` acknowledges it on its Service with the reason.
 */
export const EXTERNAL_SERVICE_RULE_ID = 'HARDENED-SVC-002';

/** One named port of a workload: a container port, a Service port and its own ingress rule. */
export interface WorkloadPort {
  /**
   * Port name: an IANA service name (at most 15 characters: lower-case letters, digits and "-",
   * at least one letter, no "-" at either end or twice in a row). Service meshes read the protocol
   * from it ("http", "grpc", "tcp-redis"). The Service port has the same name and targets it.
   */
  readonly name: string;
  /** Port the container listens on. */
  readonly port: number;
  /**
   * Port of the Service.
   * @default - the same as `port`
   */
  readonly servicePort?: number;
  /**
   * Transport protocol.
   * @default NetworkProtocol.TCP
   */
  readonly protocol?: NetworkProtocol;
  /**
   * Application protocol of the Service port (`appProtocol`): an IANA service name such as
   * "http" or "grpc", or a prefixed name such as "kubernetes.io/h2c".
   * @default - none
   */
  readonly appProtocol?: string;
  /**
   * Who may connect to this port.
   * @default - the workload's `ingressFrom`
   */
  readonly ingressFrom?: NetworkPeer[];
}

/** Exposure outside the cluster (NodePort, LoadBalancer): the written reason and who may connect. */
export interface ExternalAccess {
  /**
   * Why the app is reachable from outside the cluster (at least 10 characters). Recorded on the
   * Service as the acknowledgement of HARDENED-SVC-002, so reviewers see it in the output.
   */
  readonly reason: string;
  /**
   * Client address ranges (CIDRs) that may connect from outside; the NetworkPolicy opens the
   * Service's ports to these ranges only, and a LoadBalancer gets them as
   * `loadBalancerSourceRanges`. Write "0.0.0.0/0" (and "::/0") for the whole internet.
   */
  readonly clientRanges: string[];
}

const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const APP_PROTOCOL = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Whether `name` is a valid IANA service name (a port name). */
export function isPortName(name: string): boolean {
  return typeof name === 'string' && name.length <= 15 && IANA_SVC_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

/** A validated port. */
export interface ResolvedPort {
  readonly name: string;
  readonly port: number;
  readonly servicePort: number;
  readonly protocol: NetworkProtocol;
  readonly appProtocol?: string;
  readonly peers: NetworkPeer[];
  readonly prop: string;
  /** Never exposed outside the cluster (the metrics port): no external client ranges, not on an external Service. */
  readonly internal?: boolean;
  /** The sidecar that declares the port (`sidecars[i].ports`); undefined for the main container. */
  readonly container?: string;
}

/** Inputs of `resolvePorts`: the props of a serving workload. */
export interface PortProps {
  readonly port?: number;
  readonly servicePort?: number;
  readonly ports?: WorkloadPort[];
  readonly ingressFrom?: NetworkPeer[];
}

/**
 * Validates a serving workload's ports: either `ports`, or the single `port` (named "http") and
 * `servicePort`. Refuses duplicate names and numbers and names that are not IANA service names.
 */
export function resolvePorts(scope: IConstruct, props: PortProps, defaults: { port: number; servicePort: number }): ResolvedPort[] {
  const ingressFrom = props.ingressFrom ?? [NetworkPeer.sameNamespace()];
  if (props.ports === undefined) {
    const port = props.port ?? defaults.port;
    checkInteger(scope, 'port', port, 1, 65535, `use a port from 1 to 65535 (${defaults.port} by default)`);
    const servicePort = props.servicePort ?? defaults.servicePort;
    checkInteger(scope, 'servicePort', servicePort, 1, 65535, 'use a port from 1 to 65535 (the container port by default)');
    return [{ name: 'http', port, servicePort, protocol: NetworkProtocol.TCP, peers: ingressFrom, prop: 'ingressFrom' }];
  }
  for (const single of ['port', 'servicePort'] as const) {
    if (props[single] !== undefined) {
      throw propError(scope, single, props[single], '`ports` lists every port, so a separate `port`/`servicePort` is ambiguous', `remove ${single} and give the port in \`ports\` (the first entry is the main port)`);
    }
  }
  if (!Array.isArray(props.ports) || props.ports.length === 0) {
    throw propError(scope, 'ports', props.ports, 'a serving workload needs at least one port', 'list the ports, e.g. ports: [{ name: "http", port: 8080 }]');
  }
  const seen = new PortRegistry(scope);
  return props.ports.map((p, i) => seen.add(p, `ports[${i}]`, ingressFrom));
}

/** The names and numbers of a pod's ports so far: each new one is validated and refused when taken. */
class PortRegistry {
  private readonly names = new Map<string, string>();
  private readonly numbers = new Map<string, string>();
  private readonly servicePorts = new Map<string, string>();

  constructor(private readonly scope: IConstruct) {}

  /** Records ports resolved elsewhere (the workload's own), so a sidecar's port cannot reuse them. */
  public seed(ports: ResolvedPort[]): void {
    for (const p of ports) {
      const owner = p.container ? `sidecar ${p.container}` : p.prop === 'ingressFrom' ? 'the main container' : p.prop.replace(/\.ingressFrom$|\.scraper$/, '');
      this.names.set(p.name, owner);
      this.numbers.set(`${p.port}/${p.protocol}`, owner);
      this.servicePorts.set(`${p.servicePort}/${p.protocol}`, owner);
    }
  }

  /** Validates one `WorkloadPort` at `prop` and records it. */
  public add(p: WorkloadPort, prop: string, ingressFrom: NetworkPeer[], container?: string): ResolvedPort {
    const scope = this.scope;
    if (!isPortName(p?.name)) {
      throw propError(scope, `${prop}.name`, p?.name, 'not an IANA service name (at most 15 characters: lower-case letters, digits and "-", at least one letter, no "-" at either end or twice in a row)',
        'use a name such as "http", "grpc", "metrics" or "tcp-redis"');
    }
    checkInteger(scope, `${prop}.port`, p.port, 1, 65535, 'use a port from 1 to 65535');
    const servicePort = p.servicePort ?? p.port;
    checkInteger(scope, `${prop}.servicePort`, servicePort, 1, 65535, 'use a port from 1 to 65535');
    const protocol = p.protocol ?? NetworkProtocol.TCP;
    if (!Object.values(NetworkProtocol).includes(protocol)) {
      throw propError(scope, `${prop}.protocol`, protocol, 'not a protocol', 'use NetworkProtocol.TCP, UDP or SCTP');
    }
    if (p.appProtocol !== undefined && (typeof p.appProtocol !== 'string' || p.appProtocol.length > 63 + 254 || !APP_PROTOCOL.test(p.appProtocol))) {
      throw propError(scope, `${prop}.appProtocol`, p.appProtocol, 'not an application protocol (an IANA service name, or a name prefixed by a domain)', 'write it like "http", "grpc" or "kubernetes.io/h2c"');
    }
    const dup = (map: Map<string, string>, key: string, what: string, fix: string) => {
      const other = map.get(key);
      if (other) throw propError(scope, prop, p.name, `${what} is used by ${other} too`, fix);
      map.set(key, prop);
    };
    dup(this.names, p.name, `the name ${JSON.stringify(p.name)}`, 'give each port of the pod its own name');
    dup(this.numbers, `${p.port}/${protocol}`, `container port ${p.port}/${protocol}`, 'give each port of the pod its own number (containers of a pod share one network namespace)');
    dup(this.servicePorts, `${servicePort}/${protocol}`, `Service port ${servicePort}/${protocol}`, 'give each port its own servicePort');
    return {
      name: p.name, port: p.port, servicePort, protocol, appProtocol: p.appProtocol, peers: p.ingressFrom ?? ingressFrom,
      prop: p.ingressFrom ? `${prop}.ingressFrom` : 'ingressFrom', ...(container ? { container } : {}),
    };
  }
}

/** Inputs of `resolveSidecarPorts`: the sidecars of a serving workload and its `ingressFrom`. */
export interface SidecarPortProps {
  /**
   * The workload's sidecars.
   * @default - none
   */
  readonly sidecars?: Array<{ name: string; ports?: WorkloadPort[] }>;
  /**
   * The workload's `ingressFrom`, for ports that name none.
   * @default - [NetworkPeer.sameNamespace()]
   */
  readonly ingressFrom?: NetworkPeer[];
}

/**
 * The ports sidecars declare (`sidecars[i].ports`), validated exactly like the workload's own:
 * each a container port on that sidecar, a Service port of the same name and its own ingress
 * rule. A name or number another container of the pod uses is refused (the containers of a
 * pod share one network namespace).
 */
export function resolveSidecarPorts(scope: IConstruct, props: SidecarPortProps, workloadPorts: ResolvedPort[]): ResolvedPort[] {
  const ingressFrom = props.ingressFrom ?? [NetworkPeer.sameNamespace()];
  const seen = new PortRegistry(scope);
  seen.seed(workloadPorts);
  const out: ResolvedPort[] = [];
  (Array.isArray(props.sidecars) ? props.sidecars : []).forEach((sidecar, i) => {
    const ports = sidecar?.ports;
    if (ports === undefined) return;
    if (!Array.isArray(ports)) {
      throw propError(scope, `sidecars[${i}].ports`, ports, 'must be a list of ports', 'write it like ports: [{ name: "metrics", port: 9090 }]');
    }
    ports.forEach((p, j) => out.push(seen.add(p, `sidecars[${i}].ports[${j}]`, ingressFrom, sidecar.name)));
  });
  return out;
}

/** Container ports of resolved ports. */
export function containerPorts(ports: ResolvedPort[]): k8s.ContainerPort[] {
  return ports.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol }));
}

/** Service ports of resolved ports: same name, targeting the container port by name. */
export function servicePorts(ports: ResolvedPort[]): k8s.ServicePort[] {
  return ports.map(p => ({
    name: p.name,
    port: p.servicePort,
    targetPort: kube.intOrString(p.name),
    protocol: p.protocol,
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  }));
}

/** One ingress rule per port, from the port's peers; with external access, also from the client ranges. */
export function ingressRules(ports: ResolvedPort[], external?: NetworkPeer[]): WorkloadIngressRule[] {
  return ports.map(p => ({
    ports: [{ port: p.port, protocol: p.protocol }],
    peers: [...p.peers, ...(p.internal ? [] : external ?? [])],
    prop: p.prop,
  }));
}

/** Validates `serviceType` and `externalAccess` together. */
export function resolveExposure(scope: IConstruct, serviceType: ServiceType | undefined, access: ExternalAccess | undefined): { type: ServiceType; access?: ExternalAccess; clients?: NetworkPeer[] } {
  const type = serviceType ?? ServiceType.CLUSTER_IP;
  if (!Object.values(ServiceType).includes(type)) {
    throw propError(scope, 'serviceType', type, 'not a Service type this library emits (ExternalName Services run no pods)', 'use ServiceType.CLUSTER_IP, NODE_PORT or LOAD_BALANCER');
  }
  if (type === ServiceType.CLUSTER_IP) {
    if (access !== undefined) {
      throw propError(scope, 'externalAccess', access.reason, 'a ClusterIP Service is not reachable from outside the cluster', 'set serviceType: ServiceType.LOAD_BALANCER or NODE_PORT, or remove externalAccess');
    }
    return { type };
  }
  if (!access || typeof access.reason !== 'string' || access.reason.trim().length < 10) {
    throw propError(scope, 'externalAccess', access?.reason, `a ${type} Service exposes the app outside the cluster, which needs a written reason of at least 10 characters`,
      'add externalAccess: { reason: "public storefront behind the cloud load balancer", clientRanges: ["0.0.0.0/0"] }');
  }
  if (!Array.isArray(access.clientRanges) || access.clientRanges.length === 0) {
    throw propError(scope, 'externalAccess.clientRanges', access.clientRanges, 'no client ranges: the NetworkPolicy would let no outside client in',
      'list the CIDRs clients connect from, e.g. ["203.0.113.0/24"], or ["0.0.0.0/0", "::/0"] for the whole internet');
  }
  const clients = access.clientRanges.map(cidr => NetworkPeer.ipBlock(cidr));
  return { type, access, clients };
}

/** Options of `createService`. */
export interface ServiceOptions {
  readonly metadata: { readonly name: string; readonly labels: { [key: string]: string } };
  readonly selector: { [key: string]: string };
  readonly ports: ResolvedPort[];
  readonly type: ServiceType;
  readonly clientRanges?: string[];
}

/**
 * The Service of a serving workload: dual-stack where the cluster supports it, one port per
 * workload port. A NodePort or LoadBalancer Service keeps the client's address
 * (`externalTrafficPolicy: Local`), so the NetworkPolicy's client ranges see the real source
 * rather than a node's address after SNAT; a LoadBalancer also filters by the client ranges.
 */
export function createService(scope: Construct, id: string, options: ServiceOptions): k8s.KubeService {
  const external = options.type !== ServiceType.CLUSTER_IP;
  return new kube.KubeService(scope, id, {
    metadata: options.metadata,
    spec: {
      type: options.type,
      ipFamilyPolicy: 'PreferDualStack',
      selector: options.selector,
      ports: servicePorts(options.ports),
      ...(external ? { externalTrafficPolicy: 'Local' } : {}),
      ...(options.type === ServiceType.LOAD_BALANCER ? { loadBalancerSourceRanges: options.clientRanges } : {}),
    },
  });
}
