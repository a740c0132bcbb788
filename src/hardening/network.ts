import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import type { Connections } from './connections';
import { propError } from './errors';
import { checkDnsLabel, checkInteger, isLabelKey, isLabelValue } from './validation';
import { anything, arrayOf, enumOf, optional, safeText, str, struct, validateOptions } from './props';

/** Transport protocol of a network rule. */
export enum NetworkProtocol {
  /** TCP */
  TCP = 'TCP',
  /** UDP */
  UDP = 'UDP',
  /** SCTP */
  SCTP = 'SCTP',
}

/** Ports for an egress destination. */
export interface NetworkPeerOptions {
  /**
   * Destination ports allowed for egress. Ignored for ingress, where the port is always the
   * workload's own port.
   * @default - for `NetworkPeer.workload`, its port; otherwise every port
   */
  readonly ports?: number[];
  /**
   * Protocol of `ports`.
   * @default NetworkProtocol.TCP
   */
  readonly protocol?: NetworkProtocol;
}

/** Options of `NetworkPeer.pods`. */
export interface PodsPeerOptions extends NetworkPeerOptions {
  /**
   * Namespace of the pods.
   * @default - the namespace of the workload whose policy names this peer
   */
  readonly namespace?: string;
}

/** Options of `NetworkPeer.ipBlock`. */
export interface IpBlockPeerOptions extends NetworkPeerOptions {
  /**
   * CIDRs inside `cidr` to leave out.
   * @default - none
   */
  readonly except?: string[];
}

/** Options of `NetworkPeer.apiServer`. */
export interface ApiServerPeerOptions {
  /**
   * Ports of the API server endpoint.
   * @default [443, 6443]
   */
  readonly ports?: number[];
}

/**
 * Anything `connections.allowFrom` / `allowTo` accept: a `NetworkPeer`, a workload of this
 * library (SecureApp, StatefulApp, Worker, BatchJob) or a SharedService.
 */
export interface INetworkPeer {
  /** The peer as a NetworkPeer. */
  toNetworkPeer(): NetworkPeer;
}

/** A workload that other workloads can name as a network peer (SecureApp implements it). */
export interface INetworkTarget extends IConstruct {
  /** Labels that select exactly the workload's pods. */
  readonly podSelectorLabels: { [key: string]: string };
  /** Namespace of the workload, when known. */
  readonly namespace?: string;
  /** The port the workload's pods listen on, when they serve traffic. */
  readonly port?: number;
}

const CIDR4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const CIDR6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/** Whether IPv4 CIDR `inner` lies inside IPv4 CIDR `outer`. */
function ipv4Contains(outer: string, inner: string): boolean {
  const parse = (c: string): [number, number] => {
    const [ip, bits] = c.split('/');
    return [ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0), Number(bits)];
  };
  const [o, ob] = parse(outer);
  const [i, ib] = parse(inner);
  const block = 2 ** (32 - ob);
  return ib >= ob && Math.floor(i / block) === Math.floor(o / block);
}

/** Runtime schema of the options of every NetworkPeer factory (checked when a workload uses the peer). */
const PEER_OPTIONS = struct({
  ports: optional(anything), // checked by _ports, which names the prop the peer is in
  protocol: optional(enumOf(NetworkProtocol, 'NetworkProtocol')),
  namespace: optional(str()),
  except: optional(arrayOf(str())),
}, 'NetworkPeerOptions');

/**
 * Who may talk to a workload (`ingressFrom`) or whom it may reach (`egressTo`). Everything
 * not named is denied: every workload gets a NetworkPolicy for both directions.
 */
export class NetworkPeer implements INetworkPeer {
  /** Every pod in the workload's own namespace. */
  public static sameNamespace(options: NetworkPeerOptions = {}): NetworkPeer {
    return new NetworkPeer('sameNamespace', () => ({ podSelector: {} }), options);
  }

  /** Every pod in the namespace `name`. */
  public static namespace(name: string, options: NetworkPeerOptions = {}): NetworkPeer {
    return new NetworkPeer(`namespace ${safeText(name)}`, (scope) => {
      checkDnsLabel(scope, 'namespace peer', name);
      return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } };
    }, options);
  }

  /**
   * Every pod in every namespace whose labels include all of `labels` (e.g.
   * `{ 'kubernetes.io/metadata.name': 'monitoring' }`, or a team label).
   */
  public static namespaces(labels: { [key: string]: string }, options: NetworkPeerOptions = {}): NetworkPeer {
    return new NetworkPeer(`namespaces ${safeText(labels)}`, (scope) => {
      checkLabels(scope, 'NetworkPeer.namespaces', labels, 'every namespace', 'NetworkPeer.allNamespaces()');
      return { namespaceSelector: { matchLabels: { ...labels } } };
    }, options);
  }

  /**
   * Every pod in every namespace of the cluster (admission webhooks called by the API server
   * through the cluster network, metrics scrapers of unknown placement). Not addresses outside
   * the cluster: use `ipBlock` for those.
   */
  public static allNamespaces(options: NetworkPeerOptions = {}): NetworkPeer {
    return new NetworkPeer('every namespace', () => ({ namespaceSelector: {} }), options);
  }

  /**
   * The Kubernetes API server, for a workload that calls it with its API token. NetworkPolicies
   * see the connection after the `kubernetes` Service IP is translated to the API server's
   * endpoints, so give the endpoint address (`kubectl get endpointslices -n default -l
   * kubernetes.io/service-name=kubernetes`), not the Service IP: an IP (a /32 or /128 is
   * added) or a CIDR. Ports 443 and 6443 by default.
   */
  public static apiServer(endpoint: string, options: ApiServerPeerOptions = {}): NetworkPeer {
    const cidr = typeof endpoint === 'string' && !endpoint.includes('/') ? `${endpoint}/${endpoint.includes(':') ? 128 : 32}` : endpoint;
    const peer = NetworkPeer.ipBlock(cidr, { ports: options?.ports ?? [443, 6443] });
    return new NetworkPeer(`API server ${safeText(endpoint)}`, (scope) => {
      try {
        return peer._peer(scope);
      } catch {
        throw propError(scope, 'NetworkPeer.apiServer', endpoint, 'not an IP address or CIDR',
          'give the API server endpoint address, e.g. "10.0.0.10" (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)');
      }
    }, { ports: options?.ports ?? [443, 6443] });
  }

  /** Pods with all of `labels`, in the workload's namespace or in `options.namespace`. */
  public static pods(labels: { [key: string]: string }, options: PodsPeerOptions = {}): NetworkPeer {
    return new NetworkPeer(`pods ${safeText(labels)}`, (scope) => {
      checkLabels(scope, 'NetworkPeer.pods', labels, 'every pod', 'NetworkPeer.sameNamespace()');
      if (options.namespace) checkDnsLabel(scope, 'NetworkPeer.pods namespace', options.namespace);
      return {
        podSelector: { matchLabels: { ...labels } },
        ...(options.namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': options.namespace } } } : {}),
      };
    }, options);
  }

  /** The pods of another workload of this library (for egress: on its port). */
  public static workload(target: INetworkTarget, options: NetworkPeerOptions = {}): NetworkPeer {
    const peer = new NetworkPeer(`workload ${target.node.path}`, () => ({
      podSelector: { matchLabels: { ...target.podSelectorLabels } },
      ...(target.namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': target.namespace } } } : {}),
    }), { ...options, ports: options?.ports ?? (target.port ? [target.port] : undefined) });
    peer._target = target;
    return peer;
  }

  /**
   * A peer rendered by `render` (for constructs of this library that select pods their own way,
   * e.g. a SharedService's members).
   * @internal
   */
  public static _custom(description: string, render: (scope: IConstruct) => k8s.NetworkPolicyPeer): NetworkPeer {
    return new NetworkPeer(description, render, {});
  }

  /** The workload this peer names, when it names one (`workload`). @internal */
  public _target?: INetworkTarget;
  /** The construct behind the peer when it is not a workload (a SharedService). @internal */
  public _source?: IConstruct;

  /** Addresses in a CIDR range (outside the cluster's pod network: pod IPs change). */
  public static ipBlock(cidr: string, options: IpBlockPeerOptions = {}): NetworkPeer {
    return new NetworkPeer(`ipBlock ${safeText(cidr)}`, (scope) => {
      for (const c of [cidr, ...(options.except ?? [])]) {
        if (typeof c !== 'string' || (!CIDR4.test(c) && !CIDR6.test(c))) {
          throw propError(scope, 'NetworkPeer.ipBlock', c, 'not a CIDR', 'write it like "203.0.113.0/24" or "2001:db8::/32"');
        }
      }
      for (const e of options.except ?? []) {
        if (CIDR4.test(cidr) !== CIDR4.test(e) || (CIDR4.test(cidr) && !ipv4Contains(cidr, e))) {
          throw propError(scope, 'NetworkPeer.ipBlock except', e, `not inside ${cidr} (the API server refuses an except range outside the block)`, `use ranges inside ${cidr}`);
        }
      }
      return { ipBlock: { cidr, except: options.except } };
    }, options);
  }

  private constructor(
    /** A short description, for error messages. */
    public readonly description: string,
    private readonly render: (scope: IConstruct) => k8s.NetworkPolicyPeer,
    private readonly options: NetworkPeerOptions,
  ) {}

  /** This peer. */
  public toNetworkPeer(): NetworkPeer {
    return this;
  }

  /** @internal */
  public _peer(scope: IConstruct): k8s.NetworkPolicyPeer {
    validateOptions(scope, `NetworkPeer ${this.description} options`, PEER_OPTIONS, this.options);
    return this.render(scope);
  }

  /** @internal */
  public _ports(scope: IConstruct, prop: string): k8s.NetworkPolicyPort[] | undefined {
    if (!this.options?.ports) return undefined; // null options are refused by _peer
    if (!Array.isArray(this.options.ports) || this.options.ports.length === 0) {
      throw propError(scope, `${prop} ports`, this.options.ports, 'an empty port list allows every port (Kubernetes reads `ports: []` as "all ports")',
        'list the ports, or leave `ports` out to allow every port deliberately');
    }
    return this.options.ports.map(port => {
      checkInteger(scope, `${prop} port`, port, 1, 65535, 'use a port from 1 to 65535');
      return { port: kube.intOrString(port), protocol: this.options.protocol ?? NetworkProtocol.TCP };
    });
  }

  /** @internal */
  public get _hasPorts(): boolean {
    return this.options?.ports !== undefined; // null options are refused by _peer
  }
}

/** Validates a label selector of a peer: at least one label, valid keys and values. */
function checkLabels(scope: IConstruct, prop: string, labels: { [key: string]: string }, what: string, everything: string): void {
  if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
    throw propError(scope, prop, labels, `an empty label set selects ${what}`, `name at least one label, or use ${everything}`);
  }
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key) || typeof value !== 'string' || !isLabelValue(value)) {
      throw propError(scope, prop, { [key]: value }, 'not a valid label selector (keys: [prefix/]name of letters, digits, "-", "_", "."; values: at most 63 such characters)',
        'write it like { "app.kubernetes.io/name": "api" }');
    }
  }
}

/** Where cluster DNS runs: CoreDNS/kube-dns pods in kube-system, on port 53. */
const DNS_EGRESS: k8s.NetworkPolicyEgressRule = {
  to: [{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
    podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
  }],
  ports: [
    { protocol: 'UDP', port: kube.intOrString(53) },
    { protocol: 'TCP', port: kube.intOrString(53) },
  ],
};

/** A port of a workload's NetworkPolicy rule. */
export interface PolicyPort {
  readonly port: number;
  readonly protocol: string;
}

/** An ingress rule of a workload: these peers may connect on these ports. */
export interface WorkloadIngressRule {
  readonly ports: PolicyPort[];
  readonly peers: NetworkPeer[];
  /** The prop the peers come from, for error messages. */
  readonly prop?: string;
}

/** An egress rule to fixed peers on fixed ports (e.g. a StatefulApp's own pods). */
export interface WorkloadEgressRule {
  readonly ports: PolicyPort[];
  readonly to: k8s.NetworkPolicyPeer[];
}

/** Options of a workload's NetworkPolicy. */
export interface WorkloadNetworkPolicyOptions {
  readonly name: string;
  readonly labels: { [key: string]: string };
  /**
   * The one label that selects the workload's pods. Polaris accepts a policy only when it
   * selects on exactly one of the pod's labels; `app.kubernetes.io/instance` is unique.
   */
  readonly podSelector: { [key: string]: string };
  /** Who may connect, on which ports; none when the workload takes no traffic. */
  readonly ingress?: WorkloadIngressRule[];
  /** Declared egress destinations, besides DNS. */
  readonly egress: NetworkPeer[];
  /** Egress rules the construct itself needs, besides `egress`. */
  readonly extraEgress?: WorkloadEgressRule[];
  /** Rules added after construction (`connections.allowFrom` / `allowTo`), rendered at synth. */
  readonly connections?: Connections;
}

const policyPorts = (ports: PolicyPort[]): k8s.NetworkPolicyPort[] => ports.map(p => ({ protocol: p.protocol, port: kube.intOrString(p.port) }));

/**
 * The workload's NetworkPolicy: selects exactly its pods, lists both policy types (so whatever
 * is not allowed here is denied), allows ingress only on its ports from the declared peers and
 * egress only to DNS plus the declared destinations.
 */
export function createWorkloadNetworkPolicy(scope: Construct, id: string, options: WorkloadNetworkPolicyOptions): k8s.KubeNetworkPolicy {
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  for (const rule of options.ingress ?? []) {
    for (const peer of rule.peers) {
      if (peer._hasPorts) {
        throw propError(scope, rule.prop ?? 'ingressFrom', peer.description, 'ports apply to egress only; ingress is always on the workload\'s port', 'remove `ports` from this peer');
      }
    }
    // An empty `from` would allow every source: with no peers there is no rule at all.
    if (rule.peers.length > 0) {
      ingress.push({ from: rule.peers.map(p => p._peer(scope)), ports: policyPorts(rule.ports) });
    }
  }
  const egress: k8s.NetworkPolicyEgressRule[] = [DNS_EGRESS, ...options.egress.map(peer => ({
    to: [peer._peer(scope)],
    ports: peer._ports(scope, 'egressTo'),
  })), ...(options.extraEgress ?? []).map(r => ({ to: r.to, ports: policyPorts(r.ports) }))];
  const connections = options.connections;
  return new kube.KubeNetworkPolicy(scope, id, {
    metadata: { name: options.name, labels: options.labels },
    spec: Lazy.any({
      produce: (): k8s.NetworkPolicySpec => {
        const allIngress = [...ingress, ...connections?._ingressRules ?? []];
        return {
          podSelector: { matchLabels: options.podSelector },
          policyTypes: ['Ingress', 'Egress'],
          ingress: allIngress.length > 0 ? allIngress : undefined,
          egress: [...egress, ...connections?._egressRules ?? []],
        };
      },
    }) as k8s.NetworkPolicySpec,
  });
}
