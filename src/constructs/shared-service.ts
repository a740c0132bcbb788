import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { propError } from '../hardening/errors';
import { recommendedLabels, appNameLabel, partOfLabel } from '../hardening/labels';
import { registerConnectionGroup } from '../hardening/connections';
import { INetworkPeer, INetworkTarget, NetworkPeer, NetworkProtocol } from '../hardening/network';
import { hardenedPodOf } from '../hardening/pod';
import { createService, isPortName, ServiceType } from '../hardening/ports';
import { checkDnsLabel, checkInteger, derivedName } from '../hardening/validation';
import { sameCopies } from '../hardening/single-copy';
import { arrayOf, construct, enumOf, optional, str, struct, validateProps } from '../hardening/props';
import { PORT } from '../hardening/schemas';

/** A workload that can stand behind a SharedService: SecureApp and StatefulApp. */
export interface IServiceMember extends INetworkTarget {
  /** The workload's own ServiceAccount. */
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** Names of the workload's container ports. */
  readonly portNames: string[];
}

/** A port of a SharedService. */
export interface SharedServicePort {
  /** Name of the port; every member must have a container port of this name, which the Service targets. */
  readonly name: string;
  /** Port of the Service. */
  readonly port: number;
  /**
   * Transport protocol.
   * @default NetworkProtocol.TCP
   */
  readonly protocol?: NetworkProtocol;
  /**
   * Application protocol of the Service port (`appProtocol`).
   * @default - none
   */
  readonly appProtocol?: string;
}

/** Props of a SharedService. */
export interface SharedServiceProps {
  /**
   * `metadata.name` of the Service (the DNS name clients use).
   * @default - derived from the construct path
   */
  readonly name?: string;
  /** The Service's ports. */
  readonly ports: SharedServicePort[];
  /**
   * Workloads behind the Service (more can be added with `addMember`).
   * @default - none until `addMember` is called
   */
  readonly members?: IServiceMember[];
}

/** Label prefix of SharedService membership; the key's name part is the Service name. */
export const SHARED_SERVICE_LABEL_PREFIX = 'service.hardened.cdk8s.io/';

/** Runtime schema of SharedServiceProps (type, range and format of every prop). */
const SHARED_SERVICE_SCHEMA = struct({
  name: optional(str()),
  ports: arrayOf(struct({
    name: str(),
    port: PORT,
    protocol: optional(enumOf(NetworkProtocol, 'NetworkProtocol')),
    appProtocol: optional(str()),
  }, 'SharedServicePort')),
  members: optional(arrayOf(construct('a workload of this library (SecureApp, StatefulApp, Worker)', 'pass workloads of this library, or call addMember(app)'))),
}, 'SharedServiceProps');

/**
 * One ClusterIP Service in front of several workloads (the versions v1, v2, v3 of one app
 * behind `reviews`). Its selector is exact: one label, `service.hardened.cdk8s.io/<name>`, that
 * only the members' pod templates carry, so no other pod can join by accident. Each member keeps
 * its own Service and NetworkPolicy; every member must have a container port for each of the
 * Service's port names (ingress to it is governed by the member's own NetworkPolicy).
 */
export class SharedService extends Construct implements INetworkPeer {
  /** The Service. */
  public readonly service: k8s.KubeService;
  /** `metadata.name` of the Service. */
  public readonly name: string;
  /** The selector: the membership label. */
  public readonly selector: { [key: string]: string };
  private readonly ports: SharedServicePort[];
  private readonly members: IServiceMember[] = [];
  private readonly memberHooks: ((member: INetworkTarget) => void)[] = [];

  constructor(scope: Construct, id: string, props: SharedServiceProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, SHARED_SERVICE_SCHEMA, props);
    if (props?.name !== undefined) checkDnsLabel(this, 'name', props.name);
    this.name = props?.name ?? derivedName(this);
    if (!props || !Array.isArray(props.ports) || props.ports.length === 0) {
      throw propError(this, 'ports', props?.ports, 'a Service needs at least one port', 'list the ports, e.g. ports: [{ name: "http", port: 9080 }]');
    }
    const seen = new Set<string>();
    props.ports.forEach((p, i) => {
      if (!isPortName(p?.name)) {
        throw propError(this, `ports[${i}].name`, p?.name, 'not an IANA service name (at most 15 characters: lower-case letters, digits and "-", at least one letter)', 'use a name such as "http" or "grpc"');
      }
      checkInteger(this, `ports[${i}].port`, p.port, 1, 65535, 'use a port from 1 to 65535');
      for (const key of [`name ${p.name}`, `port ${p.port}/${p.protocol ?? NetworkProtocol.TCP}`]) {
        if (seen.has(key)) throw propError(this, `ports[${i}]`, p.name, `the ${key} is used twice`, 'give each port its own name and number');
        seen.add(key);
      }
    });
    this.ports = props.ports;
    this.selector = { [`${SHARED_SERVICE_LABEL_PREFIX}${this.name}`]: 'member' };
    const labels = recommendedLabels({ name: this.name, appName: appNameLabel(this, this.name), component: 'service', partOf: partOfLabel(this) });
    this.service = createService(this, 'Resource', {
      metadata: { name: this.name, labels },
      selector: this.selector,
      type: ServiceType.CLUSTER_IP,
      ports: this.ports.map(p => ({
        name: p.name, port: p.port, servicePort: p.port, protocol: p.protocol ?? NetworkProtocol.TCP, appProtocol: p.appProtocol, peers: [], prop: '',
      })),
    });
    for (const m of props.members ?? []) this.addMember(m);
  }

  /** Puts a workload behind the Service: its pod template gets the membership label. */
  public addMember(member: IServiceMember): void {
    const pod = member?.serviceAccount ? hardenedPodOf(member.serviceAccount) : undefined;
    if (!pod) {
      throw propError(this, 'members', member?.node?.path ?? member, 'not a workload of this library', 'add a SecureApp or StatefulApp');
    }
    if (!Array.isArray(member.portNames) || member.portNames.length === 0) {
      throw propError(this, 'members', member.node.path, 'the workload serves no port (a Worker or BatchJob)', 'add a SecureApp or StatefulApp');
    }
    if (this.members.includes(member)) {
      throw propError(this, 'members', member.node.path, 'already a member', 'add each workload once');
    }
    const ns = Chart.of(this).namespace;
    if (member.namespace !== ns) {
      throw propError(this, 'members', member.node.path, `in namespace ${JSON.stringify(member.namespace)}, the Service in ${JSON.stringify(ns)}; a Service selects pods of its own namespace only`, 'define the SharedService in the members\' namespace');
    }
    for (const p of this.ports) {
      if (!member.portNames.includes(p.name)) {
        throw propError(this, 'members', member.node.path, `it has no container port named ${JSON.stringify(p.name)} (its ports: ${member.portNames.join(', ')}), so the Service would send traffic nowhere`,
          `give the workload a port named ${JSON.stringify(p.name)} in \`ports\``);
      }
    }
    pod.addTemplateLabel(Object.keys(this.selector)[0], 'member');
    this.members.push(member);
    for (const hook of this.memberHooks) hook(member);
  }

  /**
   * The Service's pods (every member) as a network peer. `caller.connections.allowTo(service)`
   * opens the caller's egress to the members on the Service's port (by name, so versions may
   * listen on different numbers; `{ portName }` or `{ port }` (a port of the Service) picks
   * another than the first) and every member's ingress from the caller, members added later too.
   */
  public toNetworkPeer(): NetworkPeer {
    const ns = Chart.of(this).namespace;
    const peer = NetworkPeer._custom(`SharedService ${this.node.path}`, () => ({
      podSelector: { matchLabels: { ...this.selector } },
      ...(ns ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } : {}),
    }));
    peer._source = this;
    registerConnectionGroup(peer, {
      servedPortNames: this.ports.map(p => ({ name: p.name, port: p.port, protocol: p.protocol ?? NetworkProtocol.TCP })),
      forEachMember: (apply) => {
        this.members.forEach(apply);
        this.memberHooks.push(apply);
      },
    });
    return peer;
  }
}
