import { Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { ConfigBinding } from './config';
import { checkAttachmentKeys, ConfigAttachment, configChecksum, configEnv, configVolume, defaultMountPath, resolveConfig, ResolvedConfig } from './config-attachment';
import { checkEnvSelfReferences, checkEnvVariables, ENV_NAME, orderEnvByReferences, renderEnvVariables, resolveEnvReferences, sortedJson } from './env';
import {
  checkAnnotations, checkLabels, checkNodeSelector, durationSeconds, renderImagePullSecrets, renderTolerations, resolveWritable,
  ResolvedWritable, RolloutStrategy, Toleration, WritableVolume,
} from './placement';
import { Policy } from '../policy/policy';
import { propError, REDACTED } from './errors';
import { Capability, resolveCapabilities } from './capabilities';
import { HealthCheck, RenderedProbes } from './health-check';
import { isSensitiveEnv } from './sensitive';
import { checkImage, ImageReference } from './image';
import { appNameLabel, LABEL_COMPONENT, LABEL_INSTANCE, partOfLabel, recommendedLabels, selectorLabels, WorkloadIdentity } from './labels';
import { NetworkPeer } from './network';
import { containerPorts, ResolvedPort, WorkloadPort } from './ports';
import { ContainerResources, resolveResources } from './resources';
import { checkDnsLabel, checkDnsSubdomain, checkInteger, checkQuantity, derivedName, isLabelValue, suggestDnsLabel } from './validation';
import { _priorityClassesDeployed, WorkloadClass } from './workload-class';

/** The user and group every container runs as, unless chosen otherwise. */
export const DEFAULT_USER_ID = 65532;

/** Annotation on the pod template that changes whenever attached config changes. */
export const CONFIG_CHECKSUM_ANNOTATION = 'hardened.cdk8s.io/config-checksum';

/**
 * An init container or a sidecar of a workload's pod. It is hardened by the same builder as the
 * main container: the pod's user and group, no privilege escalation, all capabilities dropped, a
 * read-only root filesystem with emptyDirs at `writablePaths`, requests and limits, a pinned image.
 */
export interface ContainerOptions {
  /** Container name, unique in the pod (a DNS-1123 label). */
  readonly name: string;
  /** Container image, pinned by a version tag or a digest. `latest` and untagged images are refused. */
  readonly image: string;
  /**
   * Entrypoint override.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Plain environment variables (names that look like secrets are refused, as for the main container).
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables from references, as for the main container (`WorkloadProps.envVariables`).
   * @default - none
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * Working directory of the container.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;
  /**
   * Writable directories with their own size limits, beside `writablePaths`. A path another
   * container also lists is the same emptyDir and must have the same size limit.
   * @default - none
   */
  readonly writableVolumes?: WritableVolume[];
  /**
   * CPU, memory and ephemeral-storage requests and limits.
   * @default - see `ContainerResources` (the same defaults as the main container)
   */
  readonly resources?: ContainerResources;
  /**
   * Absolute paths that get a writable emptyDir. A path that another container of the pod also
   * lists is the same volume, so containers share files through it (an init container copying a
   * binary for the main container, a sidecar reading the app's logs).
   * @default - none (the whole filesystem is read-only)
   */
  readonly writablePaths?: string[];
  /**
   * Readiness and liveness checks of a sidecar: `HealthCheck.exec(...)`, or `http`/`tcp`/`grpc`
   * on the sidecar's first port (`ports`) or on a `port` the check names. Not allowed on an init
   * container (it runs to completion).
   * @default - no probes: the policy gate then reports the sidecar (HARDENED-PROBE-001/002)
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Named ports the sidecar serves (SecureApp and StatefulApp), exactly like the workload's
   * `ports`: each a container port on this sidecar, a Service port of the same name and an
   * ingress rule of its own (from the port's `ingressFrom`, else the workload's). A name or number
   * another container of the pod uses is refused. `connections.allowTo(app, { port })` reaches
   * it, and `metrics: { port }` with one of these numbers scrapes this sidecar. Not allowed on an
   * init container, nor on a Worker or BatchJob (no Service).
   * @default - none
   */
  readonly ports?: WorkloadPort[];
  /**
   * Mount the pod's API token (granted when a NamespaceRole binds the workload) in this container
   * too, e.g. for an init container that creates a Secret through the API.
   * @default false
   */
  readonly mountApiToken?: boolean;
  /**
   * ConfigMaps and EncryptedConfigs this container sees, as the workload's `config`: the object
   * itself or `ConfigAttachment.files(...)` mounts its keys as read-only files,
   * `ConfigAttachment.env(...)` sets variables. An object the main container (or another
   * container) also mounts with the same keys is the same volume, so both may mount it at the
   * same path (an init container running a script the main container also runs). The object's
   * content is part of the pod's config checksum.
   * @default - none
   */
  readonly config?: IConstruct[];
  /**
   * Capabilities added back after dropping ALL: `[Capability.NET_BIND_SERVICE]` for a container
   * that listens on a port below 1024 as a non-root user (the only capability Pod Security
   * `restricted` allows adding). Rendered as `capabilities: { drop: [ALL], add: [...] }`.
   * @default - none: all capabilities dropped
   */
  readonly capabilities?: Capability[];
}

/** Props shared by every workload construct (SecureApp, StatefulApp, Worker, BatchJob). */
export interface WorkloadProps {
  /**
   * Container image, pinned by a version tag or a digest. `latest` and untagged images are refused.
   */
  readonly image: string;
  /**
   * `metadata.name` of every object the construct emits, and the `app.kubernetes.io/instance` label.
   * @default - derived from the construct path (unique in the app, with a hash suffix)
   */
  readonly name?: string;
  /**
   * Entrypoint override.
   * @default - the image's ENTRYPOINT
   */
  readonly command?: string[];
  /**
   * Arguments to the entrypoint.
   * @default - the image's CMD
   */
  readonly args?: string[];
  /**
   * Plain environment variables. Names that look like secrets (password, token, secret, key, ...)
   * are refused: put those in an EncryptedConfig.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * ConfigMaps and EncryptedConfigs to attach; each is mounted read-only as files under
   * /etc/config/<name> or /etc/secrets/<name> (`ConfigAttachment.env(...)` exposes keys as
   * variables instead). The pod template carries a
   * checksum of the attached data, so pods roll exactly when it changes.
   * @default - none
   */
  readonly config?: IConstruct[];
  /**
   * CPU, memory and ephemeral-storage requests and limits.
   * @default - see `ContainerResources`
   */
  readonly resources?: ContainerResources;
  /**
   * Absolute paths that get a writable emptyDir; the root filesystem stays read-only.
   * @default - none (the whole filesystem is read-only)
   */
  readonly writablePaths?: string[];
  /**
   * Size limit of each writable path's emptyDir. All of them together must fit in the
   * ephemeral-storage limit.
   * @default '64Mi'
   */
  readonly writablePathSizeLimit?: string;
  /**
   * Priority and QoS class. Names the class's PriorityClass (deploy `WorkloadPriorityClasses`
   * once per cluster). CRITICAL also requires requests equal to limits (Guaranteed QoS).
   * @default - no priority class (the cluster default) and Burstable QoS; a BatchJob in an app
   * that deploys `WorkloadPriorityClasses` runs as `WorkloadClass.BATCH`
   */
  readonly workloadClass?: WorkloadClass;
  /**
   * A PriorityClass the cluster provides, instead of the workload class's. The API server refuses
   * every pod that names a PriorityClass the cluster lacks.
   * @default - the workload class's PriorityClass, or none
   */
  readonly priorityClassName?: string;
  /**
   * User ID the containers run as (at least 10000, clear of host users).
   * @default 65532
   */
  readonly runAsUser?: number;
  /**
   * Group ID the containers run as, and the group that owns mounted volumes (`fsGroup`).
   * @default 65532
   */
  readonly runAsGroup?: number;
  /**
   * Why the image needs a `runAsUser` or `runAsGroup` below 10000 (at least 10 characters), e.g.
   * "postgres image: files owned by uid 999". Allows a non-zero id below 10000 and acknowledges
   * HARDENED-CTR-002 on the workload with this reason (recorded in the output). When 65532 has
   * no /etc/passwd entry in the image, 65534 (`nobody`) usually has one and needs no reason.
   * @default - none: ids below 10000 are refused
   */
  readonly userIdReason?: string;
  /**
   * Environment variables from references: cdk8s-plus `EnvValue`s (ConfigMap and Secret keys,
   * `encryptedConfig.envValue(key)`, downward-API fields, resource fields), optional or not.
   * A key that a ConfigMap or EncryptedConfig of the app lacks is refused; such objects also
   * roll the pods when they change. `EnvValue.fromValue` under a name that looks like a secret
   * is refused, as in `env`.
   * @default - none
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };
  /**
   * Labels added to every object of the workload and its pod template (team, cost centre).
   * The `app.kubernetes.io/*` labels the library sets cannot be overridden.
   * @default - only the recommended labels
   */
  readonly labels?: { [key: string]: string };
  /**
   * Labels of the pod template only (e.g. `app` and `version` that a service mesh selects on).
   * Never in the selector, so they can change without replacing the workload.
   * @default - only the recommended labels and `labels`
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Annotations of the pod template (e.g. `prometheus.io/scrape`, `sidecar.istio.io/inject`).
   * Keys under kubernetes.io, k8s.io and cdk8s.io belong to the platform and are refused.
   * @default - only the library's own annotations
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * The `app.kubernetes.io/component` label of every object (e.g. "frontend", "database").
   * @default - "server" for SecureApp and StatefulApp, "worker" for Worker, "job" for BatchJob
   */
  readonly component?: string;
  /**
   * How long a stopping pod gets between SIGTERM and SIGKILL.
   * @default - not set: the Kubernetes default of 30 seconds
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Working directory of the main container.
   * @default - the image's WORKDIR
   */
  readonly workingDir?: string;
  /**
   * Node labels the pods must be scheduled on, e.g. `{ 'kubernetes.io/arch': 'arm64' }`.
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Node taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Names of Secrets of the namespace (type kubernetes.io/dockerconfigjson) that hold the
   * registry credentials for the images.
   * @default - none: the node's credentials or a public registry
   */
  readonly imagePullSecrets?: string[];
  /**
   * Run as another workload's ServiceAccount (its `serviceAccount` member) instead of a
   * ServiceAccount of its own: one identity for several workloads (e.g. three versions of one
   * app). A role bound to that ServiceAccount gives every sharing workload its API token.
   * @default - a ServiceAccount of its own
   */
  readonly serviceAccount?: k8s.KubeServiceAccount;
  /**
   * How a Deployment replaces its pods (SecureApp, Worker; StatefulApp and BatchJob refuse it).
   * @default - RolloutStrategy.ROLLING_UPDATE, or RECREATE where a single-writer volume is mounted
   */
  readonly rolloutStrategy?: RolloutStrategy;
  /**
   * Writable directories with their own size limits, beside `writablePaths` (which all get
   * `writablePathSizeLimit`): `[{ path: '/cache', sizeLimit: Size.gibibytes(1) }]`. All of them
   * together must fit in the ephemeral-storage limit.
   * @default - none
   */
  readonly writableVolumes?: WritableVolume[];
  /**
   * Destinations the pods may reach besides cluster DNS. Everything else is denied.
   * @default - DNS only
   */
  readonly egressTo?: NetworkPeer[];
  /**
   * Containers that run to completion, one after the other, before the main container starts:
   * copy a binary into a shared writable path, wait for a dependency, prepare files.
   * @default - none
   */
  readonly initContainers?: ContainerOptions[];
  /**
   * Containers that run beside the main container for the life of the pod. Ordinary containers
   * unless `nativeSidecars` is set (see docs/workloads.md). A BatchJob accepts them only as native
   * sidecars: a Job is not complete while an ordinary sidecar runs.
   * @default - none
   */
  readonly sidecars?: ContainerOptions[];
  /**
   * Render `sidecars` as Kubernetes native sidecars: init containers with `restartPolicy: Always`,
   * started after the other init containers and before the main container, and stopped after it
   * (so a Job completes). Needs Kubernetes 1.29 or later (on by default), or 1.28 with the alpha
   * `SidecarContainers` feature gate on; an older API server drops the field and the pod would
   * wait for the sidecar to exit.
   * @default false
   */
  readonly nativeSidecars?: boolean;
  /**
   * Capabilities the main container adds back after dropping ALL: `[Capability.NET_BIND_SERVICE]`
   * for an app that listens on a port below 1024 (e.g. 80) as a non-root user. It is the only
   * capability Pod Security `restricted` allows adding. Rendered as
   * `capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }`; without it the gate warns about a
   * port below 1024 (HARDENED-CTR-003).
   * @default - none: all capabilities dropped
   */
  readonly capabilities?: Capability[];
}

/** Options of the shared pod builder, set by each workload construct. */
export interface HardenedPodOptions {
  /** `app.kubernetes.io/component` of the workload. */
  readonly component: string;
  /** Container ports. */
  readonly ports?: k8s.ContainerPort[];
  /** Readiness/liveness/startup probes (serving workloads). */
  readonly probes?: RenderedProbes;
  /**
   * The class for a workload whose user chose none, used only when the app deploys
   * `WorkloadPriorityClasses` (so the PriorityClass exists): BatchJob's BATCH.
   */
  readonly defaultWorkloadClass?: WorkloadClass;
  /**
   * Longest `metadata.name` the workload's objects accept (a CronJob's is 52: its Jobs append
   * an 11-character suffix). Derived names are shortened to fit; a longer `name` is refused.
   * @default 63
   */
  readonly maxNameLength?: number;
  /** Why the workload refuses `sidecars` (a BatchJob), if it does. */
  readonly sidecarsRefusal?: { readonly problem: string; readonly fix: string };
  /**
   * The ports the sidecars declare (`resolveSidecarPorts`), for a serving workload; undefined
   * where sidecars may not serve ports (Worker, BatchJob).
   */
  readonly sidecarPorts?: ResolvedPort[];
  /** Whether the workload is a Deployment (so `rolloutStrategy` applies). */
  readonly deployment?: boolean;
}

/** Where the API token, CA bundle and namespace are mounted: the path of the automounted token. */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The projected API token of a workload that is granted a role. */
export interface ApiTokenOptions {
  /**
   * Lifetime of the token; the kubelet replaces it at 80% of its life. The API server accepts
   * 600 (10 minutes) and more; tokens longer than a day are refused here.
   * @default 3600
   */
  readonly expirationSeconds?: number;
  /**
   * Intended audience of the token. A token with another audience is not accepted by the API
   * server unless it is configured for it.
   * @default - the API server's own audience
   */
  readonly audience?: string;
}

/** The pod builder behind each workload ServiceAccount (so a role binding can find the pod). */
const PODS_BY_SERVICE_ACCOUNT = new WeakMap<object, HardenedPod>();

/** The hardened pod that runs as `serviceAccount`, if this library created that ServiceAccount. */
export function hardenedPodOf(serviceAccount: object): HardenedPod | undefined {
  return PODS_BY_SERVICE_ACCOUNT.get(serviceAccount);
}


/** The main container's key in the pod's mount table. */
const MAIN = '';

/** An init container or sidecar, validated. */
interface ResolvedContainer {
  readonly kind: 'initContainers' | 'sidecars';
  readonly prop: string;
  readonly options: ContainerOptions;
  readonly image: ImageReference;
  readonly env: Record<string, string>;
  readonly envVariables: Record<string, kplus.EnvValue>;
  readonly resources: k8s.ResourceRequirements;
  readonly probes?: RenderedProbes;
  readonly mounts: k8s.VolumeMount[];
  /** The container's `config`, each file attachment with the volume it mounts (maybe shared). */
  readonly config: ResolvedConfig[];
  readonly capabilities: string[];
  readonly ports: k8s.ContainerPort[];
}

/** Whether an attachment is a whole object as `envFrom` (its variable names are not known before synth). */
const isWholeObjectEnv = (c: ResolvedConfig): boolean => c.volumeName === undefined && c.attachment.keys === undefined;

/** Refuses bad env names, non-string values and values that look like secrets. */
function checkEnv(scope: IConstruct, prop: string, env: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(env ?? {}) };
  for (const [key, value] of Object.entries(out)) {
    if (!ENV_NAME.test(key)) {
      throw propError(scope, prop, key, 'not a valid environment variable name', 'use letters, digits, "_", "-" and ".", not starting with a digit');
    }
    if (typeof value !== 'string') {
      throw propError(scope, `${prop}.${key}`, REDACTED, 'values must be strings', 'quote the value');
    }
    if (isSensitiveEnv(key, value)) {
      throw propError(scope, `${prop}.${key}`, REDACTED, 'the name or value looks like a secret, and env values are written to the manifest in plaintext',
        'put the value in an EncryptedConfig and attach it with `config` (as a file, or ConfigAttachment.env for a variable)');
    }
  }
  return out;
}

/** Refuses a working directory that is not an absolute path. */
function checkWorkingDir(scope: IConstruct, prop: string, dir: string | undefined): void {
  if (dir !== undefined && (typeof dir !== 'string' || !dir.startsWith('/') || dir.includes('\0'))) {
    throw propError(scope, prop, dir, 'must be an absolute path', 'write it like "/app"');
  }
}

/** Refuses `command`/`args` that are not lists of strings, and an empty command. */
function checkCommand(scope: IConstruct, prefix: string, command: string[] | undefined, args: string[] | undefined): void {
  for (const [prop, list] of [[`${prefix}command`, command], [`${prefix}args`, args]] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some(a => typeof a !== 'string'))) {
      throw propError(scope, prop, list, 'must be a list of strings', 'write it like ["--port", "8080"]');
    }
  }
  if (command !== undefined && command.length === 0) {
    throw propError(scope, `${prefix}command`, command, 'an empty command', 'leave it unset to use the image entrypoint');
  }
}

/** The hardened container: every container of every pod is built here. */
function hardenedContainer(c: {
  name: string; image: string; command?: string[]; args?: string[]; ports?: k8s.ContainerPort[];
  env?: k8s.EnvVar[]; envFrom?: k8s.EnvFromSource[]; resources: k8s.ResourceRequirements;
  probes?: RenderedProbes; mounts: k8s.VolumeMount[]; workingDir?: string; capabilities?: string[];
}): k8s.Container {
  return {
    name: c.name,
    image: c.image,
    workingDir: c.workingDir,
    // Always: the kubelet checks the registry on every start, so a pod never runs an image
    // cached by another tenant without credentials, and a re-pushed tag is noticed.
    imagePullPolicy: 'Always',
    command: c.command,
    args: c.args,
    ports: c.ports && c.ports.length > 0 ? c.ports : undefined,
    env: c.env && c.env.length > 0 ? orderEnvByReferences(c.env) : undefined, // $(VAR) only expands variables defined before
    envFrom: c.envFrom && c.envFrom.length > 0 ? c.envFrom : undefined,
    resources: c.resources,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'], ...(c.capabilities && c.capabilities.length > 0 ? { add: c.capabilities } : {}) },
    },
    readinessProbe: c.probes?.readiness,
    livenessProbe: c.probes?.liveness,
    startupProbe: c.probes?.startup,
    volumeMounts: c.mounts.length > 0 ? c.mounts : undefined,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * The hardened pod every workload construct uses: a dedicated ServiceAccount without a token,
 * a restricted security context (Pod Security Standards `restricted`, Polaris, kube-score),
 * requests and limits for every resource, a pinned image, a read-only root filesystem with
 * emptyDirs for the writable paths, and config mounted read-only. Init containers and sidecars
 * get the same container hardening.
 */
export class HardenedPod {
  public readonly identity: WorkloadIdentity;
  /** All recommended labels, for the workload's objects and its pod template. */
  public readonly labels: Record<string, string>;
  /** Labels that select exactly the workload's pods. */
  public readonly selector: Record<string, string>;
  /** The one label that identifies the pods (for NetworkPolicies, which Polaris wants on one label). */
  public readonly instanceSelector: Record<string, string>;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly image: ImageReference;
  public readonly workloadClass?: WorkloadClass;
  private readonly resources: k8s.ResourceRequirements;
  private readonly config: ResolvedConfig[];
  private readonly env: Record<string, string>;
  private readonly envVariables: Record<string, kplus.EnvValue>;
  private readonly podLabels: Record<string, string>;
  private readonly podAnnotations: Record<string, string>;
  private readonly podSpecExtras: Partial<k8s.PodSpec>;
  /** Whether the Deployment replaces its pods with `Recreate`. */
  public readonly recreate: boolean;
  /** Workloads that run as this pod's ServiceAccount (`serviceAccount` prop). */
  private readonly sharers: HardenedPod[] = [];
  private readonly volumes: k8s.Volume[] = [];
  private readonly mounts: k8s.VolumeMount[] = [];
  private readonly priorityClassName?: string;
  private readonly runAsUser: number;
  private readonly runAsGroup: number;
  private readonly capabilities: string[];
  private readonly extraContainers: ResolvedContainer[] = [];
  /** Extra pod template labels (e.g. membership of a SharedService); never in the selector. */
  private readonly templateLabels: Record<string, string> = {};
  /** Every mount path of the pod: which volume is mounted there, by whom, in which containers. */
  private readonly paths = new Map<string, { volume: string; owner: string; containers: Set<string> }>();
  /** The mounts of each container (key: MAIN or `kind/name`), to refuse one inside a read-only one. */
  private readonly containerMounts = new Map<string, { path: string; owner: string; readOnly: boolean }[]>();
  /** The emptyDir of each writable path (shared by every container that lists the path). */
  private readonly writableVolumes = new Map<string, { name: string; sizeLimit: string; bytes: number; prop: string }>();
  private apiToken?: { readonly expirationSeconds: number; readonly audience?: string };

  constructor(private readonly scope: Construct, private readonly props: WorkloadProps, private readonly options: HardenedPodOptions) {
    const maxNameLength = options.maxNameLength ?? 63;
    const name = props.name ?? derivedName(scope, maxNameLength);
    if (props.name !== undefined) checkDnsLabel(scope, 'name', props.name);
    if (name.length > maxNameLength) {
      throw propError(scope, 'name', name, `longer than ${maxNameLength} characters, the most this kind of workload accepts`,
        `use at most ${maxNameLength} characters, e.g. ${JSON.stringify(name.slice(0, maxNameLength).replace(/-+$/, ''))}`);
    }
    if (!/^[a-z]/.test(name)) {
      throw propError(scope, 'name', name, 'must start with a letter (it is also a Service and container name)', `use ${JSON.stringify(`app-${name}`)}`);
    }
    this.image = checkImage(scope, 'image', props.image);
    if (props.component !== undefined && (typeof props.component !== 'string' || props.component === '' || !isLabelValue(props.component))) {
      throw propError(scope, 'component', props.component, 'not a label value (at most 63 letters, digits, "-", "_" and ".")', 'write it like "frontend" or "database"');
    }
    this.identity = {
      name,
      appName: appNameLabel(scope, name),
      component: props.component ?? options.component,
      partOf: partOfLabel(scope),
      version: this.image.tag && isLabelValue(this.image.tag) ? this.image.tag : undefined,
    };
    const recommended = recommendedLabels(this.identity);
    this.labels = { ...checkLabels(scope, 'labels', props.labels, { ...recommended, [LABEL_COMPONENT]: this.identity.component }), ...recommended };
    this.selector = selectorLabels(this.identity);
    this.instanceSelector = { [LABEL_INSTANCE]: name };
    this.podLabels = checkLabels(scope, 'podLabels', props.podLabels, this.labels);
    this.podAnnotations = checkAnnotations(scope, 'podAnnotations', props.podAnnotations, ['kubectl.kubernetes.io/default-container', CONFIG_CHECKSUM_ANNOTATION]);

    this.workloadClass = props.workloadClass;
    if (props.priorityClassName !== undefined) checkDnsSubdomain(scope, 'priorityClassName', props.priorityClassName);
    this.priorityClassName = props.priorityClassName ?? props.workloadClass?.priorityClassName;

    this.runAsUser = props.runAsUser ?? DEFAULT_USER_ID;
    this.runAsGroup = props.runAsGroup ?? DEFAULT_USER_ID;
    this.checkIds(props.userIdReason);
    this.capabilities = resolveCapabilities(scope, 'capabilities', props.capabilities);

    checkCommand(scope, '', props.command, props.args);
    this.env = checkEnv(scope, 'env', props.env);
    this.envVariables = checkEnvVariables(scope, 'envVariables', props.envVariables);
    resolveEnvReferences(scope, 'envVariables', this.envVariables);
    checkWorkingDir(scope, 'workingDir', props.workingDir);

    this.podSpecExtras = {
      terminationGracePeriodSeconds: durationSeconds(scope, 'terminationGracePeriod', props.terminationGracePeriod, 0, 86400),
      nodeSelector: checkNodeSelector(scope, props.nodeSelector),
      tolerations: renderTolerations(scope, props.tolerations),
      imagePullSecrets: renderImagePullSecrets(scope, props.imagePullSecrets),
    };
    if (props.rolloutStrategy !== undefined) {
      if (!options.deployment) {
        throw propError(scope, 'rolloutStrategy', props.rolloutStrategy, 'only a Deployment (SecureApp, Worker) has a rollout strategy', 'remove rolloutStrategy');
      }
      if (!Object.values(RolloutStrategy).includes(props.rolloutStrategy)) {
        throw propError(scope, 'rolloutStrategy', props.rolloutStrategy, 'not a rollout strategy', 'use RolloutStrategy.ROLLING_UPDATE or RolloutStrategy.RECREATE');
      }
    }
    this.recreate = props.rolloutStrategy === RolloutStrategy.RECREATE;

    const resolved = resolveResources(scope, props.resources, props.workloadClass);
    this.resources = resolved.requirements;

    this.config = resolveConfig(scope, props.config, Chart.of(scope).namespace);
    checkEnvSelfReferences(scope, '', this.env, this.envVariables, this.config.some(isWholeObjectEnv));
    const declaredEnv = new Set(Object.keys(this.env));
    for (const key of Object.keys(this.envVariables)) {
      if (declaredEnv.has(key)) {
        throw propError(scope, 'envVariables', key, 'this environment variable is set twice (by `env` and `envVariables`)', 'keep one of them');
      }
      declaredEnv.add(key);
    }
    for (const c of this.config) {
      for (const key of c.attachment.variableNames ?? []) {
        if (declaredEnv.has(key)) {
          throw propError(scope, 'config', key, 'this environment variable is set twice (by `env` and by a config attachment)', 'keep one of them');
        }
        declaredEnv.add(key);
      }
    }

    // Writable paths: emptyDirs with a size limit, inside the ephemeral-storage budget.
    const sizeLimit = props.writablePathSizeLimit ?? '64Mi';
    const sizeBytes = checkQuantity(scope, 'writablePathSizeLimit', sizeLimit, '64Mi');
    const writable = resolveWritable(scope, '', props.writablePaths, props.writableVolumes, sizeLimit, sizeBytes);
    const shared = writable.find(w => w.sharedWith !== undefined);
    if (shared) {
      throw propError(scope, `${shared.prop}.sharedWith`, shared.sharedWith, 'only an init container or a sidecar can mount a volume of the main container',
        'list the path in writablePaths of the main container, and sharedWith in the init container or sidecar that fills or reads it');
    }
    writable.forEach((w, i) => {
      const volumeName = this.writableVolume(w, i);
      this.claimPath(MAIN, w.path, volumeName, w.prop);
      this.mounts.push({ name: volumeName, mountPath: w.path });
    });
    this.checkWritableBudget('', writable, resolved.ephemeralLimitBytes);
    for (const c of this.config) {
      if (c.mountPath) this.claimPath(MAIN, c.mountPath, c.volumeName!, 'config mountPath', true);
    }
    this.resolveContainers(sizeLimit, sizeBytes);
    this.checkPodPorts();

    if (props.serviceAccount !== undefined) {
      const owner = hardenedPodOf(props.serviceAccount);
      if (!owner) {
        throw propError(scope, 'serviceAccount', (props.serviceAccount as any)?.node?.path ?? String(props.serviceAccount), 'not the ServiceAccount of a workload of this library',
          'pass another workload\'s `serviceAccount` member (e.g. web.serviceAccount)');
      }
      if (Chart.of(owner.scope).namespace !== Chart.of(scope).namespace) {
        throw propError(scope, 'serviceAccount', owner.serviceAccount.name, 'a pod can only run as a ServiceAccount of its own namespace', 'share a ServiceAccount of a workload in the same namespace');
      }
      this.serviceAccount = owner.serviceAccount;
      owner.sharers.push(this);
      if (owner.apiToken) this.enableApiToken(owner.apiToken);
    } else {
      this.serviceAccount = new kube.KubeServiceAccount(scope, 'ServiceAccount', {
        metadata: { name, labels: this.labels },
        // No API token unless a role is bound: a stolen token is a foothold in the cluster.
        automountServiceAccountToken: false,
      });
      PODS_BY_SERVICE_ACCOUNT.set(this.serviceAccount, this);
    }
  }

  /**
   * Refuses root and ids below 10000 unless `userIdReason` names the image's need; then
   * acknowledges HARDENED-CTR-002 on the workload with that reason.
   */
  private checkIds(reason: string | undefined): void {
    const low = [this.runAsUser, this.runAsGroup].some(id => typeof id === 'number' && id < 10000);
    const idFix = 'use an ID from 10000 to 2147483647 (kube-score: IDs below 10000 may collide with host users), e.g. 65532, or 65534 (nobody) when the image needs a passwd entry; an image that needs its own uid below 10000 takes userIdReason';
    const min = reason !== undefined ? 1 : 10000;
    checkInteger(this.scope, 'runAsUser', this.runAsUser, min, 2147483647, idFix);
    checkInteger(this.scope, 'runAsGroup', this.runAsGroup, min, 2147483647, idFix);
    if (reason === undefined) return;
    if (!low) {
      throw propError(this.scope, 'userIdReason', reason, 'runAsUser and runAsGroup are 10000 or more, so there is nothing to acknowledge', 'remove userIdReason');
    }
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      throw propError(this.scope, 'userIdReason', reason, 'a reason of at least 10 characters is needed for an id below 10000', 'name the image\'s need, e.g. "postgres image: data files owned by uid 999"');
    }
    Policy.acknowledge(this.scope, 'HARDENED-CTR-002', `runAsUser ${this.runAsUser}, runAsGroup ${this.runAsGroup}: ${reason.trim()}`);
  }

  /** Refuses writable volumes of a container that together exceed its ephemeral-storage limit. */
  private checkWritableBudget(prefix: string, writable: ResolvedWritable[], limitBytes: number): void {
    const total = writable.reduce((sum, w) => sum + w.bytes, 0);
    if (total > limitBytes) {
      throw propError(this.scope, `${prefix}writablePaths/writableVolumes`, writable.map(w => `${w.path} (${w.sizeLimit})`),
        `${Math.ceil(total / 2 ** 20)}Mi of emptyDir exceeds the ${prefix ? 'container\'s ' : ''}ephemeral-storage limit (${Math.floor(limitBytes / 2 ** 20)}Mi), so the kubelet would evict the pod before the volumes fill`,
        `raise ${prefix}resources.ephemeralStorage.limit to at least ${Math.ceil(total / 2 ** 20)}Mi, lower the size limits, or use fewer paths`);
    }
  }

  /** Validates `initContainers` and `sidecars` and mounts their writable paths. */
  private resolveContainers(sizeLimit: string, sizeBytes: number): void {
    // sizeLimit/sizeBytes: the default size of a writable path.
    if (this.props.nativeSidecars !== undefined && typeof this.props.nativeSidecars !== 'boolean') {
      throw propError(this.scope, 'nativeSidecars', this.props.nativeSidecars, 'must be true or false', 'write nativeSidecars: true or leave it unset');
    }
    const names = new Map<string, string>([[this.containerName, 'the main container']]);
    for (const kind of ['initContainers', 'sidecars'] as const) {
      const list = this.props[kind];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        throw propError(this.scope, kind, list, 'must be a list of containers', `write it like ${kind}: [{ name: "helper", image: "registry/helper:1.0.0" }]`);
      }
      if (kind === 'sidecars' && list.length > 0 && this.options.sidecarsRefusal && this.props.nativeSidecars !== true) {
        throw propError(this.scope, kind, list.map(c => c?.name), this.options.sidecarsRefusal.problem, this.options.sidecarsRefusal.fix);
      }
      list.forEach((options, i) => {
        const prop = `${kind}[${i}]`;
        if (!options || typeof options.name !== 'string') {
          throw propError(this.scope, `${prop}.name`, options?.name, 'a container needs a name', `give it a name, e.g. { name: "${kind === 'sidecars' ? 'proxy' : 'setup'}", image: ... }`);
        }
        checkDnsLabel(this.scope, `${prop}.name`, options.name);
        const other = names.get(options.name);
        if (other) {
          throw propError(this.scope, `${prop}.name`, options.name, `${other} of the pod has this name, and container names must be unique in a pod`, 'give each container its own name');
        }
        names.set(options.name, prop);
        const image = checkImage(this.scope, `${prop}.image`, options.image);
        checkCommand(this.scope, `${prop}.`, options.command, options.args);
        const env = checkEnv(this.scope, `${prop}.env`, options.env);
        const envVariables = checkEnvVariables(this.scope, `${prop}.envVariables`, options.envVariables);
        resolveEnvReferences(this.scope, `${prop}.envVariables`, envVariables);
        for (const key of Object.keys(envVariables)) {
          if (key in env) throw propError(this.scope, `${prop}.envVariables`, key, 'this environment variable is set twice (by `env` and `envVariables`)', 'keep one of them');
        }
        checkWorkingDir(this.scope, `${prop}.workingDir`, options.workingDir);
        const resources = resolveResources(this.scope, options.resources, this.props.workloadClass, `${prop}.resources`);
        if (options.ports !== undefined) {
          if (kind === 'initContainers') {
            throw propError(this.scope, `${prop}.ports`, options.ports, 'an init container runs to completion and serves no port', 'declare the port on the main container (ports) or on a sidecar');
          }
          if (!this.options.sidecarPorts) {
            throw propError(this.scope, `${prop}.ports`, options.ports, 'this workload has no Service, so a sidecar serves no port through it', 'remove ports (a health port goes on the check: HealthCheck.http("/healthz", { port: 8081 })), or use a SecureApp or StatefulApp');
          }
        }
        const declared = containerPorts((this.options.sidecarPorts ?? []).filter(p => kind === 'sidecars' && p.container === options.name));
        let probes: RenderedProbes | undefined;
        if (options.healthCheck !== undefined) {
          if (kind === 'initContainers') {
            throw propError(this.scope, `${prop}.healthCheck`, options.healthCheck.kind, 'an init container runs to completion and cannot have probes (the API server refuses them)', 'remove healthCheck');
          }
          if (!(options.healthCheck instanceof HealthCheck)) {
            throw propError(this.scope, `${prop}.healthCheck`, options.healthCheck, 'not a HealthCheck', 'use HealthCheck.exec(["/bin/check"]), or HealthCheck.http/tcp/grpc on a port of the sidecar');
          }
          const portCheck = options.healthCheck._mainPortCheck();
          if (declared.length === 0 && portCheck) {
            throw propError(this.scope, `${prop}.healthCheck${portCheck.prop}`, portCheck.kind, 'the sidecar declares no port, so a port check has nothing to connect to',
              `declare the sidecar's port (ports: [{ name: "http", port: 9090 }]), give the check its port (HealthCheck.${portCheck.kind}(${portCheck.kind === 'http' ? '"/healthz", ' : ''}{ port: 9090 })), or use HealthCheck.exec(["/bin/check"])`);
          }
          probes = options.healthCheck._render(this.scope, declared[0]?.name ?? '', `${prop}.healthCheck`, declared);
        }
        if (options.mountApiToken !== undefined && typeof options.mountApiToken !== 'boolean') {
          throw propError(this.scope, `${prop}.mountApiToken`, options.mountApiToken, 'must be true or false', 'write mountApiToken: true or leave it unset');
        }
        const key = `${kind}/${options.name}`;
        const mounts: k8s.VolumeMount[] = [];
        const writable = resolveWritable(this.scope, `${prop}.`, options.writablePaths, options.writableVolumes, sizeLimit, sizeBytes);
        const budget = writable.map(w => {
          const volume = w.sharedWith === undefined ? undefined : this.mainWritableVolume(w);
          const volumeName = volume?.name ?? this.writableVolume(w, undefined);
          this.claimPath(key, w.path, volumeName, w.prop);
          mounts.push({ name: volumeName, mountPath: w.path });
          return volume ? { ...w, sizeLimit: volume.sizeLimit, bytes: volume.bytes } : w;
        });
        this.checkWritableBudget(`${prop}.`, budget, resources.ephemeralLimitBytes);
        if (options.mountApiToken) this.claimPath(key, API_TOKEN_MOUNT_PATH, 'kube-api-access', `${prop}.mountApiToken`, true);
        const config = this.resolveContainerConfig(key, prop, `${kind === 'initContainers' ? 'init' : 'sidecar'}${i}-config`, options.config);
        checkEnvSelfReferences(this.scope, `${prop}.`, env, envVariables, config.some(isWholeObjectEnv));
        const declaredVariables = new Set([...Object.keys(env), ...Object.keys(envVariables)]);
        for (const c of config) {
          for (const variable of c.attachment.variableNames ?? []) {
            if (declaredVariables.has(variable)) {
              throw propError(this.scope, `${prop}.config`, variable, 'this environment variable is set twice (by `env`, `envVariables` or a config attachment)', 'keep one of them');
            }
            declaredVariables.add(variable);
          }
        }
        const capabilities = resolveCapabilities(this.scope, `${prop}.capabilities`, options.capabilities);
        this.extraContainers.push({ kind, prop, options, image, env, envVariables, resources: resources.requirements, probes, mounts, config, capabilities,
          ports: [...declared, ...(probes?.ports ?? [])] });
      });
    }
  }

  /**
   * Resolves the `config` of an init container or sidecar. A file attachment of an object that
   * the main container or an earlier container already mounts with the same keys and optionality
   * reuses that volume, so the containers may share the mount path; otherwise it gets a volume
   * of its own (`<volumePrefix>-<index>`).
   */
  private resolveContainerConfig(key: string, prop: string, volumePrefix: string, config: IConstruct[] | undefined): ResolvedConfig[] {
    const same = (a: ConfigAttachment, b: ConfigAttachment) => a.source === b.source
      && JSON.stringify(sortedJson(a.items ?? {})) === JSON.stringify(sortedJson(b.items ?? {})) && !!a.optional === !!b.optional;
    const earlier = [...this.config, ...this.extraContainers.flatMap(x => x.config)].filter(c => c.volumeName);
    return resolveConfig(this.scope, config, Chart.of(this.scope).namespace, `${prop}.`, volumePrefix).map(c => {
      if (!c.volumeName) return c;
      const shared = earlier.find(e => same(e.attachment, c.attachment));
      const resolved = shared ? { ...c, volumeName: shared.volumeName, shared: true } : c;
      if (resolved.mountPath) this.claimPath(key, resolved.mountPath, resolved.volumeName!, `${resolved.prop}.mountPath`, true);
      return resolved;
    });
  }

  /** The main container's emptyDir that `w.sharedWith` names (`WritableVolume.sharedWith`). */
  private mainWritableVolume(w: ResolvedWritable): { name: string; sizeLimit: string; bytes: number } {
    const volume = this.paths.get(w.sharedWith!)?.containers.has(MAIN) ? this.writableVolumes.get(w.sharedWith!) : undefined;
    if (!volume) {
      const own = [...this.writableVolumes.entries()].filter(([path]) => this.paths.get(path)?.containers.has(MAIN)).map(([path]) => path);
      throw propError(this.scope, `${w.prop}.sharedWith`, w.sharedWith, `not a writable path of the main container (its writable paths: ${own.join(', ') || 'none'})`,
        'list the path in the main container\'s writablePaths or writableVolumes, or name one of those');
    }
    return volume;
  }

  /**
   * Refuses a port number or name used by two containers of the pod (they share one network
   * namespace): the ports the workload and its sidecars declare are checked as they are resolved;
   * this catches the health ports a probe declares (`health-<port>`) on a port of another container.
   */
  private checkPodPorts(): void {
    const numbers = new Map<string, string>();
    const names = new Map<string, string>();
    const containers: { prop: string; ports: k8s.ContainerPort[]; probePorts: k8s.ContainerPort[] }[] = [
      { prop: 'the main container', ports: this.options.ports ?? [], probePorts: this.options.probes?.ports ?? [] },
      ...this.extraContainers.map(x => ({ prop: x.prop, ports: x.ports.filter(p => !(x.probes?.ports ?? []).includes(p)), probePorts: x.probes?.ports ?? [] })),
    ];
    // Declared ports first, so a clash is reported on the probe that reuses one.
    const all = [...containers.flatMap(c => c.ports.map(p => ({ c, p, probe: false }))), ...containers.flatMap(c => c.probePorts.map(p => ({ c, p, probe: true })))];
    for (const { c, p, probe } of all) {
      const owner = probe ? `${c.prop === 'the main container' ? '' : `${c.prop}.`}healthCheck.port` : c.prop;
      const number = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
      const other = numbers.get(number) ?? (p.name ? names.get(p.name) : undefined);
      if (other && other !== owner) {
        throw propError(this.scope, owner, p.containerPort, `${other} of the pod declares port ${p.containerPort} (or the name ${JSON.stringify(p.name)}) too, and the containers of a pod share one network namespace`,
          probe ? 'a probe checks a port of its own container: put the check on the container that listens there (its healthCheck)' : 'give each port of the pod its own number and name');
      }
      numbers.set(number, owner);
      if (p.name) names.set(p.name, owner);
    }
  }

  /** The emptyDir volume of a writable path, created on first use. */
  private writableVolume(w: ResolvedWritable, index: number | undefined): string {
    const existing = this.writableVolumes.get(w.path);
    if (existing) {
      if (existing.sizeLimit !== w.sizeLimit) {
        throw propError(this.scope, w.prop, w.path, `${existing.prop} mounts this path as an emptyDir of ${existing.sizeLimit}, and containers that share a path share one volume`,
          `give the path the same size limit (${existing.sizeLimit}) in both places`);
      }
      return existing.name;
    }
    const used = new Set(this.volumes.map(v => v.name));
    let volumeName = `writable-${suggestDnsLabel(w.path)}`.slice(0, 63).replace(/-+$/, '');
    if (used.has(volumeName)) volumeName = `writable-${index ?? this.writableVolumes.size}`;
    for (let n = this.writableVolumes.size; used.has(volumeName); n++) volumeName = `writable-${n}`;
    this.writableVolumes.set(w.path, { name: volumeName, sizeLimit: w.sizeLimit, bytes: w.bytes, prop: w.prop });
    this.volumes.push({ name: volumeName, emptyDir: { sizeLimit: kube.quantity(w.sizeLimit) } });
    return volumeName;
  }

  /**
   * Records that `container` mounts `volume` at `path`. A container mounts one volume per path;
   * the containers of a pod may share a path only when they share the volume.
   */
  private claimPath(container: string, path: string, volume: string, owner: string, readOnly: boolean = false): void {
    // A mount inside a read-only mount of the same container (a writable path under a config
    // directory): the runtime cannot create the mount point in the read-only volume, and the
    // container fails to start (CreateContainerError, "read-only file system").
    const mounts = this.containerMounts.get(container) ?? [];
    for (const m of mounts) {
      const [outer, inner] = path.startsWith(`${m.path}/`) ? [m, { path, owner, readOnly }] : m.path.startsWith(`${path}/`) ? [{ path, owner, readOnly }, m] : [undefined, undefined];
      if (outer?.readOnly) {
        throw propError(this.scope, owner, path, `${inner!.path} (${inner!.owner}) is inside the read-only mount ${outer.path} (${outer.owner}) of the same container, where the runtime cannot create its mount point, so the container would fail to start`,
          `mount it beside, not inside, ${outer.path} (e.g. give the config another mountPath)`);
      }
    }
    mounts.push({ path, owner, readOnly });
    this.containerMounts.set(container, mounts);
    const entry = this.paths.get(path);
    if (!entry) {
      this.paths.set(path, { volume, owner, containers: new Set([container]) });
      return;
    }
    if (entry.containers.has(container)) {
      throw propError(this.scope, owner, path, `already mounted by ${entry.owner}`, 'give each volume its own path');
    }
    if (entry.volume !== volume) {
      throw propError(this.scope, owner, path, `${entry.owner} mounts another volume (${entry.volume}) at this path, and two containers of one pod mounting different volumes at one path see different files`,
        'use another path, or list the path in writablePaths of both containers to share one emptyDir');
    }
    entry.containers.add(container);
  }

  /**
   * Gives the container a short-lived, audience-bound API token: a projected volume with a
   * `serviceAccountToken`, the cluster CA (`kube-root-ca.crt`) and the namespace, mounted
   * read-only where the automounted token would be, so client libraries work unchanged.
   * `automountServiceAccountToken` stays false on the pod and the ServiceAccount. Called when a
   * role is bound to the workload's ServiceAccount; calling it again with the same options is a no-op.
   */
  public enableApiToken(options: ApiTokenOptions = {}, owner = 'API token'): void {
    const expirationSeconds = options.expirationSeconds ?? 3600;
    checkInteger(this.scope, 'apiToken.expirationSeconds', expirationSeconds, 600, 86400,
      'use 600 (the API server\'s minimum) to 86400 seconds; 3600 by default');
    if (options.audience !== undefined && (typeof options.audience !== 'string' || options.audience.trim() === '')) {
      throw propError(this.scope, 'apiToken.audience', options.audience, 'an empty audience', 'leave it unset for the API server\'s audience');
    }
    const wanted = { expirationSeconds, audience: options.audience };
    if (this.apiToken) {
      if (this.apiToken.expirationSeconds !== wanted.expirationSeconds || this.apiToken.audience !== wanted.audience) {
        throw propError(this.scope, 'apiToken', wanted, `the API token is already projected with ${JSON.stringify(this.apiToken)} and a pod has one token`,
          'request the same token options everywhere the workload is granted a role');
      }
      return;
    }
    this.apiToken = wanted;
    for (const sharer of this.sharers) sharer.enableApiToken(options, owner);
    this.addVolume({
      name: 'kube-api-access',
      projected: {
        // Readable by the pod's group only (fsGroup), like mounted secrets.
        defaultMode: 0o440,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds, audience: options.audience } },
          // Published in every namespace by the cluster (RootCAConfigMap, GA since 1.21).
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          // The JSON field name (the generated L1 type calls it `downwardApi`; see hardening/kube.ts).
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } } as unknown as k8s.VolumeProjection,
        ],
      },
    }, { name: 'kube-api-access', mountPath: API_TOKEN_MOUNT_PATH, readOnly: true }, owner);
  }

  /** Whether the workload has an API token (a role is bound to its ServiceAccount). */
  public get apiTokenEnabled(): boolean {
    return this.apiToken !== undefined;
  }

  /** Adds a volume and its mount in the main container (e.g. PersistentVolumeClaims, token projections). */
  public addVolume(volume: k8s.Volume, mount: k8s.VolumeMount | undefined, owner: string): void {
    if (mount) this.claimPath(MAIN, mount.mountPath, volume.name, owner, mount.readOnly === true);
    this.volumes.push(volume);
    if (mount) this.mounts.push(mount);
  }

  /** Mounts a volume the pod gets elsewhere (a StatefulSet's volumeClaimTemplate) in the main container. */
  public addMount(mount: k8s.VolumeMount, owner: string): void {
    this.claimPath(MAIN, mount.mountPath, mount.name, owner, mount.readOnly === true);
    this.mounts.push(mount);
  }

  /** Adds a label to the pod template (not to the selector, which is immutable). */
  public addTemplateLabel(key: string, value: string): void {
    this.templateLabels[key] = value;
  }

  /** The container name (also the `kubectl.kubernetes.io/default-container`). */
  public get containerName(): string {
    return this.identity.appName;
  }

  /** Renders the pod template; called at synth time, when attached config is complete. */
  public renderTemplate(extra: Partial<k8s.PodSpec> = {}): k8s.PodTemplateSpec {
    const bindings: ConfigBinding[] = [];
    const volumes = [...this.volumes];
    const mounts = [...this.mounts];
    const env: k8s.EnvVar[] = Object.keys(this.env).sort().map(name => ({ name, value: this.env[name] }));
    env.push(...renderEnvVariables(this.envVariables));
    const envFrom: k8s.EnvFromSource[] = [];
    const claimed = new Map<string, string>();
    // Config objects of the app that env values refer to roll the pods too (checked again here:
    // a ConfigMap may have gained or lost keys since construction).
    const referenced = new Map<string, ConfigBinding>();
    const addReferenced = (prop: string, vars: Record<string, kplus.EnvValue>) => {
      for (const object of resolveEnvReferences(this.scope, prop, vars)) referenced.set(`${object.kind}/${object.name}`, object.binding());
    };
    addReferenced('envVariables', this.envVariables);
    for (const x of this.extraContainers) addReferenced(`${x.prop}.envVariables`, x.envVariables);
    for (const c of this.config) {
      const binding = c.binding();
      if (c.owned) checkAttachmentKeys(this.scope, c.prop, c.attachment, binding);
      bindings.push(binding);
      if (c.volumeName) {
        const mountPath = c.mountPath ?? defaultMountPath(binding);
        const other = c.mountPath ? undefined : this.paths.get(mountPath)?.owner ?? claimed.get(mountPath);
        if (other) {
          throw propError(this.scope, 'config', binding.name, `its default mount path ${mountPath} is already used by ${other}`, 'give it a path with ConfigAttachment.files(obj, { mountPath })');
        }
        claimed.set(mountPath, `config ${binding.name}`);
        volumes.push(configVolume(c.volumeName, binding, c.attachment));
        mounts.push({ name: c.volumeName, mountPath, readOnly: true });
      } else {
        const e = configEnv(binding, c.attachment);
        env.push(...e.env);
        envFrom.push(...e.envFrom);
      }
    }
    const container = hardenedContainer({
      name: this.containerName,
      image: this.image.image,
      command: this.props.command,
      args: this.props.args,
      ports: [...(this.options.ports ?? []), ...(this.options.probes?.ports ?? [])],
      env,
      envFrom,
      resources: this.resources,
      probes: this.options.probes,
      mounts,
      workingDir: this.props.workingDir,
      capabilities: this.capabilities,
    });
    const extraContainer = (x: ResolvedContainer): k8s.Container => {
      const xmounts = [...x.mounts];
      const xenv: k8s.EnvVar[] = [];
      const xenvFrom: k8s.EnvFromSource[] = [];
      for (const c of x.config) {
        const binding = c.binding();
        if (c.owned) checkAttachmentKeys(this.scope, c.prop, c.attachment, binding);
        bindings.push(binding);
        if (c.volumeName) {
          const mountPath = c.mountPath ?? defaultMountPath(binding);
          const other = c.mountPath ? undefined : this.paths.get(mountPath);
          if (other && other.volume !== c.volumeName) {
            throw propError(this.scope, c.prop, binding.name, `its default mount path ${mountPath} is already used by ${other.owner}`, 'give it a path with ConfigAttachment.files(obj, { mountPath })');
          }
          if (!c.shared) volumes.push(configVolume(c.volumeName, binding, c.attachment));
          xmounts.push({ name: c.volumeName, mountPath, readOnly: true });
        } else {
          const e = configEnv(binding, c.attachment);
          xenv.push(...e.env);
          xenvFrom.push(...e.envFrom);
        }
      }
      if (x.options.mountApiToken) {
        if (!this.apiToken) {
          throw propError(this.scope, `${x.prop}.mountApiToken`, true, 'no role is bound to the workload, so the pod has no API token to mount',
            'bind a NamespaceRole to the workload (subjects: [Subject.fromApp(...)]), or remove mountApiToken');
        }
        xmounts.push({ name: 'kube-api-access', mountPath: API_TOKEN_MOUNT_PATH, readOnly: true });
      }
      return hardenedContainer({
        name: x.options.name,
        image: x.image.image,
        command: x.options.command,
        args: x.options.args,
        env: [...Object.keys(x.env).sort().map(name => ({ name, value: x.env[name] })), ...renderEnvVariables(x.envVariables), ...xenv],
        envFrom: xenvFrom,
        resources: x.resources,
        probes: x.probes,
        mounts: xmounts,
        workingDir: x.options.workingDir,
        capabilities: x.capabilities,
        ports: x.ports,
      });
    };
    const initContainers = this.extraContainers.filter(x => x.kind === 'initContainers').map(extraContainer);
    const sidecars = this.extraContainers.filter(x => x.kind === 'sidecars').map(extraContainer);
    if (this.props.nativeSidecars) {
      // Native sidecars: init containers that keep running (restartPolicy Always), started in
      // order after the other init containers; the main container starts once they have started.
      initContainers.push(...sidecars.splice(0).map(c => ({ ...c, restartPolicy: 'Always' })));
    }
    const annotations: Record<string, string> = {
      ...this.podAnnotations,
      'kubectl.kubernetes.io/default-container': this.containerName,
    };
    const attached = new Set(bindings.map(b => `${b.kind}/${b.name}`));
    // An object attached to several containers counts once.
    const unique = [...new Map(bindings.map(b => [`${b.kind}/${b.name}`, b])).values()];
    const checksummed = [...unique, ...[...referenced.entries()].filter(([k]) => !attached.has(k)).map(([, b]) => b)];
    if (checksummed.length > 0 || Object.keys(this.env).length > 0) {
      annotations[CONFIG_CHECKSUM_ANNOTATION] = configChecksum(checksummed, this.env);
    }
    return {
      metadata: { labels: { ...this.podLabels, ...this.labels, ...this.templateLabels }, annotations },
      spec: {
        serviceAccountName: this.serviceAccount.name,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        priorityClassName: this.priorityClassName
          ?? (this.options.defaultWorkloadClass && _priorityClassesDeployed(this.scope) ? this.options.defaultWorkloadClass.priorityClassName : undefined),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: this.runAsUser,
          runAsGroup: this.runAsGroup,
          fsGroup: this.runAsGroup,
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...this.podSpecExtras,
        initContainers: initContainers.length > 0 ? initContainers : undefined,
        containers: [container, ...sidecars],
        volumes: volumes.length > 0 ? volumes : undefined,
        ...extra,
      },
    };
  }
}
