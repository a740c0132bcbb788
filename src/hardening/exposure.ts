/* Exposure and observation of a workload: Ingress, Gateway API HTTPRoute, prometheus-operator monitors. */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { INetworkPeer, NetworkProtocol } from './network';
import { isPortName, ResolvedPort } from './ports';
import { validateOptions } from './props';
import { HTTP_ROUTE_EXPOSURE_OPTIONS, INGRESS_EXPOSURE_OPTIONS } from './schemas';
import { checkDnsLabel, checkDnsSubdomain, checkInteger, isDnsSubdomain, isLabelKey, isLabelValue } from './validation';

/** Metrics scraped by the Prometheus operator. */
export interface MetricsOptions {
  /**
   * The port the container serves metrics on; it gets the name `portName`. Best a port of its
   * own (the scraper is let in on that port only). An app that serves metrics beside its API
   * (`/hub/metrics` on the API port) names that port: it keeps its name and clients, and the
   * scraper is let in on it too.
   */
  readonly port: number;
  /**
   * Name of the metrics port (an IANA service name) on the container and the Service, and so of
   * the ServiceMonitor's or PodMonitor's endpoint: for an app whose dashboards or monitors
   * already use another name (e.g. "prom"). A sidecar that declares `port` keeps the name it gives it.
   * @default "metrics"
   */
  readonly portName?: string;
  /**
   * HTTP path of the metrics.
   * @default "/metrics"
   */
  readonly path?: string;
  /**
   * The pods of the scraper (Prometheus): the only peer allowed on the metrics port, e.g.
   * `NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' })`.
   */
  readonly scraper: INetworkPeer;
  /**
   * Labels of the ServiceMonitor / PodMonitor, besides the app's, so that the Prometheus
   * resource's `serviceMonitorSelector` / `podMonitorSelector` picks it up (kube-prometheus-stack
   * selects `release: <its release name>`).
   * @default - the app's labels only
   */
  readonly monitorLabels?: { [key: string]: string };
}

/** Options of `exposeViaIngress`. */
export interface IngressExposureOptions {
  /** The host name clients use, e.g. "shop.example.com" (a leading "*." for a wildcard). */
  readonly host: string;
  /**
   * Path prefix routed to the app.
   * @default "/"
   */
  readonly path?: string;
  /**
   * The IngressClass (`spec.ingressClassName`).
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
  /**
   * The Secret (type kubernetes.io/tls, in the app's namespace) with the certificate for `host`;
   * the Ingress terminates TLS with it.
   * @default - no `tls` section: the controller's default certificate, or plain HTTP
   */
  readonly tlsSecretName?: string;
  /**
   * The ingress controller's pods, e.g. `NetworkPeer.pods({ 'app.kubernetes.io/name':
   * 'ingress-nginx' }, { namespace: 'ingress-nginx' })`: the app's NetworkPolicy lets exactly
   * them in, on exactly the main port.
   */
  readonly controller: INetworkPeer;
}

/** The Gateway an HTTPRoute attaches to. */
export interface GatewayReference {
  /** Name of the Gateway. */
  readonly name: string;
  /**
   * Namespace of the Gateway; its listener's `allowedRoutes` must admit routes of the app's namespace.
   * @default - the app's namespace
   */
  readonly namespace?: string;
  /**
   * Listener of the Gateway (`sectionName`).
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
}

/** Options of `exposeViaHttpRoute`. */
export interface HttpRouteExposureOptions {
  /** The Gateway the route attaches to (`parentRefs`). */
  readonly gateway: GatewayReference;
  /** Host names the route serves, e.g. ["shop.example.com"]. */
  readonly hostnames: string[];
  /**
   * Path prefix routed to the app.
   * @default "/"
   */
  readonly path?: string;
  /**
   * The Gateway's data-plane pods (the proxies the Gateway runs), e.g.
   * `NetworkPeer.pods({ 'gateway.networking.k8s.io/gateway-name': 'public' }, { namespace: 'gateways' })`:
   * the app's NetworkPolicy lets exactly them in, on exactly the main port.
   */
  readonly controller: INetworkPeer;
}

/** Defaults of `metrics`. */
export const METRICS_DEFAULTS = { path: '/metrics', portName: 'metrics' };
/** Defaults of `exposeViaIngress` and `exposeViaHttpRoute`. */
export const EXPOSURE_DEFAULTS = { path: '/', ingressPathType: 'Prefix', routePathType: 'PathPrefix' };

function checkPath(scope: IConstruct, prop: string, path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path) || path.length > 1024) {
    throw propError(scope, prop, path, 'not an absolute HTTP path', 'write it like "/" or "/api"');
  }
}

function checkHost(scope: IConstruct, prop: string, host: string): void {
  const name = typeof host === 'string' && host.startsWith('*.') ? host.slice(2) : host;
  if (typeof name !== 'string' || !isDnsSubdomain(name) || !name.includes('.') || /^[\d.]+$/.test(name)) {
    throw propError(scope, prop, host, 'not a fully qualified host name (IP addresses are not allowed)', 'write it like "shop.example.com" or "*.example.com"');
  }
}

function checkPeer(scope: IConstruct, prop: string, peer: INetworkPeer): void {
  if (typeof peer?.toNetworkPeer !== 'function') {
    throw propError(scope, prop, peer, 'not a network peer', 'pass a NetworkPeer (e.g. NetworkPeer.pods({...}, { namespace: "..." })) or a workload');
  }
}

/** The metrics port of a workload, validated against its other ports. Its ingress rule comes from `connections` (so a scraper workload's egress opens too). */
export function resolveMetricsPort(scope: IConstruct, metrics: MetricsOptions, others: ResolvedPort[]): ResolvedPort {
  checkInteger(scope, 'metrics.port', metrics.port, 1, 65535, 'use a port from 1 to 65535');
  checkPath(scope, 'metrics.path', metrics.path ?? METRICS_DEFAULTS.path);
  checkPeer(scope, 'metrics.scraper', metrics.scraper);
  for (const [k, v] of Object.entries(metrics.monitorLabels ?? {})) {
    if (!isLabelKey(k) || typeof v !== 'string' || !isLabelValue(v)) {
      throw propError(scope, 'metrics.monitorLabels', { [k]: v }, 'not a valid label', 'write it like { release: "kube-prometheus-stack" }');
    }
  }
  const name = metrics.portName ?? METRICS_DEFAULTS.portName;
  if (!isPortName(name)) {
    throw propError(scope, 'metrics.portName', name, 'not an IANA service name (at most 15 characters: lower-case letters, digits and "-", at least one letter, no "-" at either end or twice in a row)',
      'use a name such as "metrics", "prom" or "http-metrics"');
  }
  for (const p of others) {
    if (p.name === name) {
      throw propError(scope, metrics.portName === undefined ? 'metrics' : 'metrics.portName', p.name, `a port is already named ${JSON.stringify(name)} (on port ${p.port})`,
        'remove it from `ports` (metrics adds it), declare it on the sidecar that serves metrics with the number metrics.port, give the metrics port another portName, or drop `metrics`');
    }
    if (p.port === metrics.port || p.servicePort === metrics.port) {
      throw propError(scope, 'metrics.port', metrics.port, `port ${p.name} uses it too`, 'serve metrics on a port of their own (the scraper is let in on that port only)');
    }
  }
  return { name, port: metrics.port, servicePort: metrics.port, protocol: NetworkProtocol.TCP, peers: [], prop: 'metrics.scraper', internal: true };
}

/**
 * Adds the metrics port to a serving workload's `ports` and returns it. When a sidecar declares
 * `metrics.port` itself (an exporter beside the app), that port is the metrics port: it keeps its
 * name and its container, and is opened to the scraper only (plus the port's own `ingressFrom`,
 * if it names one). When the main container declares it (metrics beside the app's API), that port
 * is used as it is, and the scraper is let in beside its clients. Otherwise a port named
 * `metrics.portName` ("metrics") is added to the main container.
 */
export function addMetricsPort(scope: IConstruct, metrics: MetricsOptions, ports: ResolvedPort[]): ResolvedPort {
  const main = ports.findIndex(p => p.container === undefined && p.port === metrics.port && p.protocol === NetworkProtocol.TCP);
  if (main >= 0) {
    // The app serves metrics on a port it already declares (a /metrics path beside its API):
    // that port keeps its name, Service port and clients; the scraper is let in on it too.
    const declared = ports[main];
    resolveMetricsPort(scope, { ...metrics, portName: declared.name }, ports.filter((_, i) => i !== main));
    if (metrics.portName !== undefined && metrics.portName !== declared.name) {
      throw propError(scope, 'metrics.portName', metrics.portName, `the app declares port ${declared.port} as ${JSON.stringify(declared.name)}`,
        `remove metrics.portName (the port's own name is used), or name the port ${JSON.stringify(metrics.portName)}`);
    }
    return declared;
  }
  const index = ports.findIndex(p => p.container !== undefined && p.port === metrics.port && p.protocol === NetworkProtocol.TCP);
  if (index < 0) {
    const port = resolveMetricsPort(scope, metrics, ports);
    ports.push(port);
    return port;
  }
  const declared = ports[index];
  resolveMetricsPort(scope, metrics, ports.filter((_, i) => i !== index));
  if (metrics.portName !== undefined && metrics.portName !== declared.name) {
    throw propError(scope, 'metrics.portName', metrics.portName, `sidecar ${declared.container} declares port ${declared.port} as ${JSON.stringify(declared.name)}`,
      `remove metrics.portName (the sidecar's name is used), or name the sidecar's port ${JSON.stringify(metrics.portName)}`);
  }
  const own = declared.prop.endsWith('.ingressFrom');
  const port: ResolvedPort = { ...declared, peers: own ? declared.peers : [], prop: own ? declared.prop : 'metrics.scraper', internal: true };
  ports[index] = port;
  return port;
}

/** The ServiceMonitor of a workload's Service (selected by `selector`), on its metrics port (`portName`). */
export function createServiceMonitor(scope: Construct, metadata: { name: string; labels: Record<string, string> }, metrics: MetricsOptions,
  selector: k8s.LabelSelector, portName: string = METRICS_DEFAULTS.portName): ApiObject {
  return new ApiObject(scope, 'ServiceMonitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: metadata.name, labels: { ...metadata.labels, ...metrics.monitorLabels } },
    spec: {
      selector,
      endpoints: [{ port: portName, path: metrics.path ?? METRICS_DEFAULTS.path, scheme: 'http' }],
    },
  });
}

/** The PodMonitor of a workload without a Service, on its pods' metrics port (`portName`). */
export function createPodMonitor(scope: Construct, metadata: { name: string; labels: Record<string, string> }, metrics: MetricsOptions,
  podSelector: Record<string, string>, portName: string = METRICS_DEFAULTS.portName): ApiObject {
  return new ApiObject(scope, 'PodMonitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: metadata.name, labels: { ...metadata.labels, ...metrics.monitorLabels } },
    spec: {
      selector: { matchLabels: { ...podSelector } },
      podMetricsEndpoints: [{ port: portName, path: metrics.path ?? METRICS_DEFAULTS.path, scheme: 'http' }],
    },
  });
}

/** What an exposure needs of the app. */
export interface ExposedApp {
  readonly scope: Construct;
  readonly metadata: { name: string; labels: Record<string, string> };
  readonly serviceName: string;
  /** The main port: the Service port routed to, and the container port the policy opens. */
  readonly port: ResolvedPort;
  readonly namespace?: string;
}

/** A networking.k8s.io/v1 Ingress routing `options.host` + path to the app's Service. */
export function createIngress(app: ExposedApp, options: IngressExposureOptions): k8s.KubeIngress {
  const s = app.scope;
  if (!options) throw propError(s, 'exposeViaIngress', options, 'no options', 'pass { host, controller }');
  validateOptions(s, 'exposeViaIngress', INGRESS_EXPOSURE_OPTIONS, options);
  checkHost(s, 'exposeViaIngress host', options.host);
  const path = options.path ?? EXPOSURE_DEFAULTS.path;
  checkPath(s, 'exposeViaIngress path', path);
  if (options.className !== undefined) checkDnsSubdomain(s, 'exposeViaIngress className', options.className);
  if (options.tlsSecretName !== undefined) checkDnsSubdomain(s, 'exposeViaIngress tlsSecretName', options.tlsSecretName);
  checkPeer(s, 'exposeViaIngress controller', options.controller);
  return new kube.KubeIngress(s, 'Ingress', {
    metadata: app.metadata,
    spec: {
      ingressClassName: options.className,
      tls: options.tlsSecretName ? [{ hosts: [options.host], secretName: options.tlsSecretName }] : undefined,
      rules: [{
        host: options.host,
        http: {
          paths: [{
            path,
            pathType: EXPOSURE_DEFAULTS.ingressPathType,
            backend: { service: { name: app.serviceName, port: { number: app.port.servicePort } } },
          }],
        },
      }],
    },
  });
}

/** A gateway.networking.k8s.io/v1 HTTPRoute attached to a Gateway, routing to the app's Service. */
export function createHttpRoute(app: ExposedApp, options: HttpRouteExposureOptions): ApiObject {
  const s = app.scope;
  if (!options) throw propError(s, 'exposeViaHttpRoute', options, 'no options', 'pass { gateway: { name, namespace }, hostnames, controller }');
  validateOptions(s, 'exposeViaHttpRoute', HTTP_ROUTE_EXPOSURE_OPTIONS, options);
  const gw = options.gateway;
  if (!gw || typeof gw.name !== 'string') throw propError(s, 'exposeViaHttpRoute gateway', gw, 'no Gateway name', 'pass gateway: { name: "public", namespace: "gateways" }');
  checkDnsSubdomain(s, 'exposeViaHttpRoute gateway.name', gw.name);
  if (gw.namespace !== undefined) checkDnsLabel(s, 'exposeViaHttpRoute gateway.namespace', gw.namespace);
  if (gw.sectionName !== undefined) checkDnsSubdomain(s, 'exposeViaHttpRoute gateway.sectionName', gw.sectionName);
  if (!Array.isArray(options.hostnames) || options.hostnames.length === 0 || options.hostnames.length > 16) {
    throw propError(s, 'exposeViaHttpRoute hostnames', options.hostnames, 'a route needs from 1 to 16 host names (with none it would take every host of the Gateway)', 'pass hostnames: ["shop.example.com"]');
  }
  options.hostnames.forEach((h, i) => checkHost(s, `exposeViaHttpRoute hostnames[${i}]`, h));
  const path = options.path ?? EXPOSURE_DEFAULTS.path;
  checkPath(s, 'exposeViaHttpRoute path', path);
  checkPeer(s, 'exposeViaHttpRoute controller', options.controller);
  const namespace = gw.namespace ?? app.namespace;
  return new ApiObject(s, 'HttpRoute', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: app.metadata,
    spec: {
      parentRefs: [{
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: gw.name,
        ...(namespace ? { namespace } : {}),
        ...(gw.sectionName ? { sectionName: gw.sectionName } : {}),
      }],
      hostnames: [...options.hostnames],
      rules: [{
        matches: [{ path: { type: EXPOSURE_DEFAULTS.routePathType, value: path } }],
        backendRefs: [{ group: '', kind: 'Service', name: app.serviceName, port: app.port.servicePort }],
      }],
    },
  });
}

/** What `exposeViaIngress`/`exposeViaHttpRoute` need of a workload (SecureApp, StatefulApp). */
export interface ExposableWorkload {
  /** The workload's Ingress, once exposed. */
  ingress?: k8s.KubeIngress;
  /** The workload's HTTPRoute, once exposed. */
  httpRoute?: ApiObject;
  /** Lets the controller's pods in. */
  readonly connections: { allowFrom(peer: INetworkPeer, options?: { portName?: string }): void };
}

/** The shared body of `exposeViaIngress`: one Ingress per app, the controller let in on the main port. */
export function exposeViaIngress(workload: ExposableWorkload, app: ExposedApp, options: IngressExposureOptions): k8s.KubeIngress {
  if (workload.ingress) throw propError(app.scope, 'exposeViaIngress', options?.host, 'the app is already exposed by an Ingress', 'call exposeViaIngress once per app');
  workload.ingress = createIngress(app, options);
  workload.connections.allowFrom(options.controller, { portName: app.port.name });
  return workload.ingress;
}

/** The shared body of `exposeViaHttpRoute`: one HTTPRoute per app, the Gateway's pods let in on the main port. */
export function exposeViaHttpRoute(workload: ExposableWorkload, app: ExposedApp, options: HttpRouteExposureOptions): ApiObject {
  if (workload.httpRoute) throw propError(app.scope, 'exposeViaHttpRoute', options?.hostnames, 'the app is already exposed by an HTTPRoute', 'call exposeViaHttpRoute once per app');
  workload.httpRoute = createHttpRoute(app, options);
  workload.connections.allowFrom(options.controller, { portName: app.port.name });
  return workload.httpRoute;
}
