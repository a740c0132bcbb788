import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { propError } from '../hardening/errors';
import { HealthCheck } from '../hardening/health-check';
import { Connections } from '../hardening/connections';
import {
  createServiceMonitor, ExposedApp, exposeViaHttpRoute, exposeViaIngress, HttpRouteExposureOptions, IngressExposureOptions, MetricsOptions, addMetricsPort,
} from '../hardening/exposure';
import { createWorkloadNetworkPolicy, INetworkPeer, INetworkTarget, NetworkPeer } from '../hardening/network';
import { AUTOSCALING_DEFAULTS, AutoscalingOptions, createAutoscaler, resolveScaling, ResolvedScaling } from '../hardening/autoscaling';
import { createDisruptionBudget, DEPLOYMENT_DEFAULTS, deploymentSpec } from '../hardening/availability';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import { RolloutStrategy } from '../hardening/placement';
import {
  containerPorts, createService, EXTERNAL_SERVICE_RULE_ID, ExternalAccess, ingressRules, ResolvedPort, resolveExposure, resolvePorts, resolveSidecarPorts, ServiceType, WorkloadPort,
} from '../hardening/ports';
import { ResolvedStorage, resolveStorage, StorageVolume } from '../hardening/storage';
import { checkServiceName, suggestDnsLabel } from '../hardening/validation';
import { Policy } from '../policy/policy';
import { sameCopies } from '../hardening/single-copy';
import { optional, str, struct, validateProps } from '../hardening/props';
import { AUTOSCALING_OPTIONS, SERVING_FIELDS, WORKLOAD_FIELDS } from '../hardening/schemas';

/** Props of a SecureApp. */
export interface SecureAppProps extends WorkloadProps {
  /**
   * Port the container listens on (named "http"). Use `ports` instead for other names or more ports.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the Service in front of the pods (with `port`). Clients call
   * `http://<name>:<servicePort>`; a URL without a port means 80, so set `servicePort: 80` for
   * those (see docs/pod-spec.md, "Service ports").
   * @default - the same as `port` (as with `ports`, and as most app charts do)
   */
  readonly servicePort?: number;
  /**
   * Named ports, each a container port, a Service port of the same name and an ingress rule of
   * its own. The first is the main port: health checks and `NetworkPeer.workload(app)` use it.
   * Replaces `port` and `servicePort`.
   * @default - one port named "http": `port` in the container, `servicePort` on the Service
   */
  readonly ports?: WorkloadPort[];
  /**
   * Name of the Service in front of the pods, and so the DNS name clients call
   * (`<serviceName>.<namespace>.svc`), when it differs from the app's `name`: for an app whose
   * Services are named apart from their Deployments (e.g. `emoji-svc` in front of `emoji`). The
   * Deployment, ServiceAccount and the other objects keep `name`; the Ingress and HTTPRoute of
   * `exposeViaIngress` / `exposeViaHttpRoute` route to this Service.
   * @default - the app's name
   */
  readonly serviceName?: string;
  /**
   * How the Service is reached. NODE_PORT and LOAD_BALANCER expose the app outside the cluster
   * and need `externalAccess`.
   * @default ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType;
  /**
   * The reason for, and the clients of, a NODE_PORT or LOAD_BALANCER Service. The reason
   * acknowledges HARDENED-SVC-002 on the Service; the NetworkPolicy opens every port to the
   * client ranges only.
   * @default - none: refused with NODE_PORT or LOAD_BALANCER
   */
  readonly externalAccess?: ExternalAccess;
  /**
   * Readiness and liveness checks, against the main port.
   * @default - HealthCheck.tcp(): both probes connect to the port, a placeholder that the gate reports (HARDENED-PROBE-003, identical probes) until the workload gets a real check or acknowledges that it has none
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Horizontal pod autoscaling.
   * @default - on: 2 to 10 replicas at 70% CPU
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Fixed number of replicas, only with `autoscaling: { enabled: false }`.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Persistent volumes, each a PersistentVolumeClaim mounted in the container. A single-writer
   * volume (ReadWriteOnce, ReadWriteOncePod) needs one replica and makes the rollout `Recreate`;
   * for one volume per replica use a StatefulApp.
   * @default - none
   */
  readonly storage?: StorageVolume[];
  /**
   * Who may connect to the ports (each entry of `ports` may name its own). Everything else is denied.
   * @default - [NetworkPeer.sameNamespace()]: pods of the app's namespace
   */
  readonly ingressFrom?: NetworkPeer[];
  /**
   * Prometheus metrics: a container and Service port named `metrics.portName` ("metrics"), a ServiceMonitor that
   * selects exactly the app's Service and that port, and ingress on it from `scraper` only.
   * When a sidecar declares `metrics.port` in its `ports`, that sidecar's port (and its name) is
   * used instead of a new port on the main container.
   * @default - none
   */
  readonly metrics?: MetricsOptions;
}

/** The documented defaults of SecureApp, in one place (tested against the rendered output). */
export const SECURE_APP_DEFAULTS = {
  port: 8080,
  /** The Service port follows the container port: 8080 with the default `port`. */
  servicePort: 8080,
  replicas: 2,
  autoscaling: AUTOSCALING_DEFAULTS,
  ...DEPLOYMENT_DEFAULTS,
  serviceType: ServiceType.CLUSTER_IP,
};

/** Runtime schema of SecureAppProps (type, range and format of every prop). */
const SECURE_APP_SCHEMA = struct({ ...WORKLOAD_FIELDS, ...SERVING_FIELDS, autoscaling: optional(AUTOSCALING_OPTIONS), serviceName: optional(str()) }, 'SecureAppProps');

/**
 * A long-running, network-facing app, hardened by construction: ServiceAccount, Deployment,
 * Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy and optional
 * PersistentVolumeClaims.
 */
export class SecureApp extends Construct implements INetworkTarget, INetworkPeer {
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service in front of the pods. */
  public readonly service: k8s.KubeService;
  /** The app's own ServiceAccount (no API token unless a role is bound). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The HorizontalPodAutoscaler; undefined when autoscaling is off. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Who may connect to the app, and whom it may reach: `app.connections.allowTo(other)`. */
  public readonly connections: Connections;
  /** The ServiceMonitor of `metrics`; undefined without metrics. */
  public readonly serviceMonitor?: ApiObject;
  /** The Ingress of `exposeViaIngress`; undefined until it is called. */
  public ingress?: k8s.KubeIngress;
  /** The HTTPRoute of `exposeViaHttpRoute`; undefined until it is called. */
  public httpRoute?: ApiObject;
  /** The PersistentVolumeClaims of `storage`. */
  public readonly persistentVolumeClaims: k8s.KubePersistentVolumeClaim[] = [];
  /** `metadata.name` of every object of the app (but the Service, named `serviceName`). */
  public readonly name: string;
  /** Name of the Service: `serviceName`, by default the app's name. */
  public readonly serviceName: string;
  /**
   * The main container port. Always set; typed optional because `INetworkTarget.port` is (jsii
   * does not let an implementation make an optional property required).
   */
  public readonly port?: number;
  /** Names of the container ports (the first is the main port). */
  public readonly portNames: string[];
  /** Labels that select exactly the app's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the Deployment. @internal */
  public readonly _pod: HardenedPod;
  private readonly mainPort: ResolvedPort;

  constructor(scope: Construct, id: string, props: SecureAppProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, SECURE_APP_SCHEMA, props);
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    const ports = resolvePorts(this, props, { port: SECURE_APP_DEFAULTS.port, servicePort: props.port ?? SECURE_APP_DEFAULTS.port });
    ports.push(...resolveSidecarPorts(this, props, ports));
    const metricsPort = props.metrics ? addMetricsPort(this, props.metrics, ports) : undefined;
    this.mainPort = ports[0];
    this.port = ports[0].port;
    this.portNames = ports.map(p => p.name);
    const exposure = resolveExposure(this, props.serviceType, props.externalAccess);

    const scaling = resolveScaling(this, props.autoscaling, props.replicas, SECURE_APP_DEFAULTS.replicas);
    const storage = resolveStorage(this, props.storage);
    const singleWriter = this.checkSingleWriter(storage, scaling, props.rolloutStrategy);
    const mainPorts = containerPorts(ports.filter(p => !p.container));
    const probes = (props.healthCheck ?? HealthCheck.tcp())._render(this, ports[0].name, 'healthCheck', mainPorts);
    const pod = new HardenedPod(this, props, { component: 'server', ports: mainPorts, sidecarPorts: ports.filter(p => p.container), probes, deployment: true });
    this._pod = pod;
    this.name = pod.identity.name;
    if (props.serviceName !== undefined) checkServiceName(this, 'serviceName', props.serviceName);
    this.serviceName = props.serviceName ?? this.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };

    this.addStorage(storage, metadata.labels);

    this.deployment = new kube.KubeDeployment(this, 'Resource', {
      metadata,
      spec: Lazy.any({ produce: () => deploymentSpec(pod, scaling.fixedReplicas, singleWriter || pod.recreate) }),
    });

    this.service = createService(this, 'Service', { metadata: { ...metadata, name: this.serviceName }, selector: pod.selector, ports, type: exposure.type, clientRanges: exposure.access?.clientRanges });
    if (exposure.access) Policy.acknowledge(this.service, EXTERNAL_SERVICE_RULE_ID, exposure.access.reason);

    if (scaling.hpa) {
      this.autoscaler = createAutoscaler(this, 'Autoscaler', { metadata, targetKind: 'Deployment', autoscaling: scaling.hpa });
    }

    this.disruptionBudget = createDisruptionBudget(this, 'DisruptionBudget', { metadata, selector: pod.selector });

    this.connections = new Connections(this, ports, ports[0]);
    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      ingress: ingressRules(ports, exposure.clients),
      egress: props.egressTo ?? [],
      connections: this.connections,
    });

    if (props.metrics) {
      this.serviceMonitor = createServiceMonitor(this, metadata, props.metrics, { matchLabels: { ...pod.selector } }, metricsPort!.name);
      this.connections.allowFrom(props.metrics.scraper, { portName: metricsPort!.name });
    }
  }

  /** The app as a network peer: its pods. */
  public toNetworkPeer(): NetworkPeer {
    return NetworkPeer.workload(this);
  }

  /**
   * Routes `options.host` (and path) to the app through a networking.k8s.io/v1 Ingress, and
   * lets the ingress controller's pods (`options.controller`) in on the main port.
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

  /** Whether a single-writer volume is mounted; refuses it with more than one replica. */
  private checkSingleWriter(storage: ResolvedStorage[], scaling: ResolvedScaling, strategy: RolloutStrategy | undefined): boolean {
    const single = storage.find(v => v.singleWriter);
    if (single && (scaling.maxPods > 1 || scaling.hpa)) {
      throw propError(this, `${single.prop}.accessMode`, single.accessMode,
        `a single-writer volume cannot be shared by ${scaling.hpa ? `an autoscaled Deployment (up to ${scaling.maxPods} replicas)` : `${scaling.maxPods} replicas`} spread over nodes`,
        'use a StatefulApp (one volume per replica), StorageAccessMode.READ_WRITE_MANY with a storage class that supports it, or autoscaling: { enabled: false } with replicas: 1');
    }
    if (single && strategy === RolloutStrategy.ROLLING_UPDATE) {
      throw propError(this, 'rolloutStrategy', RolloutStrategy.ROLLING_UPDATE, `${single.prop} is a single-writer volume, which a new pod cannot attach while the old one runs, so a rolling update would stall`,
        'remove rolloutStrategy (Recreate is then used) or use a ReadWriteMany volume');
    }
    return single !== undefined;
  }

  private addStorage(storage: ResolvedStorage[], labels: Record<string, string>): void {
    for (const volume of storage) {
      const claimName = suggestDnsLabel(`${this.name}-${volume.name}`);
      const claim = new kube.KubePersistentVolumeClaim(this, `Storage-${volume.name}`, {
        metadata: { name: claimName, labels },
        spec: volume.claimSpec,
      });
      this.persistentVolumeClaims.push(claim);
      this._pod.addVolume({ name: volume.volumeName, persistentVolumeClaim: { claimName } }, { name: volume.volumeName, mountPath: volume.mountPath }, `${volume.prop}.mountPath`);
    }
  }
}
