import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { checkInteger } from './validation';
import { isPortName } from './ports';
import { anything, arrayOf, bool, duration, int, mapOf, optional, str, struct, validateOptions } from './props';

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
  /**
   * Time between readiness checks, as a Duration (instead of `periodSeconds`).
   * @default - `periodSeconds`
   */
  readonly period?: Duration;
  /**
   * Time after which a single check counts as failed, as a Duration (instead of `timeoutSeconds`).
   * @default - `timeoutSeconds`
   */
  readonly timeout?: Duration;
  /**
   * With `startupProbe`, how long the process may take to start, as a Duration (instead of
   * `startupTimeoutSeconds`).
   * @default - `startupTimeoutSeconds`
   */
  readonly startupTimeout?: Duration;
  /**
   * Time between liveness checks.
   * @default - twice the readiness period
   */
  readonly livenessPeriod?: Duration;
  /**
   * Time after the container starts before the first readiness and liveness checks. Prefer
   * `startupProbe` for a slow start: it ends as soon as the app is up.
   * @default - none: checks start at once
   */
  readonly initialDelay?: Duration;
  /**
   * A check of another kind (or on another port) for liveness only, e.g.
   * `HealthCheck.http('/health', { liveness: HealthCheck.tcp() })`: readiness asks the app's one
   * health endpoint, liveness only that the port accepts connections, so a slow dependency takes
   * the pod out of the Service without restarting it. The liveness check's own target and `port`
   * are used (for `http`, its path; for `grpc`, its `service`; for `exec`, its command); timing
   * comes from this check, so the liveness check takes no timing options of its own. Replaces
   * `livenessPath`, `livenessService` and `livenessCommand` (both given: refused). The startup
   * probe, if any, uses it too.
   * @default - the same kind of check as readiness (with `livenessPath`, `livenessService` or `livenessCommand`)
   */
  readonly liveness?: HealthCheck;
}

/** The port a health check connects to. */
export interface HealthCheckPortOptions {
  /**
   * Container port to check, when it is not the main port (e.g. a health port beside a TLS
   * port). A port the workload does not list is declared on the container (named
   * "health-<port>"), but not added to the Service or the NetworkPolicy: the kubelet on the
   * pod's node always reaches it.
   * @default - the main port
   */
  readonly port?: number;
  /**
   * Name of the container port the check declares for `port` (an IANA service name), when the
   * workload does not list that port.
   * @default - "health-<port>"
   */
  readonly portName?: string;
}

/** Options of `HealthCheck.http`. */
export interface HttpHealthCheckOptions extends HealthCheckTiming, HealthCheckPortOptions {
  /**
   * HTTP headers sent with each check, e.g. `{ Host: 'shop.example.com' }`.
   * @default - none
   */
  readonly headers?: { [name: string]: string };
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
export interface TcpHealthCheckOptions extends HealthCheckTiming, HealthCheckPortOptions {}

/** Options of `HealthCheck.grpc`. */
export interface GrpcHealthCheckOptions extends HealthCheckTiming, HealthCheckPortOptions {
  /**
   * Service name sent in the readiness check's `grpc.health.v1.HealthCheckRequest`.
   * @default - "" (the server's overall health)
   */
  readonly service?: string;
  /**
   * Service name of the liveness check; give it one distinct from `service` (e.g. "liveness")
   * when the server reports them apart, so a busy dependency does not restart the pod.
   * @default - the readiness service (kube-score then reports the two probes as identical)
   */
  readonly livenessService?: string;
}

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
  /** Container ports the probes need that the workload does not list. */
  readonly ports?: k8s.ContainerPort[];
}

type Handler = Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec' | 'grpc'>;

/** The port a probe connects to: a port name for HTTP and TCP, a number for gRPC. */
interface ProbePort {
  readonly name: string;
  readonly number: number;
}

/** Runtime schema of the options of every HealthCheck factory (checked when a workload renders the probes). */
const HEALTH_CHECK_OPTIONS = struct({
  startupProbe: optional(bool),
  startupTimeoutSeconds: optional(int(1, 86400)),
  periodSeconds: optional(int(1, 300)),
  timeoutSeconds: optional(int(1, 300)),
  livenessPath: optional(str()),
  https: optional(bool),
  livenessCommand: optional(arrayOf(str())),
  period: optional(duration()),
  timeout: optional(duration()),
  startupTimeout: optional(duration()),
  livenessPeriod: optional(duration()),
  initialDelay: optional(duration()),
  port: optional(int(-2147483648, 2147483647)), // the range is checked where the port is resolved
  portName: optional(str()),
  headers: optional(mapOf(str())),
  service: optional(str()),
  livenessService: optional(str()),
  liveness: optional(anything), // checked by _render, with the reason
}, 'HealthCheck options');

/** The options of a liveness check that come from the check it belongs to. */
const TIMING_KEYS = ['startupProbe', 'startupTimeoutSeconds', 'periodSeconds', 'timeoutSeconds', 'period', 'timeout', 'startupTimeout', 'livenessPeriod', 'initialDelay', 'liveness'] as const;
/** The liveness options that `liveness` replaces. */
const LIVENESS_TARGET_KEYS = ['livenessPath', 'livenessService', 'livenessCommand'] as const;

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
    options = options ?? {};
    const livenessPath = options.livenessPath ?? readinessPath;
    const scheme = options.https ? 'HTTPS' : 'HTTP';
    const headers = options.headers === undefined ? undefined
      : Object.keys(options.headers).sort().map(name => ({ name, value: options.headers![name] }));
    return new HealthCheck('http', options, [readinessPath, livenessPath],
      (port, path) => ({ httpGet: { path, port: kube.intOrString(port.name), scheme, ...(headers ? { httpHeaders: headers } : {}) } }), options.port);
  }

  /**
   * gRPC checks with the standard health protocol (`grpc.health.v1.Health/Check`, Kubernetes
   * 1.27+), on the main port or `port`.
   */
  public static grpc(options: GrpcHealthCheckOptions = {}): HealthCheck {
    options = options ?? {};
    const service = options.service ?? '';
    const livenessService = options.livenessService ?? service;
    return new HealthCheck('grpc', options, [service, livenessService],
      (port, svc) => ({ grpc: { port: port.number, ...(svc ? { service: svc } : {}) } }), options.port);
  }

  /**
   * TCP checks: ready and alive when the port accepts connections. A socket cannot tell
   * "alive" from "ready", so the two probes are identical (a known kube-score finding);
   * prefer `http` or `exec` when the app has a health endpoint or command.
   */
  public static tcp(options: TcpHealthCheckOptions = {}): HealthCheck {
    options = options ?? {};
    return new HealthCheck('tcp', options, [undefined, undefined],
      (port) => ({ tcpSocket: { port: kube.intOrString(port.name) } }), options.port);
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
    private readonly handler: (port: ProbePort, target: any) => Handler,
    /** The container port to check, when not the main port. */
    public readonly port?: number,
  ) {}

  /** Whether the check connects to a port (HTTP, TCP, gRPC) rather than running a command. */
  public get usesPort(): boolean {
    return this.kind !== 'exec';
  }

  /**
   * Whether the check (or its `liveness` check) connects to the workload's main port (a port
   * check without its own `port`).
   * @internal
   */
  public _usesMainPort(): boolean {
    return this._mainPortCheck() !== undefined;
  }

  /**
   * The check that connects to the workload's main port, for errors: this one (`prop` '') or its
   * `liveness` check (`prop` '.liveness'); undefined when none does.
   * @internal
   */
  public _mainPortCheck(): { readonly prop: string; readonly kind: string } | undefined {
    if (this.kind !== 'exec' && this.port === undefined) return { prop: '', kind: this.kind };
    const liveness = this.timing?.liveness;
    return liveness instanceof HealthCheck && liveness._mainPortCheck() ? { prop: '.liveness', kind: liveness.kind } : undefined;
  }

  /** Refuses targets that are not paths, commands or gRPC service names. */
  private checkTargets(scope: IConstruct, prop: string, targets: any[]): void {
    for (const target of targets) {
      if (this.kind === 'http' && (typeof target !== 'string' || !target.startsWith('/'))) {
        throw propError(scope, prop, target, 'an HTTP health check path must start with "/"', 'write it like "/ready" or "/healthz"');
      }
      if (this.kind === 'exec' && (!Array.isArray(target) || target.length === 0 || target.some(a => typeof a !== 'string' || a === ''))) {
        throw propError(scope, prop, target, 'an exec health check needs a non-empty command', 'write it like ["/app/healthcheck", "--ready"]');
      }
    }
    if (this.kind === 'http' && this.timing && (this.timing as HttpHealthCheckOptions).headers !== undefined) {
      for (const [name, value] of Object.entries((this.timing as HttpHealthCheckOptions).headers!)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== 'string' || /[\r\n]/.test(value)) {
          throw propError(scope, `${prop}.headers`, name, 'not an HTTP header (a token name and a one-line string value)', 'write it like { Host: "shop.example.com" }');
        }
      }
    }
    if (this.kind === 'grpc') {
      for (const svc of targets) {
        if (typeof svc !== 'string') throw propError(scope, `${prop}.service`, svc, 'must be a string', 'write it like "shop.Cart" or leave it unset');
      }
    }
  }

  /**
   * The `liveness` check, validated: a HealthCheck without timing of its own, and no
   * `livenessPath`/`livenessService`/`livenessCommand` beside it.
   */
  private livenessCheck(scope: IConstruct, prop: string): HealthCheck | undefined {
    const liveness = this.timing?.liveness;
    if (liveness === undefined) return undefined;
    if (!(liveness instanceof HealthCheck)) {
      throw propError(scope, `${prop}.liveness`, liveness, 'not a HealthCheck', 'use HealthCheck.tcp(), HealthCheck.http(path), HealthCheck.grpc() or HealthCheck.exec(command)');
    }
    for (const key of LIVENESS_TARGET_KEYS) {
      if ((this.timing as Record<string, unknown>)[key] !== undefined) {
        throw propError(scope, `${prop}.${key}`, (this.timing as Record<string, unknown>)[key], '`liveness` already gives the liveness check', `keep one of ${key} and liveness`);
      }
    }
    for (const key of TIMING_KEYS) {
      if ((liveness.timing as Record<string, unknown>)?.[key] !== undefined) {
        throw propError(scope, `${prop}.liveness.${key}`, key === 'liveness' ? liveness.timing.liveness?.kind : (liveness.timing as Record<string, unknown>)[key],
          'the liveness check takes its timing from the check it belongs to', `give ${key} on the outer check (${prop}), not on its liveness check`);
      }
    }
    for (const key of LIVENESS_TARGET_KEYS) {
      if ((liveness.timing as Record<string, unknown>)?.[key] !== undefined) {
        throw propError(scope, `${prop}.liveness.${key}`, (liveness.timing as Record<string, unknown>)[key], 'a liveness check is used for liveness only, with its first target',
          `remove ${key}, e.g. liveness: HealthCheck.http("/healthz")`);
      }
    }
    validateOptions(scope, `${prop}.liveness options`, HEALTH_CHECK_OPTIONS, liveness.timing);
    liveness.checkTargets(scope, `${prop}.liveness`, [liveness.targets[0]]);
    return liveness;
  }

  /**
   * Validates the check for a construct and renders the probes against a named container port.
   * @internal
   */
  public _render(scope: IConstruct, portName: string, prop = 'healthCheck', declared: k8s.ContainerPort[] = []): RenderedProbes {
    validateOptions(scope, `${prop} options`, HEALTH_CHECK_OPTIONS, this.timing);
    const livenessCheck = this.livenessCheck(scope, prop);
    this.checkTargets(scope, prop, livenessCheck ? [this.targets[0]] : this.targets);
    const seconds = (name: string, typed: Duration | undefined, plain: number | undefined, dflt: number): number => {
      if (typed !== undefined && plain !== undefined) {
        throw propError(scope, `${prop}.${name}`, typed.toSeconds({ integral: false }), `both ${name} and ${name}Seconds are given`, `keep one of them`);
      }
      if (typed !== undefined && !(typed instanceof Duration)) throw propError(scope, `${prop}.${name}`, typed, 'not a Duration', 'write it like Duration.seconds(10)');
      return typed?.toSeconds({ integral: false }) ?? plain ?? dflt;
    };
    const t = this.timing;
    const period = seconds('period', t.period, t.periodSeconds, 5);
    const timeout = seconds('timeout', t.timeout, t.timeoutSeconds, 1);
    const startupTimeout = seconds('startupTimeout', t.startupTimeout, t.startupTimeoutSeconds, 60);
    checkInteger(scope, `${prop}.periodSeconds`, period, 1, 300, 'use a period from 1 to 300 seconds');
    checkInteger(scope, `${prop}.timeoutSeconds`, timeout, 1, 60, 'use a timeout from 1 to 60 seconds');
    checkInteger(scope, `${prop}.startupTimeoutSeconds`, startupTimeout, 1, 3600, 'use a startup time-out from 1 to 3600 seconds');
    if (timeout > period) {
      throw propError(scope, `${prop}.timeoutSeconds`, timeout, 'longer than the period between checks', `use at most ${period} seconds or raise periodSeconds`);
    }
    // Liveness is more patient than readiness by default: a restart is far more disruptive than
    // being taken out of the Service for a moment.
    const livenessPeriod = t.livenessPeriod === undefined ? period * 2 : seconds('livenessPeriod', t.livenessPeriod, undefined, 0);
    checkInteger(scope, `${prop}.livenessPeriod`, livenessPeriod, 1, 600, 'use a period from 1 to 600 seconds');
    if (timeout > livenessPeriod) {
      throw propError(scope, `${prop}.timeout`, timeout, 'longer than the period between liveness checks', `use at most ${livenessPeriod} seconds or raise livenessPeriod`);
    }
    const initialDelay = t.initialDelay === undefined ? undefined : seconds('initialDelay', t.initialDelay, undefined, 0);
    if (initialDelay !== undefined) checkInteger(scope, `${prop}.initialDelay`, initialDelay, 0, 3600, 'use 0 to 3600 seconds, or startupProbe for a slow start');
    const delay = initialDelay ? { initialDelaySeconds: initialDelay } : {};

    const { port, ports } = this.resolvePort(scope, portName, prop, declared);
    let livenessHandler = this.handler(port, this.targets[1]);
    if (livenessCheck) {
      const resolved = livenessCheck.resolvePort(scope, portName, `${prop}.liveness`, declared);
      livenessHandler = livenessCheck.handler(resolved.port, livenessCheck.targets[0]);
      for (const p of resolved.ports) if (!ports.some(x => x.name === p.name)) ports.push(p);
    }
    const readiness: k8s.Probe = { ...this.handler(port, this.targets[0]), ...delay, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: 3, successThreshold: 1 };
    const liveness: k8s.Probe = { ...livenessHandler, ...delay, periodSeconds: livenessPeriod, timeoutSeconds: timeout, failureThreshold: 3, successThreshold: 1 };
    const startupPeriod = Math.min(period, 5);
    const startup: k8s.Probe | undefined = t.startupProbe
      ? { ...livenessHandler, ...delay, periodSeconds: startupPeriod, timeoutSeconds: timeout, failureThreshold: Math.ceil(startupTimeout / startupPeriod), successThreshold: 1 }
      : undefined;
    return { readiness, liveness, startup, ...(ports.length > 0 ? { ports } : {}) };
  }

  /**
   * The port the probes connect to: the main port, or `port`, which is declared on the container
   * when the workload does not list it. A probe on a port nothing listens on restarts the pod forever.
   */
  private resolvePort(scope: IConstruct, portName: string, prop: string, declared: k8s.ContainerPort[]): { port: ProbePort; ports: k8s.ContainerPort[] } {
    if (this.kind === 'exec') return { port: { name: '', number: 0 }, ports: [] };
    const tcp = declared.filter(p => (p.protocol ?? 'TCP') === 'TCP');
    if (this.port === undefined) {
      if ((this.timing as HealthCheckPortOptions | undefined)?.portName !== undefined) {
        throw propError(scope, `${prop}.portName`, (this.timing as HealthCheckPortOptions).portName, 'portName names the port a check declares with `port`, and the check has no port', 'give the check its port, e.g. { port: 8081, portName: "health" }, or remove portName');
      }
      const main = tcp.find(p => p.name === portName);
      if (!main) {
        throw propError(scope, prop, this.kind, 'the workload has no TCP port for the check to connect to', `give the check its port, e.g. HealthCheck.${this.kind}(${this.kind === 'http' ? '"/healthz", ' : ''}{ port: 8081 }), or use HealthCheck.exec`);
      }
      return { port: { name: main.name!, number: main.containerPort }, ports: [] };
    }
    checkInteger(scope, `${prop}.port`, this.port, 1, 65535, 'use the port the health endpoint listens on, from 1 to 65535');
    const ownName = (this.timing as HealthCheckPortOptions | undefined)?.portName;
    if (ownName !== undefined && !isPortName(ownName)) {
      throw propError(scope, `${prop}.portName`, ownName, 'not an IANA service name (at most 15 characters: lower-case letters, digits and "-", at least one letter)', 'use a name such as "health" or "admin"');
    }
    const listed = tcp.find(p => p.containerPort === this.port);
    if (listed) {
      if (ownName !== undefined && ownName !== listed.name) {
        throw propError(scope, `${prop}.portName`, ownName, `port ${this.port} is already declared as ${JSON.stringify(listed.name)}`, 'remove portName (the check uses the declared name)');
      }
      return { port: { name: listed.name ?? String(listed.containerPort), number: listed.containerPort }, ports: [] };
    }
    if (declared.some(p => p.containerPort === this.port)) {
      throw propError(scope, `${prop}.port`, this.port, 'the port is declared for UDP or SCTP, and a health check connects over TCP', 'check a TCP port');
    }
    const name = ownName ?? `health-${this.port}`;
    if (declared.some(p => p.name === name)) {
      throw propError(scope, `${prop}.portName`, name, `another port of the container is named ${JSON.stringify(name)}`, 'give the health port a name of its own');
    }
    return { port: { name, number: this.port }, ports: [{ name, containerPort: this.port, protocol: 'TCP' }] };
  }
}
