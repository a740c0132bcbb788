import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { AutoscalingOptions, createAutoscaler, resolveScaling } from '../hardening/autoscaling';
import { createDisruptionBudget, DEPLOYMENT_DEFAULTS, deploymentSpec } from '../hardening/availability';
import { propError } from '../hardening/errors';
import { HealthCheck } from '../hardening/health-check';
import { Connections } from '../hardening/connections';
import { createPodMonitor, MetricsOptions, resolveMetricsPort } from '../hardening/exposure';
import { createWorkloadNetworkPolicy, INetworkPeer, INetworkTarget, NetworkPeer } from '../hardening/network';
import { containerPorts } from '../hardening/ports';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import { sameCopies } from '../hardening/single-copy';
import { int, optional, struct, validateProps } from '../hardening/props';
import { AUTOSCALING_OPTIONS, HEALTH_CHECK, METRICS_OPTIONS, WORKLOAD_FIELDS } from '../hardening/schemas';

/** Props of a Worker. */
export interface WorkerProps extends WorkloadProps {
  /**
   * How the kubelet tells that the worker is ready and alive: a command,
   * `HealthCheck.exec(["/app/healthcheck"])`, ideally with its own `livenessCommand` (e.g. "has
   * the consumer loop made progress in the last minute?"); or `HealthCheck.http/tcp/grpc` on a
   * health port the worker listens on, named with `port` (e.g. `HealthCheck.http("/healthz",
   * { port: 8081 })`). The port is declared on the container ("health-<port>", or `portName`),
   * with no Service and no ingress rule: the kubelet's probes are not subject to NetworkPolicy.
   */
  readonly healthCheck: HealthCheck;
  /**
   * Horizontal pod autoscaling on CPU (and memory). When given, the HPA owns the replica count.
   * @default - off: `replicas` fixed replicas
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Fixed number of replicas, without `autoscaling`.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Prometheus metrics: a container port named `metrics.portName` ("metrics"), a PodMonitor on it (a Worker has no
   * Service), and ingress on that port from `scraper` only (the Worker's only ingress).
   * @default - none: no port, no ingress
   */
  readonly metrics?: MetricsOptions;
}

/** The documented defaults of Worker, in one place (tested against the rendered output). */
export const WORKER_DEFAULTS = {
  replicas: 2,
  ...DEPLOYMENT_DEFAULTS,
};

/** Runtime schema of WorkerProps (type, range and format of every prop). */
const WORKER_SCHEMA = struct({
  ...WORKLOAD_FIELDS,
  healthCheck: optional(HEALTH_CHECK), // required: refused below with the choices
  autoscaling: optional(AUTOSCALING_OPTIONS),
  replicas: optional(int(0, 10000)),
  metrics: optional(METRICS_OPTIONS),
}, 'WorkerProps');

/**
 * A long-running process that serves no port (a queue consumer, a controller, a load
 * generator), hardened by construction: ServiceAccount, Deployment, PodDisruptionBudget,
 * NetworkPolicy with no ingress at all, and a HorizontalPodAutoscaler when autoscaled. No
 * Service. Health is checked by a command, or on a health port the check names.
 */
export class Worker extends Construct implements INetworkTarget, INetworkPeer {
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The worker's own ServiceAccount (no API token unless a role is bound). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The PodDisruptionBudget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy: no ingress, egress to DNS and `egressTo`. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The HorizontalPodAutoscaler; undefined without `autoscaling`. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** Whom the worker may reach (and who may scrape its metrics): `worker.connections.allowTo(api)`. */
  public readonly connections: Connections;
  /** The PodMonitor of `metrics`; undefined without metrics. */
  public readonly podMonitor?: ApiObject;
  /** `metadata.name` of every object of the worker. */
  public readonly name: string;
  /** Labels that select exactly the worker's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the Deployment. @internal */
  public readonly _pod: HardenedPod;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, WORKER_SCHEMA, props);
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    const check = props.healthCheck;
    const portCheck = check instanceof HealthCheck ? check._mainPortCheck() : undefined;
    if (!(check instanceof HealthCheck) || portCheck) {
      throw propError(this, `healthCheck${portCheck?.prop ?? ''}`, portCheck?.kind ?? check?.kind, 'a Worker serves no port, so its health is checked by a command (a TCP or HTTP probe on a port nothing listens on restarts the pod forever)',
        'pass healthCheck: HealthCheck.exec(["/app/healthcheck"], { livenessCommand: ["/app/alive"] }), or a check on the health port the worker listens on, e.g. HealthCheck.http("/healthz", { port: 8081 })');
    }
    for (const served of ['port', 'ports', 'servicePort', 'serviceType', 'ingressFrom'] as const) {
      const value = (props as unknown as Record<string, unknown>)[served];
      if (value !== undefined) {
        throw propError(this, served, value, 'a Worker serves no port: it has no Service and its NetworkPolicy takes no ingress',
          'use a SecureApp for a served port; a health port goes on the check (HealthCheck.http("/healthz", { port: 8081 })), metrics on `metrics`');
      }
    }
    const scaling = resolveScaling(this, props.autoscaling ?? { enabled: false }, props.replicas, WORKER_DEFAULTS.replicas);
    const ports = props.metrics ? [resolveMetricsPort(this, props.metrics, [])] : [];
    const probes = check._render(this, '', 'healthCheck', containerPorts(ports));
    const pod = new HardenedPod(this, props, { component: 'worker', probes, ports: ports.length > 0 ? containerPorts(ports) : undefined, deployment: true });
    this._pod = pod;
    this.name = pod.identity.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };

    this.deployment = new kube.KubeDeployment(this, 'Resource', {
      metadata,
      spec: Lazy.any({ produce: () => deploymentSpec(pod, scaling.fixedReplicas, pod.recreate) }),
    });
    if (scaling.hpa) {
      this.autoscaler = createAutoscaler(this, 'Autoscaler', { metadata, targetKind: 'Deployment', autoscaling: scaling.hpa });
    }
    this.disruptionBudget = createDisruptionBudget(this, 'DisruptionBudget', { metadata, selector: pod.selector });
    // A worker takes no traffic (but metrics): both policy types and no ingress rule, so all other ingress is denied.
    this.connections = new Connections(this, ports);
    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      egress: props.egressTo ?? [],
      connections: this.connections,
    });
    if (props.metrics) {
      this.podMonitor = createPodMonitor(this, metadata, props.metrics, pod.selector, ports[0].name);
      this.connections.allowFrom(props.metrics.scraper, { portName: ports[0].name });
    }
  }

  /** The worker as a network peer: its pods. */
  public toNetworkPeer(): NetworkPeer {
    return NetworkPeer.workload(this);
  }

  /** Namespace of the worker: the chart's. */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }
}
