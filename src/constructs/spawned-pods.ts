import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Connections } from '../hardening/connections';
import { propError } from '../hardening/errors';
import { appNameLabel, checkDerivedLabels, partOfLabel, recommendedLabels } from '../hardening/labels';
import { createWorkloadNetworkPolicy, INetworkPeer, INetworkTarget, NetworkPeer } from '../hardening/network';
import { ingressRules, resolvePorts, WorkloadPort } from '../hardening/ports';
import { arrayOf, construct, labelMap, optional, str, struct, validateProps } from '../hardening/props';
import { WORKLOAD_PORT } from '../hardening/schemas';
import { sameCopies } from '../hardening/single-copy';
import { checkDnsLabel, derivedName } from '../hardening/validation';
import { MIN_REASON_LENGTH, visibleLength } from '../policy/acknowledgements';
import { podOf } from '../policy/k8s';
import { Policy } from '../policy/policy';

/** The gate's rule for a NetworkPolicy that selects no pod of the output (kube-score networkpolicy-targets-pod). */
const SPAWNED_PODS_RULE_ID = 'HARDENED-NET-002';

/** Props of SpawnedPods. */
export interface SpawnedPodsProps {
  /**
   * The labels the spawner puts on every pod it creates (all of them must match; at least one).
   * A selector that also selects pods of the chart's output is refused at synth: that workload
   * would fall under this policy too.
   */
  readonly selector: { [key: string]: string };
  /**
   * The workload that creates the pods at runtime (e.g. the SecureApp running KubeSpawner, a CI
   * controller, a Spark driver). Named in the acknowledgement recorded on the NetworkPolicy.
   * @default - none: then `reason` is required
   */
  readonly spawnedBy?: IConstruct;
  /**
   * What creates the pods and why none is in the output, when `spawnedBy` is not in the app (an
   * operator of the cluster) or to say more (at least 10 characters). Recorded with `spawnedBy`
   * in the acknowledgement.
   * @default - the acknowledgement says "pods created at runtime by <spawnedBy path>"
   */
  readonly reason?: string;
  /**
   * The ports the pods listen on, by name (a port's `ingressFrom` admits peers besides the
   * `connections` calls). No Service selects spawned pods, so `servicePort` and `appProtocol`
   * are refused. The first port is the default of `connections.allowTo(spawnedPods)`.
   * @default - none: the pods take no connections
   */
  readonly ports?: WorkloadPort[];
  /**
   * `metadata.name` of the NetworkPolicy.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

/** Runtime schema of SpawnedPodsProps (type, range and format of every prop). */
const SPAWNED_PODS_SCHEMA = struct({
  selector: optional(labelMap()), // required: refused below with the fix
  spawnedBy: optional(construct('a construct (the workload that creates the pods)', 'pass the workload that creates the pods, e.g. spawnedBy: hub')),
  reason: optional(str()),
  ports: optional(arrayOf(WORKLOAD_PORT)),
  name: optional(str()),
}, 'SpawnedPodsProps');

/**
 * Pods an app creates at runtime through the Kubernetes API (KubeSpawner's user servers, CI
 * runner pods, Spark executors, Argo Workflows' step pods): none is in the output, but they
 * must not run unisolated. Emits one NetworkPolicy selecting them by the spawner's labels,
 * default-deny in both directions, egress to cluster DNS only; `connections` opens the rest
 * exactly as on a workload, and the construct is itself a peer:
 *
 * ```ts
 * const users = new SpawnedPods(chart, 'singleuser', { selector: { component: 'singleuser-server' }, spawnedBy: hub, ports: [{ name: 'http', port: 8888 }] });
 * hub.connections.allowTo(users);          // the hub's egress and the pods' ingress, on 8888
 * users.connections.allowTo(hub);          // the pods' egress and the hub's ingress
 * ```
 *
 * The policy selects no pod of the output, which the gate reports (HARDENED-NET-002): the
 * construct acknowledges it on the NetworkPolicy with a reason naming the spawner.
 */
export class SpawnedPods extends Construct implements INetworkTarget, INetworkPeer {
  /** The NetworkPolicy selecting the spawned pods. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Who may reach the pods and whom they may reach: `users.connections.allowTo(NetworkPeer.ipBlock(...))`. */
  public readonly connections: Connections;
  /** `metadata.name` of the NetworkPolicy. */
  public readonly name: string;
  /** The labels that select the spawned pods (`selector`). */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The first port's number; undefined without `ports`. */
  public readonly port?: number;
  /** The reason of the acknowledgement of HARDENED-NET-002 recorded on the NetworkPolicy. */
  public readonly reason: string;

  constructor(scope: Construct, id: string, props: SpawnedPodsProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, SPAWNED_PODS_SCHEMA, props);
    const selector = props?.selector;
    if (!selector || Object.keys(selector).length === 0) {
      throw propError(this, 'selector', selector, 'spawned pods are selected by the labels their spawner puts on them, and an empty selector would select every pod of the namespace',
        'give the labels the spawner sets, e.g. selector: { component: "singleuser-server" }');
    }
    if (props.spawnedBy === undefined && props.reason === undefined) {
      throw propError(this, 'spawnedBy', undefined, 'the NetworkPolicy selects no pod of the output, which is acknowledged with the spawner\'s name, and none is given',
        'pass the workload that creates the pods (spawnedBy: hub), or a reason naming what creates them (reason: "CI runner pods created by the GitLab runner operator")');
    }
    if (props.reason !== undefined && visibleLength(props.reason) < MIN_REASON_LENGTH) {
      throw propError(this, 'reason', props.reason, `a reason has at least ${MIN_REASON_LENGTH} visible characters`, 'say what creates the pods, e.g. "step pods created by the Argo Workflows controller"');
    }
    (props.ports ?? []).forEach((p, i) => {
      for (const field of ['servicePort', 'appProtocol'] as const) {
        if (p?.[field] !== undefined) {
          throw propError(this, `ports[${i}].${field}`, p[field], 'no Service selects spawned pods (their spawner creates any Service it needs)', `remove ${field}`);
        }
      }
    });
    if (props.name !== undefined) checkDnsLabel(this, 'name', props.name);
    this.name = props.name ?? derivedName(this);
    const ports = props.ports === undefined ? [] : resolvePorts(this, { ports: props.ports, ingressFrom: [] }, { port: 0, servicePort: 0 });
    this.podSelectorLabels = { ...selector };
    this.port = ports[0]?.port;
    const labels = recommendedLabels({ name: this.name, appName: appNameLabel(this, this.name), component: 'spawned-pods', partOf: partOfLabel(this) });
    checkDerivedLabels(this, labels, () => 'name');

    this.connections = new Connections(this, ports.map(p => ({ name: p.name, port: p.port, protocol: p.protocol })), ports[0]);
    this.networkPolicy = createWorkloadNetworkPolicy(this, 'Resource', {
      name: this.name,
      labels,
      podSelector: this.podSelectorLabels,
      ingress: ingressRules(ports),
      egress: [],
      connections: this.connections,
    });
    const spawner = `pods created at runtime${props.spawnedBy ? ` by ${props.spawnedBy.node.path}` : ''}`;
    this.reason = `${spawner}${props.reason ? ` (${props.reason.trim()})` : ''}: none is in the output, so the policy selects no pod of it`;
    Policy.acknowledge(this.networkPolicy, SPAWNED_PODS_RULE_ID, this.reason);
    this.node.addValidation({ validate: () => this.validateSelector() });
  }

  /**
   * Refuses a selector that also selects pods of the chart's output: that workload would fall under
   * this policy too (its allowed calls added to the workload's), and the acknowledgement would be wrong.
   */
  private validateSelector(): string[] {
    const chart = Chart.of(this);
    const errors: string[] = [];
    for (const c of chart.node.findAll()) {
      if (!ApiObject.isApiObject(c) || c.node.scopes.includes(this)) continue;
      const json = c.toJson();
      const labels = podOf(json)?.meta.labels;
      const ns = json?.metadata?.namespace ?? chart.namespace;
      if (!labels || ns !== this.namespace) continue;
      if (Object.entries(this.podSelectorLabels).every(([k, v]) => labels[k] === v)) {
        errors.push(`${this.node.path}: invalid selector ${JSON.stringify(this.podSelectorLabels)}: it also selects the pods of ${json.kind} ${json.metadata?.name} (${c.node.path}), which would fall under the spawned pods' NetworkPolicy. `
          + 'Fix: select by a label only the spawner puts on its pods (e.g. KubeSpawner\'s component: singleuser-server).');
      }
    }
    return errors;
  }

  /** The spawned pods as a network peer: their selector, in the chart's namespace. */
  public toNetworkPeer(): NetworkPeer {
    return NetworkPeer.workload(this);
  }

  /** Namespace of the pods: the chart's (the spawner creates them there). */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }
}
