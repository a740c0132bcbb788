import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { propError } from '../hardening/errors';
import { HealthCheck } from '../hardening/health-check';
import { createWorkloadNetworkPolicy, INetworkTarget, NetworkPeer } from '../hardening/network';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import { checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkInteger, checkQuantity, suggestDnsLabel } from '../hardening/validation';
import { sameCopies } from '../hardening/single-copy';

/** Horizontal pod autoscaling of a SecureApp (autoscaling/v2). */
export interface AutoscalingOptions {
  /**
   * Whether an HPA scales the app. When false, `replicas` sets a fixed count.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Fewest replicas; at least 2 keeps the app up while a node drains.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU use, in percent of the CPU request, that the HPA keeps the pods at.
   * @default 70
   */
  readonly cpuTargetUtilizationPercent?: number;
  /**
   * Average memory use, in percent of the memory request, that the HPA keeps the pods at.
   * @default - no memory target
   */
  readonly memoryTargetUtilizationPercent?: number;
  /**
   * How long load must stay low before the HPA removes pods, against flapping.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
}

/** Access mode of a PersistentVolumeClaim. */
export enum StorageAccessMode {
  /** Read-write by the pods of one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Read-write by one pod. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
  /** Read-only by many nodes. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Read-write by many nodes (needs a storage class that supports it, e.g. NFS or CephFS). */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** A persistent volume for a SecureApp: becomes a PersistentVolumeClaim mounted in the container. */
export interface StorageVolume {
  /** Absolute path the volume is mounted at. */
  readonly mountPath: string;
  /** Requested size, a Kubernetes quantity such as "10Gi". */
  readonly size: string;
  /**
   * StorageClass of the claim; it must exist in the cluster.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode. A single-node mode needs a single replica (autoscaling off, `replicas: 1`).
   * @default StorageAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: StorageAccessMode;
  /**
   * Short name of the volume; the claim is named "<app name>-<name>".
   * @default - "data" for the first volume, "data-<n>" for the others
   */
  readonly name?: string;
}

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
  autoscaling: { minReplicas: 2, maxReplicas: 10, cpuTargetUtilizationPercent: 70, scaleDownStabilizationSeconds: 300 },
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
  /**
   * The container port. Always set; typed optional because `INetworkTarget.port` is (jsii
   * does not let an implementation make an optional property required).
   */
  public readonly port?: number;
  /** Labels that select exactly the app's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the Deployment. @internal */
  public readonly _pod: HardenedPod;

  constructor(scope: Construct, id: string, props: SecureAppProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    const port = props.port ?? SECURE_APP_DEFAULTS.port;
    this.port = port;
    checkInteger(this, 'port', port, 1, 65535, 'use a port from 1 to 65535 (8080 by default)');
    const servicePort = props.servicePort ?? SECURE_APP_DEFAULTS.servicePort;
    checkInteger(this, 'servicePort', servicePort, 1, 65535, 'use a port from 1 to 65535 (80 by default)');

    const scaling = this.resolveScaling(props);
    const probes = (props.healthCheck ?? HealthCheck.tcp())._render(this, 'http');
    const pod = new HardenedPod(this, props, {
      component: 'server',
      ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
      probes,
    });
    this._pod = pod;
    this.name = pod.identity.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };

    this.addStorage(props.storage ?? [], scaling.maxPods, metadata.labels);

    // Spread replicas over zones and nodes; only this revision's pods count (pod-template-hash),
    // so a rolling update does not skew the spread.
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: pod.selector },
      matchLabelKeys: ['pod-template-hash'],
    });
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
          template: pod.renderTemplate({
            topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: pod.selector } },
                }],
              },
            },
          }),
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
      const a = scaling.hpa;
      const metrics: k8s.MetricSpecV2[] = [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpu } } },
      ];
      if (a.memory !== undefined) {
        metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memory } } });
      }
      this.autoscaler = new kube.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: a.min,
          maxReplicas: a.max,
          metrics,
          behavior: { scaleDown: { stabilizationWindowSeconds: a.stabilization } },
        },
      });
    }

    this.disruptionBudget = new kube.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata,
      spec: {
        // One pod at a time may be evicted by a drain, whatever the replica count; a
        // minAvailable would block drains whenever the HPA sits at its minimum.
        maxUnavailable: kube.intOrString(1),
        // Pods that are not ready anyway may be evicted, so a crash-looping pod cannot block a drain.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: pod.selector },
      },
    });

    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      ingress: { port, peers: props.ingressFrom ?? [NetworkPeer.sameNamespace()] },
      egress: props.egressTo ?? [],
    });
  }

  /** Namespace of the app: the chart's. */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }

  private resolveScaling(props: SecureAppProps): { fixedReplicas?: number; maxPods: number; hpa?: { min: number; max: number; cpu: number; memory?: number; stabilization: number } } {
    const a = props.autoscaling ?? {};
    const d = SECURE_APP_DEFAULTS.autoscaling;
    if (a.enabled === false) {
      const replicas = props.replicas ?? SECURE_APP_DEFAULTS.replicas;
      checkInteger(this, 'replicas', replicas, 1, 10000, 'use at least 1 replica (2 or more to survive a node drain)');
      return { fixedReplicas: replicas, maxPods: replicas };
    }
    if (props.replicas !== undefined) {
      throw propError(this, 'replicas', props.replicas, 'a fixed replica count conflicts with autoscaling (the HPA owns the count; a fixed value resets it on every apply)',
        'set autoscaling.minReplicas instead, or turn autoscaling off with autoscaling: { enabled: false }');
    }
    const min = a.minReplicas ?? d.minReplicas;
    const max = a.maxReplicas ?? d.maxReplicas;
    checkInteger(this, 'autoscaling.minReplicas', min, 1, 10000, 'use at least 1 (2 or more to survive a node drain)');
    checkInteger(this, 'autoscaling.maxReplicas', max, 1, 10000, 'use a whole number of at least minReplicas');
    if (min > max) {
      throw propError(this, 'autoscaling', { minReplicas: min, maxReplicas: max }, 'minReplicas is greater than maxReplicas', `raise maxReplicas to at least ${min} or lower minReplicas`);
    }
    const cpu = a.cpuTargetUtilizationPercent ?? d.cpuTargetUtilizationPercent;
    checkInteger(this, 'autoscaling.cpuTargetUtilizationPercent', cpu, 1, 100, 'use a percentage from 1 to 100 (70 by default)');
    if (a.memoryTargetUtilizationPercent !== undefined) {
      checkInteger(this, 'autoscaling.memoryTargetUtilizationPercent', a.memoryTargetUtilizationPercent, 1, 100, 'use a percentage from 1 to 100');
    }
    const stabilization = a.scaleDownStabilizationSeconds ?? d.scaleDownStabilizationSeconds;
    checkInteger(this, 'autoscaling.scaleDownStabilizationSeconds', stabilization, 0, 3600, 'use 0 to 3600 seconds');
    return { maxPods: max, hpa: { min, max, cpu, memory: a.memoryTargetUtilizationPercent, stabilization } };
  }

  private addStorage(storage: StorageVolume[], maxPods: number, labels: Record<string, string>): void {
    const names = new Set<string>();
    storage.forEach((volume, i) => {
      const prop = `storage[${i}]`;
      checkAbsolutePath(this, `${prop}.mountPath`, volume.mountPath);
      checkQuantity(this, `${prop}.size`, volume.size, '10Gi');
      if (volume.storageClassName !== undefined) checkDnsSubdomain(this, `${prop}.storageClassName`, volume.storageClassName);
      const short = volume.name ?? (i === 0 ? 'data' : `data-${i}`);
      checkDnsLabel(this, `${prop}.name`, short);
      if (names.has(short)) throw propError(this, `${prop}.name`, short, 'used by another volume', 'give each volume its own name');
      names.add(short);
      const accessMode = volume.accessMode ?? StorageAccessMode.READ_WRITE_ONCE;
      const singleWriter = accessMode === StorageAccessMode.READ_WRITE_ONCE || accessMode === StorageAccessMode.READ_WRITE_ONCE_POD;
      if (singleWriter && maxPods > 1) {
        throw propError(this, `${prop}.accessMode`, accessMode, `a single-node volume cannot be shared by up to ${maxPods} replicas spread over nodes`,
          'use StorageAccessMode.READ_WRITE_MANY with a storage class that supports it, or autoscaling: { enabled: false } with replicas: 1');
      }
      const claimName = suggestDnsLabel(`${this.name}-${short}`);
      const claim = new kube.KubePersistentVolumeClaim(this, `Storage-${short}`, {
        metadata: { name: claimName, labels },
        spec: {
          accessModes: [accessMode],
          storageClassName: volume.storageClassName,
          resources: { requests: { storage: kube.quantity(volume.size) } },
        },
      });
      this.persistentVolumeClaims.push(claim);
      const volumeName = `storage-${short}`.slice(0, 63).replace(/-+$/, '');
      this._pod.addVolume({ name: volumeName, persistentVolumeClaim: { claimName } }, { name: volumeName, mountPath: volume.mountPath }, `${prop}.mountPath`);
    });
  }
}
