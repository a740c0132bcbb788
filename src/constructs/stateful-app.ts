import { ApiObject, Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { checkReplicas } from '../hardening/autoscaling';
import { createDisruptionBudget, spreadPlacement } from '../hardening/availability';
import { propError } from '../hardening/errors';
import { HealthCheck } from '../hardening/health-check';
import { Connections } from '../hardening/connections';
import {
  createServiceMonitor, ExposedApp, exposeViaHttpRoute, exposeViaIngress, HttpRouteExposureOptions, IngressExposureOptions, MetricsOptions, addMetricsPort,
} from '../hardening/exposure';
import { createWorkloadNetworkPolicy, INetworkPeer, INetworkTarget, NetworkPeer } from '../hardening/network';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import {
  containerPorts, createService, EXTERNAL_SERVICE_RULE_ID, ExternalAccess, ingressRules, ResolvedPort, resolveExposure, resolvePorts, resolveSidecarPorts, ServiceType, servicePorts, WorkloadPort,
} from '../hardening/ports';
import { Policy } from '../policy/policy';
import { resolveStorage, StorageVolume } from '../hardening/storage';
import { sameCopies } from '../hardening/single-copy';
import { arrayOf, bool, enumOf, optional, str, struct, validateProps } from '../hardening/props';
import { checkServiceName } from '../hardening/validation';
import { SERVING_FIELDS, WORKLOAD_FIELDS } from '../hardening/schemas';

/** What happens to a StatefulApp's PersistentVolumeClaims (and so its data). */
export enum ClaimRetention {
  /** Keep the claims: the data survives, and a pod that comes back gets its volume again. */
  RETAIN = 'Retain',
  /** Delete the claims, and with them (depending on the StorageClass's reclaim policy) the data. */
  DELETE = 'Delete',
}

/** When a StatefulApp's PersistentVolumeClaims are deleted. */
export interface ClaimRetentionPolicy {
  /**
   * When the StatefulSet is deleted.
   * @default ClaimRetention.RETAIN
   */
  readonly whenDeleted?: ClaimRetention;
  /**
   * When the StatefulSet is scaled down (the claims of the removed ordinals).
   * @default ClaimRetention.RETAIN
   */
  readonly whenScaled?: ClaimRetention;
}

/** Props of a StatefulApp. */
export interface StatefulAppProps extends WorkloadProps {
  /**
   * Port the container listens on (named "http"). Use `ports` instead for other names or more ports.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the headless Service (with `port`). Clients of a headless Service connect to the
   * pods' addresses, so this only names the port in DNS SRV records and Endpoints.
   * @default - the same as `port`
   */
  readonly servicePort?: number;
  /**
   * Name of the headless Service that governs the StatefulSet (`serviceName`), and so the
   * per-pod DNS names `<app name>-<ordinal>.<serviceName>.<namespace>.svc`: for an app whose
   * clients or cluster configuration already use another name (Helm charts often name it
   * `<name>-headless`, next to a ClusterIP Service `<name>`).
   * @default - the app's name
   */
  readonly serviceName?: string;
  /**
   * Named ports, each a container port, a port of the headless Service and an ingress rule of
   * its own. The first is the main port: health checks and `NetworkPeer.workload(app)` use it.
   * Replaces `port` and `servicePort`.
   * @default - one port named "http": `port`
   */
  readonly ports?: WorkloadPort[];
  /**
   * Exposure outside the cluster: NODE_PORT or LOAD_BALANCER adds a second Service of that type,
   * "<name>-external", in front of all replicas (the headless Service stays for per-pod DNS).
   * Needs `externalAccess`.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * The reason for, and the clients of, a NODE_PORT or LOAD_BALANCER Service, as on SecureApp.
   * @default - none: refused with NODE_PORT or LOAD_BALANCER
   */
  readonly externalAccess?: ExternalAccess;
  /**
   * Readiness and liveness checks, against the main port.
   * @default - HealthCheck.tcp(): both probes connect to the port, a placeholder that the gate reports (HARDENED-PROBE-003, identical probes) until the workload gets a real check or acknowledges that it has none
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Number of replicas (pods `<name>-0` … `<name>-<replicas-1>`).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Persistent volumes: one PersistentVolumeClaim per volume and replica (volumeClaimTemplates),
   * named "<volume name>-<app name>-<ordinal>". Every volume needs a `size`.
   * @default - none
   */
  readonly storage?: StorageVolume[];
  /**
   * What happens to the claims when the StatefulSet is deleted or scaled down.
   * @default - { whenDeleted: ClaimRetention.RETAIN, whenScaled: ClaimRetention.RETAIN }: the data is kept
   */
  readonly persistentVolumeClaimRetentionPolicy?: ClaimRetentionPolicy;
  /**
   * Whether pods start and stop one at a time, in order, each ready before the next
   * (OrderedReady), or all at once (Parallel).
   * @default kplus.PodManagementPolicy.ORDERED_READY
   */
  readonly podManagementPolicy?: kplus.PodManagementPolicy;
  /**
   * Whether the app's pods may reach each other on its ports (ingress from and egress to its own
   * pods): what the members of a replicated database need to form a cluster. Turn it off for a
   * single-replica database, whose pod calls nobody of its kind.
   * @default true
   */
  readonly peering?: boolean;
  /**
   * Names of the ports (of `ports`, or "http" for `port`) on which the app's pods reach each
   * other, when peering is on: for an app whose members talk to each other on some of its ports
   * only (RabbitMQ's nodes on epmd and the Erlang distribution port, not on AMQP). Refused empty
   * (write `peering: false`), with an unknown name, and together with `peering: false`.
   * @default - every port of the app but the metrics port
   */
  readonly peerPorts?: string[];
  /**
   * Who may connect to the ports (each entry of `ports` may name its own). The app's own pods
   * reach each other on its ports too (cluster peers) unless `peering` is false. Everything else is denied.
   * @default - [NetworkPeer.sameNamespace()]: pods of the app's namespace
   */
  readonly ingressFrom?: NetworkPeer[];
  /**
   * Prometheus metrics: a container port and a port of the headless Service named `metrics.portName` ("metrics"), a
   * ServiceMonitor that selects exactly the headless Service and that port (each replica is
   * scraped), and ingress on it from `scraper` only. Never on the external Service.
   * When a sidecar declares `metrics.port` in its `ports`, that sidecar's port (and its name) is
   * used instead of a new port on the main container.
   * @default - none
   */
  readonly metrics?: MetricsOptions;
}

/** Label that tells a StatefulApp's external Service from its headless one (so a ServiceMonitor selects only the headless one). */
export const EXTERNAL_SERVICE_LABEL = 'hardened.cdk8s.io/exposure';

/** The documented defaults of StatefulApp, in one place (tested against the rendered output). */
export const STATEFUL_APP_DEFAULTS = {
  port: 8080,
  replicas: 1,
  revisionHistoryLimit: 10,
  claimRetention: ClaimRetention.RETAIN,
  podManagementPolicy: kplus.PodManagementPolicy.ORDERED_READY,
  peering: true,
};

/** Longest StatefulSet name: its pods' `controller-revision-hash` label is "<name>-<10 characters>". */
const STATEFULSET_MAX_NAME = 52;

/** Runtime schema of StatefulAppProps (type, range and format of every prop). */
const STATEFUL_APP_SCHEMA = struct({
  ...WORKLOAD_FIELDS,
  ...SERVING_FIELDS,
  persistentVolumeClaimRetentionPolicy: optional(struct({
    whenDeleted: optional(enumOf(ClaimRetention, 'ClaimRetention')),
    whenScaled: optional(enumOf(ClaimRetention, 'ClaimRetention')),
  }, 'ClaimRetentionPolicy')),
  podManagementPolicy: optional(enumOf(kplus.PodManagementPolicy, 'PodManagementPolicy')),
  serviceName: optional(str()),
  peering: optional(bool),
  peerPorts: optional(arrayOf(str())),
}, 'StatefulAppProps');

/**
 * A replicated app with a stable identity and storage per replica (a database, a sharded
 * controller), hardened by construction: ServiceAccount, StatefulSet with one
 * PersistentVolumeClaim per volume and replica (kept on delete and scale-down by default),
 * a headless Service named after the app (per-pod DNS `<name>-<ordinal>.<name>.<namespace>.svc`),
 * PodDisruptionBudget and NetworkPolicy. The app's pods reach each other on its ports.
 */
export class StatefulApp extends Construct implements INetworkTarget, INetworkPeer {
  /** The StatefulSet. */
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The headless Service that governs the StatefulSet (`serviceName`): per-pod DNS. */
  public readonly service: k8s.KubeService;
  /** The NodePort or LoadBalancer Service of `serviceType`; undefined for CLUSTER_IP. */
  public readonly externalService?: k8s.KubeService;
  /** The app's own ServiceAccount (no API token unless a role is bound). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The PodDisruptionBudget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** `metadata.name` of every object of the app (but the headless Service). */
  public readonly name: string;
  /** Name of the headless Service: `serviceName`, by default the app's name. */
  public readonly serviceName: string;
  /**
   * The main container port. Always set; typed optional because `INetworkTarget.port` is (jsii
   * does not let an implementation make an optional property required).
   */
  public readonly port?: number;
  /** Names of the container ports (the first is the main port). */
  public readonly portNames: string[];
  /** Who may connect to the app, and whom it may reach: `app.connections.allowTo(other)`. */
  public readonly connections: Connections;
  /** The ServiceMonitor of `metrics`; undefined without metrics. */
  public readonly serviceMonitor?: ApiObject;
  /** The Ingress of `exposeViaIngress`; undefined until it is called. */
  public ingress?: k8s.KubeIngress;
  /** The HTTPRoute of `exposeViaHttpRoute`; undefined until it is called. */
  public httpRoute?: ApiObject;
  /** The number of replicas. */
  public readonly replicas: number;
  /** Labels that select exactly the app's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the StatefulSet. @internal */
  public readonly _pod: HardenedPod;
  private readonly mainPort: ResolvedPort;

  constructor(scope: Construct, id: string, props: StatefulAppProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, STATEFUL_APP_SCHEMA, props);
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    const port = props.port ?? STATEFUL_APP_DEFAULTS.port;
    const ports = resolvePorts(this, props, { port, servicePort: port });
    ports.push(...resolveSidecarPorts(this, props, ports));
    const metricsPort = props.metrics ? addMetricsPort(this, props.metrics, ports) : undefined;
    this.mainPort = ports[0];
    this.port = ports[0].port;
    this.portNames = ports.map(p => p.name);
    const exposure = resolveExposure(this, props.serviceType, props.externalAccess);
    this.replicas = props.replicas ?? STATEFUL_APP_DEFAULTS.replicas;
    checkReplicas(this, this.replicas);
    const podManagementPolicy = props.podManagementPolicy ?? STATEFUL_APP_DEFAULTS.podManagementPolicy;
    if (!Object.values(kplus.PodManagementPolicy).includes(podManagementPolicy)) {
      throw propError(this, 'podManagementPolicy', podManagementPolicy, 'not a pod management policy', 'use kplus.PodManagementPolicy.ORDERED_READY or PARALLEL');
    }
    const retention = this.resolveRetention(props.persistentVolumeClaimRetentionPolicy);
    const storage = resolveStorage(this, props.storage);

    const mainPorts = containerPorts(ports.filter(p => !p.container));
    const probes = (props.healthCheck ?? HealthCheck.tcp())._render(this, ports[0].name, 'healthCheck', mainPorts);
    const pod = new HardenedPod(this, props, { component: 'server', ports: mainPorts, sidecarPorts: ports.filter(p => p.container), probes, maxNameLength: STATEFULSET_MAX_NAME });
    this._pod = pod;
    this.name = pod.identity.name;
    if (props.serviceName !== undefined) checkServiceName(this, 'serviceName', props.serviceName);
    this.serviceName = props.serviceName ?? this.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };
    for (const volume of storage) {
      pod.addMount({ name: volume.name, mountPath: volume.mountPath }, `${volume.prop}.mountPath`);
    }

    // The governing Service: headless, so DNS answers with the pods' own addresses and each pod
    // gets a stable name. Not-ready pods are published too: the members of a clustered database
    // must find each other to form the cluster before any of them is ready.
    this.service = new kube.KubeService(this, 'Service', {
      metadata: { ...metadata, name: this.serviceName },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: pod.selector,
        ports: servicePorts(ports),
      },
    });

    if (exposure.access) {
      this.externalService = createService(this, 'ExternalService', {
        metadata: { name: `${this.name}-external`, labels: { ...pod.labels, [EXTERNAL_SERVICE_LABEL]: 'external' } },
        selector: pod.selector, ports: ports.filter(p => !p.internal), type: exposure.type, clientRanges: exposure.access.clientRanges,
      });
      Policy.acknowledge(this.externalService, EXTERNAL_SERVICE_RULE_ID, exposure.access.reason);
    }

    this.statefulSet = new kube.KubeStatefulSet(this, 'Resource', {
      metadata,
      spec: Lazy.any({
        produce: (): k8s.StatefulSetSpec => ({
          serviceName: this.serviceName,
          replicas: this.replicas,
          selector: { matchLabels: pod.selector },
          podManagementPolicy,
          updateStrategy: { type: 'RollingUpdate' },
          revisionHistoryLimit: STATEFUL_APP_DEFAULTS.revisionHistoryLimit,
          persistentVolumeClaimRetentionPolicy: retention,
          template: pod.renderTemplate(spreadPlacement(pod.selector)),
          volumeClaimTemplates: storage.length > 0
            ? storage.map(v => ({ metadata: { name: v.name, labels: pod.labels }, spec: v.claimSpec }))
            : undefined,
        }),
      }),
    });

    this.disruptionBudget = createDisruptionBudget(this, 'DisruptionBudget', { metadata, selector: pod.selector });

    this.connections = new Connections(this, ports, ports[0]);
    // Cluster peers: the app's pods may connect to each other on the `peerPorts` (by default every
    // port of the app; metrics: the scraper only), unless peering is off.
    const peering = props.peering ?? STATEFUL_APP_DEFAULTS.peering;
    const peerPorts = this.resolvePeerPorts(ports, peering, props.peerPorts).map(p => ({ port: p.port, protocol: p.protocol }));
    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      ingress: [...ingressRules(ports, exposure.clients), ...(peering ? [{ ports: peerPorts, peers: [NetworkPeer.pods(pod.instanceSelector)] }] : [])],
      egress: props.egressTo ?? [],
      extraEgress: peering ? [{ ports: peerPorts, to: [{ podSelector: { matchLabels: pod.instanceSelector } }] }] : [],
      connections: this.connections,
    });

    if (props.metrics) {
      this.serviceMonitor = createServiceMonitor(this, metadata, props.metrics, {
        matchLabels: { ...pod.selector },
        matchExpressions: [{ key: EXTERNAL_SERVICE_LABEL, operator: 'DoesNotExist' }],
      }, metricsPort!.name);
      this.connections.allowFrom(props.metrics.scraper, { portName: metricsPort!.name });
    }
  }

  /** The app as a network peer: its pods. */
  public toNetworkPeer(): NetworkPeer {
    return NetworkPeer.workload(this);
  }

  /**
   * Routes `options.host` (and path) to the app through a networking.k8s.io/v1 Ingress (to the
   * headless Service: the controller balances over the pods), and lets the ingress
   * controller's pods (`options.controller`) in on the main port.
   */
  public exposeViaIngress(options: IngressExposureOptions): k8s.KubeIngress {
    return exposeViaIngress(this, this.exposed, options);
  }

  /**
   * Routes `options.hostnames` (and path) to the app through a gateway.networking.k8s.io/v1
   * HTTPRoute attached to `options.gateway`, and lets the Gateway's pods (`options.controller`)
   * in on the main port.
   */
  public exposeViaHttpRoute(options: HttpRouteExposureOptions): ApiObject {
    return exposeViaHttpRoute(this, this.exposed, options);
  }

  private get exposed(): ExposedApp {
    return { scope: this, metadata: { name: this.name, labels: this._pod.labels }, serviceName: this.serviceName, port: this.mainPort, namespace: this.namespace };
  }

  /** Namespace of the app: the chart's. */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }

  /** The DNS name of one replica: `<name>-<ordinal>.<serviceName>.<namespace>.svc` (without a namespace: `<name>-<ordinal>.<serviceName>`). */
  public podDnsName(ordinal: number): string {
    if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= this.replicas) {
      throw propError(this, 'podDnsName ordinal', ordinal, `the app has replicas 0 to ${this.replicas - 1}`, `use an ordinal from 0 to ${this.replicas - 1}`);
    }
    const ns = this.namespace;
    return `${this.name}-${ordinal}.${this.serviceName}${ns ? `.${ns}.svc` : ''}`;
  }

  /** The ports the app's pods reach each other on: `peerPorts` by name, by default all but metrics. */
  private resolvePeerPorts(ports: ResolvedPort[], peering: boolean, names: string[] | undefined): ResolvedPort[] {
    const candidates = ports.filter(p => !p.internal);
    if (names === undefined) return peering ? candidates : [];
    if (!peering) {
      throw propError(this, 'peerPorts', names, 'peering is false, so the pods reach each other on no port',
        'remove peerPorts, or remove peering: false to let the pods reach each other on these ports');
    }
    if (names.length === 0) {
      throw propError(this, 'peerPorts', names, 'an empty list opens no port between the pods',
        'to turn replica peering off, write peering: false instead; otherwise name the ports the members talk to each other on');
    }
    const known = candidates.map(p => p.name);
    names.forEach((name, i) => {
      if (!known.includes(name)) {
        const metrics = ports.some(p => p.internal && p.name === name) ? ' (the metrics port is reached by its scraper only)' : '';
        throw propError(this, `peerPorts[${i}]`, name, `not a port of the app${metrics}`, `use names of the app's ports: ${known.map(n => JSON.stringify(n)).join(', ')}`);
      }
      if (names.indexOf(name) !== i) {
        throw propError(this, `peerPorts[${i}]`, name, 'is listed twice', 'name each port once');
      }
    });
    return candidates.filter(p => names.includes(p.name));
  }

  private resolveRetention(policy: ClaimRetentionPolicy | undefined): k8s.StatefulSetPersistentVolumeClaimRetentionPolicy {
    const out: Record<string, string> = {};
    for (const key of ['whenDeleted', 'whenScaled'] as const) {
      const value = policy?.[key] ?? STATEFUL_APP_DEFAULTS.claimRetention;
      if (!Object.values(ClaimRetention).includes(value)) {
        throw propError(this, `persistentVolumeClaimRetentionPolicy.${key}`, value, 'not a retention', 'use ClaimRetention.RETAIN (keep the data) or ClaimRetention.DELETE');
      }
      out[key] = value;
    }
    return out;
  }
}
