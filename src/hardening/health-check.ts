import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { checkInteger } from './validation';
import { arrayOf, bool, int, optional, str, struct, validateOptions } from './props';

/** Timing shared by all health checks. */
export interface HealthCheckTiming {
  /**
   * Add a startup probe (same handler as the liveness probe) that gives a slow-starting
   * process `startupTimeoutSeconds` before liveness checks may restart it.
   * @default false
   */
  readonly startupProbe?: boolean;
  /**
   * With `startupProbe`, how long the process may take to start.
   * @default 60
   */
  readonly startupTimeoutSeconds?: number;
  /**
   * Seconds between readiness checks. Liveness is checked at twice this period.
   * @default 5
   */
  readonly periodSeconds?: number;
  /**
   * Seconds after which a single check counts as failed.
   * @default 1
   */
  readonly timeoutSeconds?: number;
}

/** Options of `HealthCheck.http`. */
export interface HttpHealthCheckOptions extends HealthCheckTiming {
  /**
   * Path of the liveness endpoint: "am I stuck and should be restarted?". Make it cheap and
   * independent of downstream dependencies, unlike readiness.
   * @default - the readiness path (kube-score then reports the two probes as identical)
   */
  readonly livenessPath?: string;
  /**
   * Use HTTPS for the checks (the kubelet does not verify the certificate).
   * @default false
   */
  readonly https?: boolean;
}

/** Options of `HealthCheck.tcp`. */
export interface TcpHealthCheckOptions extends HealthCheckTiming {}

/** Options of `HealthCheck.exec`. */
export interface ExecHealthCheckOptions extends HealthCheckTiming {
  /**
   * Command for the liveness check.
   * @default - the readiness command (kube-score then reports the two probes as identical)
   */
  readonly livenessCommand?: string[];
}

/** The probes a health check renders to. */
export interface RenderedProbes {
  readonly readiness: k8s.Probe;
  readonly liveness: k8s.Probe;
  readonly startup?: k8s.Probe;
}

type Handler = Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec'>;

/** Runtime schema of the options of every HealthCheck factory (checked when a workload renders the probes). */
const HEALTH_CHECK_OPTIONS = struct({
  startupProbe: optional(bool),
  startupTimeoutSeconds: optional(int(1, 86400)),
  periodSeconds: optional(int(1, 300)),
  timeoutSeconds: optional(int(1, 300)),
  livenessPath: optional(str()),
  https: optional(bool),
  livenessCommand: optional(arrayOf(str())),
}, 'HealthCheck options');

/**
 * How the kubelet decides that a container is ready for traffic (readiness) and alive
 * (liveness). Every SecureApp container gets both probes.
 */
export class HealthCheck {
  /**
   * HTTP GET checks on the container's port: `readinessPath` must answer 2xx/3xx only when the
   * app can serve, `livenessPath` whenever the process is not stuck.
   */
  public static http(readinessPath: string, options: HttpHealthCheckOptions = {}): HealthCheck {
    const livenessPath = options?.livenessPath ?? readinessPath;
    const scheme = options?.https ? 'HTTPS' : 'HTTP';
    return new HealthCheck('http', options, [readinessPath, livenessPath],
      (port, path) => ({ httpGet: { path, port: kube.intOrString(port), scheme } }));
  }

  /**
   * TCP checks: ready and alive when the port accepts connections. A socket cannot tell
   * "alive" from "ready", so the two probes are identical (a known kube-score finding);
   * prefer `http` or `exec` when the app has a health endpoint or command.
   */
  public static tcp(options: TcpHealthCheckOptions = {}): HealthCheck {
    return new HealthCheck('tcp', options, [undefined, undefined],
      (port) => ({ tcpSocket: { port: kube.intOrString(port) } }));
  }

  /** Commands run in the container; exit code 0 means healthy. */
  public static exec(readinessCommand: string[], options: ExecHealthCheckOptions = {}): HealthCheck {
    const liveness = options?.livenessCommand ?? readinessCommand;
    return new HealthCheck('exec', options, [readinessCommand, liveness],
      (_port, command) => ({ exec: { command } }));
  }

  private constructor(
    /** The kind of check: "http", "tcp" or "exec". */
    public readonly kind: string,
    private readonly timing: HealthCheckTiming,
    private readonly targets: [any, any],
    private readonly handler: (portName: string, target: any) => Handler,
  ) {}

  /**
   * Validates the check for a construct and renders the probes against a named container port.
   * @internal
   */
  public _render(scope: IConstruct, portName: string, prop = 'healthCheck'): RenderedProbes {
    validateOptions(scope, `${prop} options`, HEALTH_CHECK_OPTIONS, this.timing);
    for (const target of this.targets) {
      if (this.kind === 'http' && (typeof target !== 'string' || !target.startsWith('/'))) {
        throw propError(scope, prop, target, 'an HTTP health check path must start with "/"', 'write it like "/ready" or "/healthz"');
      }
      if (this.kind === 'exec' && (!Array.isArray(target) || target.length === 0 || target.some(a => typeof a !== 'string' || a === ''))) {
        throw propError(scope, prop, target, 'an exec health check needs a non-empty command', 'write it like ["/app/healthcheck", "--ready"]');
      }
    }
    const period = this.timing.periodSeconds ?? 5;
    const timeout = this.timing.timeoutSeconds ?? 1;
    const startupTimeout = this.timing.startupTimeoutSeconds ?? 60;
    checkInteger(scope, `${prop}.periodSeconds`, period, 1, 300, 'use a period from 1 to 300 seconds');
    checkInteger(scope, `${prop}.timeoutSeconds`, timeout, 1, 60, 'use a timeout from 1 to 60 seconds');
    checkInteger(scope, `${prop}.startupTimeoutSeconds`, startupTimeout, 1, 3600, 'use a startup time-out from 1 to 3600 seconds');
    if (timeout > period) {
      throw propError(scope, `${prop}.timeoutSeconds`, timeout, 'longer than the period between checks', `use at most ${period} seconds or raise periodSeconds`);
    }
    const readiness: k8s.Probe = { ...this.handler(portName, this.targets[0]), periodSeconds: period, timeoutSeconds: timeout, failureThreshold: 3, successThreshold: 1 };
    // Liveness is more patient than readiness: a restart is far more disruptive than being
    // taken out of the Service for a moment.
    const liveness: k8s.Probe = { ...this.handler(portName, this.targets[1]), periodSeconds: period * 2, timeoutSeconds: timeout, failureThreshold: 3, successThreshold: 1 };
    const startupPeriod = Math.min(period, 5);
    const startup: k8s.Probe | undefined = this.timing.startupProbe
      ? { ...this.handler(portName, this.targets[1]), periodSeconds: startupPeriod, timeoutSeconds: timeout, failureThreshold: Math.ceil(startupTimeout / startupPeriod), successThreshold: 1 }
      : undefined;
    return { readiness, liveness, startup };
  }
}
