import { Chart, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from '../hardening/kube';
import { propError } from '../hardening/errors';
import { Connections } from '../hardening/connections';
import { createWorkloadNetworkPolicy, INetworkPeer, INetworkTarget, NetworkPeer } from '../hardening/network';
import { WorkloadClass } from '../hardening/workload-class';
import { HardenedPod, WorkloadProps } from '../hardening/pod';
import { checkSchedule, checkTimeZone } from '../hardening/schedule';
import { checkInteger } from '../hardening/validation';
import { isDuration, sameCopies } from '../hardening/single-copy';
import { arrayOf, bool, duration, enumOf, instanceOf, int, optional, str, struct, validateProps } from '../hardening/props';
import { WORKLOAD_FIELDS } from '../hardening/schemas';

/** What the kubelet does when the job's container fails. `Always` is not allowed for Jobs. */
export enum JobRestartPolicy {
  /** A failed pod stays failed and the Job creates a new pod (counts against `backoffLimit`); its logs stay readable. */
  NEVER = 'Never',
  /** The kubelet restarts the container in the same pod (each restart counts against `backoffLimit`). */
  ON_FAILURE = 'OnFailure',
}

/** How a Job with several completions tells its pods apart. */
export enum CompletionMode {
  /** The pods are interchangeable; the Job is done after `completions` successful pods. */
  NON_INDEXED = 'NonIndexed',
  /**
   * Each pod gets an index 0 … completions-1 (env `JOB_COMPLETION_INDEX`); the Job is done when
   * every index has succeeded once. Needs `completions`.
   */
  INDEXED = 'Indexed',
}

/** What a CronJob does when a run is due while the previous one is still running. */
export enum ConcurrencyPolicy {
  /** Skip the new run: runs never overlap (the default). */
  FORBID = 'Forbid',
  /** Stop the running Job and start the new one. */
  REPLACE = 'Replace',
  /** Run both at once. */
  ALLOW = 'Allow',
}

const EXIT_CODE_FIX = 'give exit codes from 1 to 255 (0 is success and cannot be matched)';

/**
 * A rule of the Job's pod failure policy: decides, per failed pod, whether the Job fails at
 * once, or the failure is ignored (not counted against `backoffLimit`). Rules apply in order;
 * a failure no rule matches counts against `backoffLimit`. Needs `JobRestartPolicy.NEVER`.
 */
export class PodFailureRule {
  /**
   * Fail the whole Job at once, without retries, when the container exits with one of
   * `exitCodes`: for errors a retry cannot fix (bad input, a failed migration check).
   */
  public static failJobOnExitCodes(exitCodes: number[]): PodFailureRule {
    return new PodFailureRule(`failJobOnExitCodes(${JSON.stringify(exitCodes)})`, 'FailJob', exitCodes);
  }

  /**
   * Retry without counting against `backoffLimit` when the container exits with one of
   * `exitCodes`: for failures that are known to be transient.
   */
  public static ignoreExitCodes(exitCodes: number[]): PodFailureRule {
    return new PodFailureRule(`ignoreExitCodes(${JSON.stringify(exitCodes)})`, 'Ignore', exitCodes);
  }

  /**
   * Retry without counting against `backoffLimit` when the pod was disrupted (preempted,
   * evicted by a drain, deleted by the API): such failures say nothing about the job.
   */
  public static ignoreDisruptions(): PodFailureRule {
    return new PodFailureRule('ignoreDisruptions()', 'Ignore', undefined);
  }

  private constructor(
    /** A short description, for error messages. */
    public readonly description: string,
    /** `FailJob` or `Ignore`. */
    public readonly action: string,
    private readonly exitCodes: number[] | undefined,
  ) {}

  /** Exit codes this rule matches (sorted, without duplicates); undefined for pod conditions. @internal */
  public _exitCodes(scope: IConstruct, prop: string): number[] | undefined {
    if (this.exitCodes === undefined) return undefined;
    if (!Array.isArray(this.exitCodes) || this.exitCodes.length === 0) {
      throw propError(scope, prop, this.exitCodes, 'an exit-code rule needs at least one exit code', EXIT_CODE_FIX);
    }
    for (const code of this.exitCodes) {
      checkInteger(scope, `${prop} exit code`, code, 1, 255, EXIT_CODE_FIX);
    }
    return [...new Set(this.exitCodes)].sort((a, b) => a - b);
  }

  /** @internal */
  public _toKube(exitCodes: number[] | undefined): k8s.PodFailurePolicyRule {
    return exitCodes
      // onPodConditions is a required field in the Kubernetes 1.28 schema (optional from 1.29);
      // an empty list satisfies it and means "match on exit codes only".
      ? { action: this.action, onExitCodes: { operator: 'In', values: exitCodes }, onPodConditions: [] }
      : { action: this.action, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] };
  }
}

/** Props of a BatchJob. Without `schedule` it is a Job that runs once; with it, a CronJob. */
export interface BatchJobProps extends WorkloadProps {
  /**
   * Cron schedule: five fields (minute hour day-of-month month day-of-week) or one of
   * `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
   * Makes the BatchJob a CronJob.
   * @default - no schedule: a Job that runs once
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule (CronJob only).
   * @default - the time zone of the kube-controller-manager (usually UTC)
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the previous one still runs (CronJob only).
   * @default ConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * How late a missed run may still start, e.g. after a controller outage; later runs are
   * skipped and counted as missed (CronJob only). At least 10 seconds.
   * @default Duration.minutes(5)
   */
  readonly startingDeadline?: Duration;
  /**
   * Finished successful Jobs kept for inspection (CronJob only).
   * @default 3
   */
  readonly successfulJobsHistoryLimit?: number;
  /**
   * Finished failed Jobs kept for inspection (CronJob only).
   * @default 1
   */
  readonly failedJobsHistoryLimit?: number;
  /**
   * A CronJob creates no new runs while suspended; a standalone Job is created suspended and
   * starts when `suspend` is set to false (e.g. by a queue controller).
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * Retries before the Job is marked failed. 0 means no retry (e.g. for a migration that must
   * not run twice).
   * @default 3
   */
  readonly backoffLimit?: number;
  /**
   * Longest time a Job may run, retries included; then its pods are stopped and it fails.
   * @default Duration.hours(1)
   */
  readonly activeDeadline?: Duration;
  /**
   * How long a finished standalone Job (and its pods and logs) is kept before it is deleted.
   * Not allowed with `schedule`: a CronJob's history limits clean up its Jobs.
   * @default - Duration.days(1) for a standalone Job; not set on a CronJob's Jobs
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * What happens when the container fails.
   * @default JobRestartPolicy.NEVER
   */
  readonly restartPolicy?: JobRestartPolicy;
  /**
   * Pods that run at the same time.
   * @default 1
   */
  readonly parallelism?: number;
  /**
   * Successful pods needed to finish the Job. Not below `parallelism`.
   * @default - unset: the Job is done when one pod succeeds (with parallelism > 1: a work queue, done when any pod succeeds and all have ended)
   */
  readonly completions?: number;
  /**
   * Whether the pods are interchangeable or each gets an index.
   * @default CompletionMode.NON_INDEXED
   */
  readonly completionMode?: CompletionMode;
  /**
   * Rules that fail the Job at once on some exit codes, or ignore some failures, before
   * `backoffLimit` counts them. Needs `restartPolicy` NEVER.
   * @default - none: every failed pod counts against backoffLimit
   */
  readonly podFailurePolicy?: PodFailureRule[];
}

/** The documented defaults of BatchJob, in one place (tested against the rendered output). */
export const BATCH_JOB_DEFAULTS = {
  backoffLimit: 3,
  activeDeadlineSeconds: 3600,
  ttlSecondsAfterFinished: 86400,
  restartPolicy: JobRestartPolicy.NEVER,
  parallelism: 1,
  completionMode: CompletionMode.NON_INDEXED,
  concurrencyPolicy: ConcurrencyPolicy.FORBID,
  startingDeadlineSeconds: 300,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 1,
  suspend: false,
};

/** Longest CronJob name: the controller names each Job "<cronjob>-<up to 11 digits>". */
const CRONJOB_MAX_NAME = 52;
const ONE_YEAR = 365 * 24 * 3600;

/** Runtime schema of BatchJobProps (type, range and format of every prop). */
const BATCH_JOB_SCHEMA = struct({
  ...WORKLOAD_FIELDS,
  schedule: optional(str()),
  timeZone: optional(str()),
  concurrencyPolicy: optional(enumOf(ConcurrencyPolicy, 'ConcurrencyPolicy')),
  startingDeadline: optional(duration()),
  successfulJobsHistoryLimit: optional(int(0, 100)),
  failedJobsHistoryLimit: optional(int(0, 100)),
  suspend: optional(bool),
  backoffLimit: optional(int(0, 1000)),
  activeDeadline: optional(duration()),
  ttlAfterFinished: optional(duration()),
  restartPolicy: optional(str()), // the values are checked below
  parallelism: optional(int(1, 100000)),
  completions: optional(int(1, 100000)),
  completionMode: optional(enumOf(CompletionMode, 'CompletionMode')),
  podFailurePolicy: optional(arrayOf(instanceOf(PodFailureRule, 'PodFailureRule', 'use PodFailureRule.failJobOnExitCodes(...), PodFailureRule.ignoreDisruptions() or another PodFailureRule factory'))),
}, 'BatchJobProps');

/**
 * Batch work, hardened by construction: a Job (or, with a `schedule`, a CronJob) running the
 * same hardened pod as SecureApp, its own ServiceAccount without a token, and a NetworkPolicy
 * that allows no ingress at all and egress only to DNS and the declared destinations. Retries
 * and run time are bounded, finished Jobs are cleaned up, and scheduled runs never overlap by
 * default.
 */
export class BatchJob extends Construct implements INetworkTarget, INetworkPeer {
  /** The Job; undefined when the BatchJob has a schedule. */
  public readonly job?: k8s.KubeJob;
  /** The CronJob; undefined when the BatchJob has no schedule. */
  public readonly cronJob?: k8s.KubeCronJob;
  /** The job's own ServiceAccount (no API token unless a role is bound). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The NetworkPolicy: no ingress, egress to DNS and `egressTo`. */
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Whom the job may reach: `job.connections.allowTo(api)`. It takes no connections. */
  public readonly connections: Connections;
  /** `metadata.name` of every object of the job. */
  public readonly name: string;
  /** Labels that select exactly the job's pods. */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The shared hardened pod builder behind the Job. @internal */
  public readonly _pod: HardenedPod;

  constructor(scope: Construct, id: string, props: BatchJobProps) {
    super(sameCopies(scope, id), id); // one copy of cdk8s and constructs in the app
    validateProps(this, BATCH_JOB_SCHEMA, props);
    if (!props || typeof props.image !== 'string') {
      throw propError(this, 'image', props?.image, 'an image is required', 'pass image: "registry/repo:1.2.3"');
    }
    const scheduled = props.schedule !== undefined;
    if (scheduled) checkSchedule(this, 'schedule', props.schedule!);
    else this.refuseCronOnly(props);

    const jobSpec = this.resolveJobSpec(props, scheduled);
    if (scheduled && typeof props.name === 'string' && props.name.length > CRONJOB_MAX_NAME) {
      throw propError(this, 'name', props.name, `longer than ${CRONJOB_MAX_NAME} characters: the CronJob controller names each Job "<name>-<11 digits>", and Job names have at most 63`,
        `use at most ${CRONJOB_MAX_NAME} characters, e.g. ${JSON.stringify(props.name.slice(0, CRONJOB_MAX_NAME).replace(/-+$/, ''))}`);
    }

    // A job is best-effort work: when the app deploys the PriorityClasses, a job whose user chose
    // no class runs as BATCH (low priority, never preempts); otherwise it names none.
    const pod = new HardenedPod(this, props, {
      component: 'job',
      maxNameLength: scheduled ? CRONJOB_MAX_NAME : 63,
      defaultWorkloadClass: WorkloadClass.BATCH,
      // Sidecars are ordinary containers unless nativeSidecars (alpha in Kubernetes 1.28), and a
      // Job is complete only when every container has exited: an ordinary sidecar would keep it
      // running until activeDeadline fails it.
      sidecarsRefusal: {
        problem: 'a Job completes only when all its containers exit, and an ordinary sidecar runs for the life of the pod, so the Job would never complete',
        fix: 'set nativeSidecars: true (Kubernetes 1.29+, or 1.28 with the SidecarContainers feature gate): native sidecars stop when the job ends; or run the helper as an init container',
      },
    });
    this._pod = pod;
    this.name = pod.identity.name;
    this.podSelectorLabels = pod.selector;
    this.serviceAccount = pod.serviceAccount;
    const metadata = { name: this.name, labels: pod.labels };
    const renderJobSpec = (): k8s.JobSpec => ({
      ...jobSpec.spec,
      template: pod.renderTemplate({ restartPolicy: jobSpec.restartPolicy }),
    });

    if (scheduled) {
      const cron = this.resolveCronSpec(props);
      this.cronJob = new kube.KubeCronJob(this, 'Resource', {
        metadata,
        spec: Lazy.any({
          produce: (): k8s.CronJobSpec => ({
            ...cron,
            jobTemplate: { metadata: { labels: pod.labels }, spec: renderJobSpec() },
          }),
        }),
      });
    } else {
      this.job = new kube.KubeJob(this, 'Resource', {
        metadata,
        spec: Lazy.any({ produce: renderJobSpec }),
      });
    }

    // Jobs take no traffic: both policy types and no ingress rule at all, so all ingress is denied.
    this.connections = new Connections(this, []);
    this.networkPolicy = createWorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: this.name,
      labels: pod.labels,
      podSelector: pod.instanceSelector,
      egress: props.egressTo ?? [],
      connections: this.connections,
    });
  }

  /** The job as a network peer: its pods. */
  public toNetworkPeer(): NetworkPeer {
    return NetworkPeer.workload(this);
  }

  /** Namespace of the job: the chart's. */
  public get namespace(): string | undefined {
    return Chart.of(this).namespace;
  }

  private refuseCronOnly(props: BatchJobProps): void {
    const cronOnly: (keyof BatchJobProps)[] = ['timeZone', 'concurrencyPolicy', 'startingDeadline', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'];
    for (const prop of cronOnly) {
      const value = props[prop];
      if (value !== undefined) {
        throw propError(this, prop, this.show(value), 'applies only to a scheduled job (a CronJob)',
          `set schedule (e.g. "0 3 * * *") to make it a CronJob, or remove ${prop}`);
      }
    }
  }

  /** Job settings, shared by a standalone Job and a CronJob's job template (without the pod template). */
  private resolveJobSpec(props: BatchJobProps, scheduled: boolean): { spec: Omit<k8s.JobSpec, 'template'>; restartPolicy: string } {
    const d = BATCH_JOB_DEFAULTS;
    const restartPolicy = props.restartPolicy ?? d.restartPolicy;
    if (!Object.values(JobRestartPolicy).includes(restartPolicy)) {
      throw propError(this, 'restartPolicy', restartPolicy, 'a Job\'s pods must end: Kubernetes accepts only Never and OnFailure for Jobs',
        'use JobRestartPolicy.NEVER (a new pod per retry, the default) or JobRestartPolicy.ON_FAILURE (restart in place)');
    }
    const backoffLimit = props.backoffLimit ?? d.backoffLimit;
    checkInteger(this, 'backoffLimit', backoffLimit, 0, 1000, 'use a number of retries from 0 (no retry) to 1000 (3 by default)');
    const activeDeadlineSeconds = props.activeDeadline === undefined ? d.activeDeadlineSeconds
      : this.seconds('activeDeadline', props.activeDeadline, 1, 'bound the run time, e.g. Duration.hours(1) (the default)');

    let ttlSecondsAfterFinished: number | undefined;
    if (scheduled) {
      if (props.ttlAfterFinished !== undefined) {
        throw propError(this, 'ttlAfterFinished', this.show(props.ttlAfterFinished), 'a CronJob cleans up its Jobs through its history limits; a TTL would delete the Jobs those limits keep for inspection (kube-linter job-ttl-seconds-after-finished)',
          'remove ttlAfterFinished and set successfulJobsHistoryLimit / failedJobsHistoryLimit');
      }
    } else {
      ttlSecondsAfterFinished = props.ttlAfterFinished === undefined ? d.ttlSecondsAfterFinished
        : this.seconds('ttlAfterFinished', props.ttlAfterFinished, 1, 'keep the finished Job long enough to read its status and logs, e.g. Duration.days(1) (the default)');
    }

    const parallelism = props.parallelism ?? d.parallelism;
    checkInteger(this, 'parallelism', parallelism, 1, 100000, 'run at least 1 pod at a time (1 by default)');
    const completionMode = props.completionMode ?? d.completionMode;
    if (!Object.values(CompletionMode).includes(completionMode)) {
      throw propError(this, 'completionMode', completionMode, 'not a completion mode', 'use CompletionMode.NON_INDEXED or CompletionMode.INDEXED');
    }
    if (props.completions !== undefined) {
      checkInteger(this, 'completions', props.completions, 1, 100000, 'use at least 1 completion');
      if (props.completions < parallelism) {
        throw propError(this, 'completions', props.completions, `fewer completions than parallelism ${parallelism}: the extra pods would have no work (the Job never runs more pods than completions remain)`,
          `lower parallelism to at most ${props.completions}, raise completions, or leave completions unset for a work queue`);
      }
    } else if (completionMode === CompletionMode.INDEXED) {
      throw propError(this, 'completionMode', completionMode, 'an Indexed Job needs completions: the number of indexes', 'set completions (e.g. the number of shards)');
    }

    let podFailurePolicy: k8s.PodFailurePolicy | undefined;
    if (props.podFailurePolicy !== undefined) {
      const rules = props.podFailurePolicy;
      if (restartPolicy !== JobRestartPolicy.NEVER) {
        throw propError(this, 'podFailurePolicy', rules.map(r => r.description), 'a pod failure policy needs restartPolicy Never (with OnFailure the kubelet restarts the container and the pod never fails)',
          'use restartPolicy: JobRestartPolicy.NEVER, or remove podFailurePolicy');
      }
      if (rules.length === 0 || rules.length > 20) {
        throw propError(this, 'podFailurePolicy', rules.map(r => r?.description), 'must have from 1 to 20 rules', 'leave it unset for no policy, or give up to 20 rules');
      }
      const seen = new Map<number, string>();
      podFailurePolicy = {
        rules: rules.map((rule, i) => {
          if (!(rule instanceof PodFailureRule)) {
            throw propError(this, `podFailurePolicy[${i}]`, rule, 'not a PodFailureRule', 'use PodFailureRule.failJobOnExitCodes([...]), .ignoreExitCodes([...]) or .ignoreDisruptions()');
          }
          const codes = rule._exitCodes(this, `podFailurePolicy[${i}]`);
          for (const code of codes ?? []) {
            const other = seen.get(code);
            if (other) {
              throw propError(this, `podFailurePolicy[${i}]`, rule.description, `exit code ${code} is already matched by ${other}, and only the first matching rule applies`, 'list each exit code in one rule');
            }
            seen.set(code, rule.description);
          }
          return rule._toKube(codes);
        }),
      };
    }

    if (props.suspend !== undefined && typeof props.suspend !== 'boolean') {
      throw propError(this, 'suspend', props.suspend, 'must be true or false', 'write suspend: true or leave it unset');
    }
    return {
      restartPolicy,
      spec: {
        backoffLimit,
        activeDeadlineSeconds,
        ttlSecondsAfterFinished,
        parallelism,
        completions: props.completions,
        completionMode,
        podFailurePolicy,
        // A CronJob suspends itself, not its Jobs.
        suspend: !scheduled && props.suspend ? true : undefined,
      },
    };
  }

  private resolveCronSpec(props: BatchJobProps): Omit<k8s.CronJobSpec, 'jobTemplate'> {
    const d = BATCH_JOB_DEFAULTS;
    if (props.timeZone !== undefined) checkTimeZone(this, 'timeZone', props.timeZone);
    const concurrencyPolicy = props.concurrencyPolicy ?? d.concurrencyPolicy;
    if (!Object.values(ConcurrencyPolicy).includes(concurrencyPolicy)) {
      throw propError(this, 'concurrencyPolicy', concurrencyPolicy, 'not a concurrency policy', 'use ConcurrencyPolicy.FORBID (the default), REPLACE or ALLOW');
    }
    const startingDeadlineSeconds = props.startingDeadline === undefined ? d.startingDeadlineSeconds
      : this.seconds('startingDeadline', props.startingDeadline, 10, 'give at least Duration.seconds(10): the controller checks schedules every 10 seconds, so a shorter deadline can skip every run');
    const successfulJobsHistoryLimit = props.successfulJobsHistoryLimit ?? d.successfulJobsHistoryLimit;
    checkInteger(this, 'successfulJobsHistoryLimit', successfulJobsHistoryLimit, 1, 100, 'keep from 1 to 100 finished Jobs, so the last run can be inspected (3 by default)');
    const failedJobsHistoryLimit = props.failedJobsHistoryLimit ?? d.failedJobsHistoryLimit;
    checkInteger(this, 'failedJobsHistoryLimit', failedJobsHistoryLimit, 1, 100, 'keep from 1 to 100 failed Jobs, so a failure can be investigated (1 by default)');
    const suspend = props.suspend ?? d.suspend;
    return {
      schedule: props.schedule!.trim(),
      timeZone: props.timeZone,
      concurrencyPolicy,
      startingDeadlineSeconds,
      successfulJobsHistoryLimit,
      failedJobsHistoryLimit,
      suspend,
    };
  }

  /** Whole seconds of a Duration, at least `min`, at most a year. */
  private seconds(prop: string, value: Duration, min: number, fix: string): number {
    // A Duration of another copy of cdk8s is refused with the two-copies error, not duck-typed.
    if (!isDuration(this, prop, value)) {
      throw propError(this, prop, value, 'must be a cdk8s Duration', `write it like Duration.minutes(30); ${fix}`);
    }
    let seconds: number;
    try {
      seconds = value.toSeconds();
    } catch {
      throw propError(this, prop, value.toHumanString(), 'not a whole number of seconds', fix);
    }
    if (seconds < min || seconds > ONE_YEAR) {
      throw propError(this, prop, value.toHumanString(), `must be from ${min} second${min === 1 ? '' : 's'} to 365 days`, fix);
    }
    return seconds;
  }

  private show(value: unknown): unknown {
    return typeof (value as Duration | undefined)?.toHumanString === 'function' ? (value as Duration).toHumanString() : value;
  }
}
