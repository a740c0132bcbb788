import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { propError } from '../hardening/errors';
import { HealthCheck } from '../hardening/health-check';
import { createWorkloadNetworkPolicy, INetworkTarget, NetworkPeer } from '../hardening/network';
import { AUTOSCALING_DEFAULTS, AutoscalingOptions, createAutoscaler, resolveScaling, ResolvedScaling } from '../hardening/autoscaling';
import { createDisruptionBudget, spreadPlacement } from '../hardening/availability';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import { resolveStorage, StorageVolume } from '../hardening/storage';
import { checkInteger, suggestDnsLabel } from '../hardening/validation';

/** Props of a SecureApp. */
export interface SecureAppProps extends WorkloadProps {
  /**
   * Port the container listens on (named "http").
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the Service in front of the pods.
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * Readiness and liveness checks.
   * @default - HealthCheck.tcp(): both probes connect to the port; kube-score reports them as identical
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
   * Persistent volumes, each a PersistentVolumeClaim mounted in the container.
   * @default - none
   */
  readonly storage?: StorageVolume[];
  /**
   * Who may connect to the port. Everything else is denied.
   * @default - [NetworkPeer.sameNamespace()]: pods of the app's namespace
   */
  readonly ingressFrom?: NetworkPeer[];
}

/** The documented defaults of SecureApp, in one place (tested against the rendered output). */
export const SECURE_APP_DEFAULTS = {
  port: 8080,
  servicePort: 80,
  replicas: 2,
  autoscaling: AUTOSCALING_DEFAULTS,
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
};

/**
 * A long-running, network-facing app, hardened by construction: ServiceAccount, Deployment,
 * Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy and optional
 * PersistentVolumeClaims.
 */
export class SecureApp extends Construct implements INetworkTarget {
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The ClusterIP Service in front of the pods. */
  public readonly service: k8s.KubeService;
  /** The app's own ServiceAccount (no API token unless a role is bound). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The HorizontalPodAutoscaler; undefined when autoscaling is off. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** The NetworkPolicy. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The PersistentVolumeClaims of `storage`. */
  public readonly persistentVolumeClaims: k8s.KubePersistentVolumeClaim[] = [];
  /** `metadata.name` of every object of the app. */
  public readonly name: string;
  /** The container port. */
  public readonly port: number;
  /** Labels that select exactly the app's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the Deployment. @internal */
  public readonly _pod: HardenedPod;

  constructor(scope: Construct, id: string, props: SecureAppProps) {
    super(scope, id);
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    this.port = props.port ?? SECURE_APP_DEFAULTS.port;
    checkInteger(this, 'port', this.port, 1, 65535, 'use a port from 1 to 65535 (8080 by default)');
    const servicePort = props.servicePort ?? SECURE_APP_DEFAULTS.servicePort;
    checkInteger(this, 'servicePort', servicePort, 1, 65535, 'use a port from 1 to 65535 (80 by default)');

    const scaling = resolveScaling(this, props.autoscaling, props.replicas, SECURE_APP_DEFAULTS.replicas);
    const probes = (props.healthCheck ?? HealthCheck.tcp())._render(this, 'http');
    const pod = new HardenedPod(this, props, {
      component: 'server',
      ports: [{ name: 'http', containerPort: this.port, protocol: 'TCP' }],
      probes,
    });
    this._pod = pod;
    this.name = pod.identity.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };

    this.addStorage(props.storage, scaling, metadata.labels);

    this.deployment = new kube.KubeDeployment(this, 'Resource', {
      metadata,
      spec: Lazy.any({
        produce: (): k8s.DeploymentSpec => ({
          // With an HPA, replicas is the HPA's: a value here would reset the scale on every apply.
          replicas: scaling.fixedReplicas,
          selector: { matchLabels: pod.selector },
          strategy: {
            type: 'RollingUpdate',
            // Zero downtime: a new pod must be ready before an old one goes.
            rollingUpdate: { maxUnavailable: kube.intOrString(0), maxSurge: kube.intOrString('25%') },
          },
          revisionHistoryLimit: SECURE_APP_DEFAULTS.revisionHistoryLimit,
          progressDeadlineSeconds: SECURE_APP_DEFAULTS.progressDeadlineSeconds,
          // Spread replicas over zones and nodes; only this revision's pods count
          // (pod-template-hash), so a rolling update does not skew the spread.
          template: pod.renderTemplate(spreadPlacement(pod.selector, { matchLabelKeys: ['pod-template-hash'] })),
        }),
      }),
    });

    this.service = new kube.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        ipFamilyPolicy: 'PreferDualStack',
        selector: pod.selector,
        ports: [{ name: 'http', port: servicePort, targetPort: kube.intOrString('http'), protocol: 'TCP' }],
      },
    });

    if (scaling.hpa) {
      this.autoscaler = createAutoscaler(this, 'Autoscaler', { metadata, targetKind: 'Deployment', autoscaling: scaling.hpa });
    }

    this.disruptionBudget = createDisruptionBudget(this, 'DisruptionBudget', { metadata, selector: pod.selector });

    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      ingress: { port: this.port, peers: props.ingressFrom ?? [NetworkPeer.sameNamespace()] },
      egress: props.egressTo ?? [],
    });
  }

  /** Namespace of the app: the chart's. */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }

  private addStorage(storage: StorageVolume[] | undefined, scaling: ResolvedScaling, labels: Record<string, string>): void {
    for (const volume of resolveStorage(this, storage)) {
      if (volume.singleWriter && scaling.maxPods > 1) {
        throw propError(this, `${volume.prop}.accessMode`, volume.accessMode, `a single-node volume cannot be shared by up to ${scaling.maxPods} replicas spread over nodes`,
          'use StorageAccessMode.READ_WRITE_MANY with a storage class that supports it, or autoscaling: { enabled: false } with replicas: 1');
      }
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
