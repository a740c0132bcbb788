/*
 * The exported constants and functions of the package in a form jsii exposes to every language
 * (jsii publishes classes, interfaces and enums only). The original exports stay for
 * TypeScript and JavaScript; these classes return the same values.
 */
import { BATCH_JOB_DEFAULTS, CompletionMode, ConcurrencyPolicy, JobRestartPolicy } from './constructs/batch-job';
import { RBAC_ACKNOWLEDGED_ANNOTATION } from './constructs/namespace-role';
import { SECURE_APP_DEFAULTS } from './constructs/secure-app';
import { API_TOKEN_MOUNT_PATH, CONFIG_CHECKSUM_ANNOTATION, DEFAULT_USER_ID } from './hardening/pod';
import { ACK_ANNOTATION, MIN_REASON_LENGTH } from './policy/acknowledgements';
import { IPolicyRule } from './policy/model';
import { renderRulesTable } from './policy/rules-table';

/** The autoscaling defaults of `SecureApp` (values, as rendered). */
export interface SecureAppAutoscalingDefaults {
  /** `minReplicas` of the HorizontalPodAutoscaler. */
  readonly minReplicas: number;
  /** `maxReplicas` of the HorizontalPodAutoscaler. */
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of the request. */
  readonly cpuTargetUtilizationPercent: number;
  /** Scale-down stabilization window, seconds. */
  readonly scaleDownStabilizationSeconds: number;
}

/** The documented defaults of `SecureApp` (values, as rendered). */
export interface SecureAppDefaults {
  /** Container port. */
  readonly port: number;
  /** Service port with the default `port`: it follows the container port unless `servicePort` is given. */
  readonly servicePort: number;
  /** Replicas when autoscaling is off. */
  readonly replicas: number;
  /** Autoscaling. */
  readonly autoscaling: SecureAppAutoscalingDefaults;
  /** Deployment `revisionHistoryLimit`. */
  readonly revisionHistoryLimit: number;
  /** Deployment `progressDeadlineSeconds`. */
  readonly progressDeadlineSeconds: number;
}

/** The documented defaults of `BatchJob` (values, as rendered). */
export interface BatchJobDefaults {
  /** Job `backoffLimit`. */
  readonly backoffLimit: number;
  /** Job `activeDeadlineSeconds`. */
  readonly activeDeadlineSeconds: number;
  /** `ttlSecondsAfterFinished` of a standalone Job. */
  readonly ttlSecondsAfterFinished: number;
  /** Pod `restartPolicy`. */
  readonly restartPolicy: JobRestartPolicy;
  /** Job `parallelism`. */
  readonly parallelism: number;
  /** Job `completionMode`. */
  readonly completionMode: CompletionMode;
  /** CronJob `concurrencyPolicy`. */
  readonly concurrencyPolicy: ConcurrencyPolicy;
  /** CronJob `startingDeadlineSeconds`. */
  readonly startingDeadlineSeconds: number;
  /** CronJob `successfulJobsHistoryLimit`. */
  readonly successfulJobsHistoryLimit: number;
  /** CronJob `failedJobsHistoryLimit`. */
  readonly failedJobsHistoryLimit: number;
  /** CronJob `suspend`. */
  readonly suspend: boolean;
}

/** Annotation keys the library writes and reads. */
export class HardenedAnnotations {
  /** On pod templates: the checksum of the attached config; pods roll when it changes. */
  public static readonly CONFIG_CHECKSUM = CONFIG_CHECKSUM_ANNOTATION;
  /** Acknowledged policy rules with their reasons (`Policy.acknowledge`, or by hand in YAML). */
  public static readonly ACKNOWLEDGED = ACK_ANNOTATION;
  /** On a NamespaceRole's Role: the acknowledged RBAC risks with their reasons. */
  public static readonly RBAC_ACKNOWLEDGED = RBAC_ACKNOWLEDGED_ANNOTATION;

  private constructor() {}
}

/** Defaults the constructs apply, documented in one place. */
export class HardenedDefaults {
  /** `runAsUser`, `runAsGroup` and `fsGroup` of every pod unless set. */
  public static readonly USER_ID = DEFAULT_USER_ID;
  /** Where a projected API token is mounted (the Kubernetes client libraries' default). */
  public static readonly API_TOKEN_MOUNT_PATH = API_TOKEN_MOUNT_PATH;
  /** The shortest reason an acknowledgement accepts, in characters. */
  public static readonly MIN_ACKNOWLEDGEMENT_REASON_LENGTH = MIN_REASON_LENGTH;
  /** The defaults of `SecureApp`. */
  public static readonly SECURE_APP: SecureAppDefaults = SECURE_APP_DEFAULTS;
  /** The defaults of `BatchJob`. */
  public static readonly BATCH_JOB: BatchJobDefaults = BATCH_JOB_DEFAULTS;

  private constructor() {}
}

/** The policy rules table (Markdown), as in docs/rules.md. */
export class RulesTable {
  /**
   * Markdown: one table per rule family, with id, severity, packs, standards, why and fix.
   * @param rules the rules to list (default: every built-in rule)
   */
  public static markdown(rules?: IPolicyRule[]): string {
    return rules === undefined ? renderRulesTable() : renderRulesTable(rules);
  }

  private constructor() {}
}
