/* Wiring after construction: `connections.allowFrom` / `allowTo` on every workload. */
import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { INetworkPeer, INetworkTarget, NetworkPeer, NetworkProtocol } from './network';
import { validateOptions } from './props';
import { CONNECTION_OPTIONS } from './schemas';
import { checkInteger } from './validation';

/** Which port of the callee a connection opens. Give at most one of `port` and `portName`. */
export interface ConnectionOptions {
  /**
   * The port number the callee's pods listen on (a container port, not a Service port). For a
   * workload of this library it must be one of its ports.
   * @default - a workload's main port (a SharedService's first port); for other peers the
   *   peer's own `ports`, else every port
   */
  readonly port?: number;
  /**
   * The name of a port of the callee (e.g. "grpc", "metrics"), instead of `port`. For a peer
   * that is not a workload of this library, a named port resolved on the destination pods.
   * @default - see `port`
   */
  readonly portName?: string;
}

/** A port a workload serves. */
export interface ServedPort {
  /** The container port's name. */
  readonly name: string;
  /** The container port. */
  readonly port: number;
  /** Its protocol. */
  readonly protocol: NetworkProtocol;
}

/** A port a connection opens: a number, or a name resolved on the destination pods. */
interface OpenPort {
  readonly port: number | string;
  readonly protocol: NetworkProtocol;
}

/** Something whose pods a connection can reach other than one workload: a SharedService. @internal */
export interface IConnectionGroup {
  /** The ports the group serves, by name (the members' container port names). */
  readonly servedPortNames: ServedPort[];
  /** Calls `apply` for every member now and every member added later. */
  forEachMember(apply: (member: INetworkTarget) => void): void;
}

const CONNECTIONS = new WeakMap<object, Connections>();
const GROUPS = new WeakMap<object, IConnectionGroup>();

/** The connections of a workload of this library, if `target` is one. */
export function connectionsOf(target: object | undefined): Connections | undefined {
  return target ? CONNECTIONS.get(target) : undefined;
}

/** Registers the members of a group (a SharedService) as the other side of its connections. @internal */
export function registerConnectionGroup(peer: NetworkPeer, group: IConnectionGroup): void {
  GROUPS.set(peer, group);
}

function toPeer(scope: IConstruct, prop: string, peer: INetworkPeer): NetworkPeer {
  const p = typeof peer?.toNetworkPeer === 'function' ? peer.toNetworkPeer() : undefined;
  if (!(p instanceof NetworkPeer)) {
    throw propError(scope, prop, (peer as unknown as IConstruct | undefined)?.node?.path ?? peer, 'not a network peer',
      'pass a workload of this library (SecureApp, StatefulApp, Worker, BatchJob), a SharedService or a NetworkPeer (NetworkPeer.pods(...), .namespace(...), .ipBlock(...), ...)');
  }
  return p;
}

const key = (x: unknown) => JSON.stringify(x);

/**
 * The network connections of a workload. Every call adds a rule to the workload's NetworkPolicy
 * (rendered at synth, so calls may come in any order, before or after the peer is defined); between
 * two workloads of this library one call opens both sides: the caller's egress and the callee's
 * ingress, on exactly the port named.
 *
 * ```ts
 * web.connections.allowTo(api);                                      // api's main port
 * web.connections.allowTo(api, { portName: 'grpc' });
 * api.connections.allowFrom(NetworkPeer.namespace('monitoring'), { port: 9100 });
 * ```
 */
export class Connections {
  private readonly ingress = new Map<string, k8s.NetworkPolicyIngressRule>();
  private readonly egress = new Map<string, k8s.NetworkPolicyEgressRule>();

  /**
   * @param owner the workload
   * @param served the ports it serves (none for a Worker without metrics, or a BatchJob)
   * @param main its main port, the default of calls to it
   * @internal
   */
  constructor(private readonly owner: INetworkTarget, private readonly served: ServedPort[], private readonly main?: ServedPort) {
    CONNECTIONS.set(owner, this);
  }

  /**
   * Lets `peer` connect to this workload on `options`' port (default: the main port). When the
   * peer is a workload of this library (or a SharedService), its egress to this one opens too.
   */
  public allowFrom(peer: INetworkPeer, options: ConnectionOptions = {}): void {
    const prop = 'connections.allowFrom';
    validateOptions(this.owner, `${prop} options`, CONNECTION_OPTIONS, options);
    const p = toPeer(this.owner, prop, peer);
    // A workload peer's ports are its own (the default of calls to it), not a port of this one.
    if (p._hasPorts && !p._target) {
      throw propError(this.owner, prop, p.description, 'the peer\'s `ports` apply to egress only; allowFrom opens a port of this workload', 'remove `ports` from the peer and pass { port } or { portName } to allowFrom');
    }
    const port = this._resolvePort(this.owner, prop, options);
    this._addIngress(p._peer(this.owner), port);
    const caller = connectionsOf(p._target);
    if (caller) caller._addEgress(NetworkPeer.workload(this.owner)._peer(caller.owner), [port]);
    GROUPS.get(p)?.forEachMember((m) => {
      const member = connectionsOf(m);
      member?._addEgress(NetworkPeer.workload(this.owner)._peer(member.owner), [port]);
    });
  }

  /**
   * Lets this workload connect to `peer`. To a workload of this library: on `options`' port
   * (default: its main port), and the callee's ingress from this workload opens too; to a
   * SharedService: on its port (default: the first), and every member's ingress opens; to other
   * peers: on `options`' port, else the peer's own `ports`, else every port.
   */
  public allowTo(peer: INetworkPeer, options: ConnectionOptions = {}): void {
    const prop = 'connections.allowTo';
    validateOptions(this.owner, `${prop} options`, CONNECTION_OPTIONS, options);
    const p = toPeer(this.owner, prop, peer);
    const callee = connectionsOf(p._target);
    const group = GROUPS.get(p);
    if (callee) {
      const port = callee._resolvePort(this.owner, prop, options, p._target!.node.path);
      this._addEgress(p._peer(this.owner), [port]);
      callee._addIngress(NetworkPeer.workload(this.owner)._peer(callee.owner), port);
      return;
    }
    if (group) {
      const port = resolveAmong(this.owner, prop, options, group.servedPortNames, group.servedPortNames[0], (p._source ?? this.owner).node.path, true);
      this._addEgress(p._peer(this.owner), [port]);
      group.forEachMember((m) => {
        const member = connectionsOf(m);
        member?._addIngress(NetworkPeer.workload(this.owner)._peer(member.owner), port);
      });
      return;
    }
    checkOptions(this.owner, prop, options);
    let ports: k8s.NetworkPolicyPort[] | undefined;
    if (options.port !== undefined || options.portName !== undefined) {
      if (p._hasPorts) {
        throw propError(this.owner, prop, p.description, 'ports are given twice (on the peer and in the options)', 'give the port in one place');
      }
      if (options.port !== undefined) checkInteger(this.owner, `${prop} port`, options.port, 1, 65535, 'use a port from 1 to 65535');
      ports = [{ port: kube.intOrString(options.port ?? options.portName!), protocol: NetworkProtocol.TCP }];
    } else {
      ports = p._ports(this.owner, prop);
    }
    this._addEgressRule({ to: [p._peer(this.owner)], ports });
  }

  /** The port of this workload `options` names, validated. @internal */
  public _resolvePort(caller: IConstruct, prop: string, options: ConnectionOptions, calleePath?: string): OpenPort {
    return resolveAmong(caller, prop, options, this.served, this.main, calleePath ?? this.owner.node.path, false);
  }

  /** @internal */
  public _addIngress(peer: k8s.NetworkPolicyPeer, port: OpenPort): void {
    const rule = { from: [peer], ports: [{ port: kube.intOrString(port.port), protocol: port.protocol }] };
    this.ingress.set(key(rule), rule);
  }

  /** @internal */
  public _addEgress(peer: k8s.NetworkPolicyPeer, ports: OpenPort[]): void {
    this._addEgressRule({ to: [peer], ports: ports.map(p => ({ port: kube.intOrString(p.port), protocol: p.protocol })) });
  }

  private _addEgressRule(rule: k8s.NetworkPolicyEgressRule): void {
    this.egress.set(key(rule), rule);
  }

  /** Ingress rules added by calls, in call order. @internal */
  public get _ingressRules(): k8s.NetworkPolicyIngressRule[] {
    return [...this.ingress.values()];
  }

  /** Egress rules added by calls, in call order. @internal */
  public get _egressRules(): k8s.NetworkPolicyEgressRule[] {
    return [...this.egress.values()];
  }
}

function checkOptions(scope: IConstruct, prop: string, options: ConnectionOptions): void {
  if (options.port !== undefined && options.portName !== undefined) {
    throw propError(scope, prop, options, 'both port and portName are given', 'give one: { port: 9090 } or { portName: "grpc" }');
  }
  if (options.portName !== undefined && (typeof options.portName !== 'string' || options.portName === '')) {
    throw propError(scope, `${prop} portName`, options.portName, 'not a port name', 'give the name of a port, e.g. { portName: "grpc" }');
  }
}

/** The port `options` names among `served` (default `main`); `byName` opens it by name (a SharedService's members may differ in numbers). */
function resolveAmong(scope: IConstruct, prop: string, options: ConnectionOptions, served: ServedPort[], main: ServedPort | undefined,
  calleePath: string, byName: boolean): OpenPort {
  checkOptions(scope, prop, options);
  const list = served.map(s => `${s.name} (${s.port}/${s.protocol})`).join(', ');
  if (served.length === 0) {
    throw propError(scope, prop, calleePath, 'the callee serves no port (a Worker or BatchJob takes no connections)',
      'connect the other way round (callee.connections.allowTo(caller)), or give the callee a port');
  }
  let found: ServedPort | undefined;
  if (options.portName !== undefined) {
    found = served.find(s => s.name === options.portName);
    if (!found) throw propError(scope, `${prop} portName`, options.portName, `${calleePath} has no port of that name (its ports: ${list})`, 'name one of its ports, or add the port to it');
  } else if (options.port !== undefined) {
    found = served.find(s => s.port === options.port);
    if (!found) {
      throw propError(scope, `${prop} port`, options.port, `${calleePath} ${byName ? 'has no such Service port' : 'does not listen on it'} (its ports: ${list})`,
        byName ? 'give one of its ports, or { portName }' : 'give one of its container ports (not a Service port), or add the port to it');
    }
  } else {
    found = main;
    if (!found) throw propError(scope, prop, calleePath, `the callee has no main port (its ports: ${list})`, 'name the port: { portName: "..." }');
  }
  return { port: byName ? found.name : found.port, protocol: found.protocol };
}
