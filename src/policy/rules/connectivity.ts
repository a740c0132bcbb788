/*
 * Connectivity: the calls an app declares must get through its own NetworkPolicies.
 * Default-deny networking is only safe when the app still works; these rules read the calls the
 * output itself declares (env values that name a Service, API tokens) and check them against
 * the reachability model (../reachability.ts), so a policy that silently breaks the app fails
 * the synth and `check` instead of failing in production.
 */
import { arr, ContainerView, containersOf, isMap, nsOf, obj, PodView, podOf, q, runsPods } from '../k8s';
import { PathSegment, PolicyContext, PolicyRule, RuleSeverity, RuleViolation } from '../model';
import { DEFAULT_NAMESPACE, NetworkModel, PodEndpoint, SCHEME_PORTS, ServiceEndpoint } from '../reachability';

const FAMILY = 'Network connectivity';
const NETPOL_DOCS = 'Kubernetes docs: Network Policies (concepts/services-networking/network-policies)';

const models = new WeakMap<object, NetworkModel>();

/**
 * The reachability model of the evaluated set, built once per evaluation. Optimistic about what
 * the output cannot tell (labels of namespaces it does not contain, whether a private ipBlock
 * holds pod IPs), so a call is reported only when it is provably blocked.
 */
export function networkModelOf(ctx: PolicyContext): NetworkModel {
  let m = models.get(ctx.objects);
  if (!m) models.set(ctx.objects, m = NetworkModel.fromObjects(ctx.objects.map((o) => o.json), { assumeUnlistedNamespaceLabels: true, privateIpBlocksMatchPods: true }));
  return m;
}

/** An environment variable as the container sees it, with where its value comes from. */
export interface ResolvedEnv {
  readonly name: string;
  readonly value: string;
  /** The field that sets it: `env[i].value`, `env[i].valueFrom.configMapKeyRef` or `envFrom[j].configMapRef`. */
  readonly path: PathSegment[];
  /** How the value is sourced, for messages: `value`, or `ConfigMap "x" key "y"`. */
  readonly source: string;
}

/**
 * The environment of a container that the output determines: plain values (with `$(VAR)`
 * references expanded as the kubelet does), keys of ConfigMaps of the output (`configMapKeyRef`,
 * `envFrom`). Secrets, downward-API fields and ConfigMaps outside the output are unknown and
 * left out. `env` overrides `envFrom`, as in Kubernetes.
 */
export function resolveEnv(cv: ContainerView, namespace: string, configMaps: ReadonlyMap<string, any>): ResolvedEnv[] {
  const vars = new Map<string, ResolvedEnv>();
  arr(cv.c.envFrom).forEach((src, j) => {
    const ref = obj(obj(src).configMapRef);
    const cm = typeof ref.name === 'string' ? configMaps.get(`${namespace}/${ref.name}`) : undefined;
    if (!cm) return;
    const prefix = typeof obj(src).prefix === 'string' ? obj(src).prefix : '';
    for (const [key, value] of Object.entries(obj(cm.data))) {
      if (typeof value !== 'string') continue;
      vars.set(prefix + key, { name: prefix + key, value, path: [...cv.path, 'envFrom', j, 'configMapRef'], source: `ConfigMap ${q(ref.name)} key ${q(key)}` });
    }
  });
  arr(cv.c.env).forEach((e, i) => {
    const ev = obj(e);
    if (typeof ev.name !== 'string') return;
    if (typeof ev.value === 'string') {
      // $(VAR) expands to an earlier variable; $$(VAR) is the escaped literal.
      const value = ev.value.replace(/\$\$\(|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m: string, ref?: string) =>
        (ref === undefined ? m : vars.get(ref)?.value ?? m));
      vars.set(ev.name, { name: ev.name, value, path: [...cv.path, 'env', i, 'value'], source: 'value' });
      return;
    }
    const ref = obj(obj(ev.valueFrom).configMapKeyRef);
    const cm = typeof ref.name === 'string' ? configMaps.get(`${namespace}/${ref.name}`) : undefined;
    const value = cm && typeof ref.key === 'string' ? obj(cm.data)[ref.key] : undefined;
    if (typeof value === 'string') {
      vars.set(ev.name, { name: ev.name, value, path: [...cv.path, 'env', i, 'valueFrom', 'configMapKeyRef'], source: `ConfigMap ${q(ref.name)} key ${q(ref.key)}` });
    } else {
      vars.delete(ev.name);
    }
  });
  return [...vars.values()];
}

/** Variable names that hold a host (so a bare Service name in them is an address). */
const HOST_VARIABLE = /(^|_)(HOST|HOSTNAME|HOSTS|ADDR|ADDRESS|SERVER|SERVERS|ENDPOINT|ENDPOINTS|URL|URI|UPSTREAM|BACKEND)$/i;
/** `X_HOST` → `X_PORT`. */
const HOST_SUFFIX = /_(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|SERVICE_HOST)$/i;
/** `[scheme://][user@]host[:port][/path]`. */
const ADDRESS = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?(?:[^@/?#\s]*@)?([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)\.?(?::(\d{1,5}))?([/?#].*)?$/;

/** A Service of the output named in an env value. */
export interface ServiceReference {
  readonly service: ServiceEndpoint;
  /** The port the value names (explicit, the scheme's default, or a sibling `*_PORT` variable); undefined if none. */
  readonly port?: number;
  /** `host[:port]` as written (no scheme, credentials or path: safe to print). */
  readonly address: string;
}

/**
 * The Services of the output that `value` names, from a pod in `namespace`. A token (values
 * are split at commas, semicolons and spaces) names Service `name` as `name`, `name.ns`,
 * `name.ns.svc`, `name.ns.svc.<cluster domain>`, or for a pod of a headless Service
 * `<pod>.name`, `<pod>.name.ns`, `<pod>.name.ns.svc...`,
 * in a URL or with `:port`. Without a port or URL a dotted name still counts (it is
 * unambiguous); a bare `name` counts only when it is the whole value of a variable whose name
 * says it holds a host (`*_HOST`, `*_ADDR`, `*_URL`, ...): a word like `api` or `web` in a
 * free-text value is not taken for a call.
 */
export function serviceReferences(value: string, variable: string, namespace: string, model: NetworkModel,
  siblingPort?: number): ServiceReference[] {
  const out: ServiceReference[] = [];
  for (const token of value.split(/[\s,;]+/).filter(Boolean)) {
    const m = ADDRESS.exec(token.replace(/^jdbc:/i, '')); // jdbc:postgresql://db:5432/x
    if (!m) continue;
    const [, scheme, rawHost, rawPort, rest] = m;
    if (!scheme && rest && !rawPort) continue; // `word/path`: not an address
    const labels = rawHost.toLowerCase().split('.');
    let service: ServiceEndpoint | undefined;
    const headless = (ns: string, name: string) => {
      const s = model.service(ns, name);
      return s?.headless ? s : undefined;
    };
    if (labels.length === 1) {
      const bareOk = !!scheme || !!rawPort || (value.trim() === rawHost && HOST_VARIABLE.test(variable));
      if (bareOk) service = model.service(namespace, labels[0]);
    } else if (labels.length === 2) {
      // name.ns, or pod.name (a pod of a headless Service of the caller's namespace)
      service = model.service(labels[1], labels[0]) ?? headless(namespace, labels[1]);
    } else if (labels[2] === 'svc') {
      service = model.service(labels[1], labels[0]);
    } else if (labels.length === 3 || labels[3] === 'svc') {
      // pod.name.ns[.svc[.cluster domain]]
      service = headless(labels[2], labels[1]);
    }
    if (!service) continue;
    const port = rawPort ? Number(rawPort) : scheme ? SCHEME_PORTS[scheme.toLowerCase()] : siblingPort;
    out.push({ service, port, address: rawPort ? `${rawHost}:${rawPort}` : rawHost });
  }
  return out;
}

/** A JavaScript identifier for a workload in a suggested line of code (`nightly-report` → `nightlyReport`). */
export function codeName(name: string): string {
  const id = name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^[^A-Za-z_$]+/, '');
  return id || 'workload';
}

const origins = new WeakMap<object, Map<unknown, string>>();
/**
 * The name of a workload in a suggested line of code: at synth the construct id of the object's
 * owner (`shop/web/Resource` → `web`), in `check` (origins are `file:line`) its manifest name.
 */
export function codeNameOf(w: PodEndpoint, ctx: PolicyContext): string {
  let byObject = origins.get(ctx.objects);
  if (!byObject) origins.set(ctx.objects, byObject = new Map(ctx.objects.map((o) => [o.json, o.origin])));
  const parts = (byObject.get(w.object) ?? '').split('/');
  const owner = parts.length >= 2 && parts[parts.length - 1] === 'Resource' ? parts[parts.length - 2] : undefined;
  return codeName(owner ?? w.name);
}

const label = (w: PodEndpoint) => `${w.kind} ${w.namespace}/${w.name}`;
const policiesText = (ids: string[]) => `NetworkPolic${ids.length === 1 ? 'y' : 'ies'} ${ids.join(', ')}`;

function configMapsOf(ctx: PolicyContext): Map<string, any> {
  const out = new Map<string, any>();
  for (const o of ctx.objects) {
    const j = o.json;
    if (isMap(j) && j.kind === 'ConfigMap' && j.apiVersion === 'v1') out.set(`${nsOf(j) || DEFAULT_NAMESPACE}/${String(obj(j.metadata).name)}`, j);
  }
  return out;
}
const configMapCache = new WeakMap<object, Map<string, any>>();

/** Findings for the calls one workload declares in its env that its output's NetworkPolicies block. */
export function blockedCalls(o: any, ctx: PolicyContext): RuleViolation[] {
  return envCalls(o, ctx).blocked;
}

interface EnvCallFindings {
  /** HARDENED-NET-010: calls the NetworkPolicies block. */
  readonly blocked: RuleViolation[];
  /** HARDENED-NET-012: calls to a port the Service does not have. */
  readonly missing: RuleViolation[];
}
const NO_CALLS: EnvCallFindings = { blocked: [], missing: [] };
/** One pass over a workload's env serves both rules (per evaluation: keyed by the objects, then the object). */
const envCallCache = new WeakMap<object, WeakMap<object, EnvCallFindings>>();

function envCalls(o: any, ctx: PolicyContext): EnvCallFindings {
  let perObject = envCallCache.get(ctx.objects);
  if (!perObject) envCallCache.set(ctx.objects, perObject = new WeakMap());
  let found = perObject.get(o);
  if (!found) perObject.set(o, found = computeEnvCalls(o, ctx));
  return found;
}

function computeEnvCalls(o: any, ctx: PolicyContext): EnvCallFindings {
  if (!runsPods(o)) return NO_CALLS;
  const containers = containersOf(podOf(o)!, ['initContainers', 'containers']);
  // Most pods set no env at all: then no model is needed (it is built once, on first need).
  if (!containers.some((cv) => arr(cv.c.env).length > 0 || arr(cv.c.envFrom).length > 0)) return NO_CALLS;
  const model = networkModelOf(ctx);
  const caller = model.endpointOf(o);
  if (!caller || model.services.length === 0) return NO_CALLS;
  let configMaps = configMapCache.get(ctx.objects);
  if (!configMaps) configMapCache.set(ctx.objects, configMaps = configMapsOf(ctx));
  const out: RuleViolation[] = [];
  const missing: RuleViolation[] = [];
  const reported = new Set<string>();
  for (const cv of containers) {
    const env = resolveEnv(cv, caller.namespace, configMaps);
    const byName = new Map(env.map((e) => [e.name, e]));
    for (const e of env) {
      const prefix = HOST_SUFFIX.exec(e.name) ? e.name.replace(HOST_SUFFIX, '') : undefined;
      const sibling = prefix !== undefined ? byName.get(`${prefix}_PORT`)?.value.trim() : undefined;
      const siblingPort = sibling && /^\d{1,5}$/.test(sibling) ? Number(sibling) : undefined;
      for (const ref of serviceReferences(e.value, e.name, caller.namespace, model, siblingPort)) {
        const backends = model.backendsOf(ref.service);
        // A Service without selector, or whose pods are not in the output: nothing to check.
        // The workload's own Service: an address it advertises, not a call.
        if (backends.length === 0 || backends.includes(caller)) continue;
        if (ref.port !== undefined && !ref.service.headless && ref.service.ports.length > 0 && !ref.service.ports.some((p) => p.port === ref.port)) {
          const has = ref.service.ports.map((p) => p.port).join(', ');
          missing.push({
            path: e.path,
            message: `env ${e.name} of ${cv.type === 'initContainers' ? 'init container' : 'container'} ${q(cv.name)} (from ${e.source}) names ${ref.address}, port ${ref.port} of Service ${ref.service.namespace}/${ref.service.name}, which has port${ref.service.ports.length > 1 ? 's' : ''} ${has} only: every call is refused`,
            fix: `write the Service's port in the value (e.g. ${ref.service.name}:${ref.service.ports[0].port}), or give the Service port ${ref.port} (servicePort: ${ref.port})`,
          });
          continue;
        }
        const ports = ref.port !== undefined ? [ref.port] : ref.service.ports.map((p) => p.port);
        for (const callee of backends) {
          const targets = ports.flatMap((p) => model.targetsOf(ref.service, p).filter((t) => t.workload === callee));
          if (targets.length === 0) continue; // the Service has no such port: not a policy problem
          const verdicts = targets.map((t) => ({ t, v: model.check(caller, callee, t.port, t.protocol) }));
          if (verdicts.some((x) => x.v.allowed)) continue; // port unknown: one allowed Service port is enough
          const { t, v } = verdicts[0];
          const key = `${e.name}|${callee.id}|${t.port}/${t.protocol}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const sides = [
            v.egress.allowed ? '' : `the caller's egress (${policiesText(v.egress.policies)})`,
            v.ingress.allowed ? '' : `the callee's ingress (${policiesText(v.ingress.policies)})`,
          ].filter(Boolean).join(' and ');
          const via = t.servicePort !== undefined ? `Service ${ref.service.namespace}/${ref.service.name} port ${t.servicePort} → ` : `headless Service ${ref.service.namespace}/${ref.service.name} → `;
          const portText = ref.port !== undefined ? `${t.port}/${t.protocol}` : `any of ${targets.map((x) => `${x.port}/${x.protocol}`).join(', ')}`;
          out.push({
            path: e.path,
            message: `env ${e.name} of ${cv.type === 'initContainers' ? 'init container' : 'container'} ${q(cv.name)} (from ${e.source}) names ${ref.address}: `
              + `${label(caller)} calls ${via}${label(callee)} on ${portText}, but ${sides} block${sides.includes(' and ') ? '' : 's'} it`,
            fix: `${codeNameOf(caller, ctx)}.connections.allowTo(${codeNameOf(callee, ctx)}, { port: ${t.port} })`
              + ` (opens ${caller.name}'s egress and ${callee.name}'s ingress on ${t.port}/${t.protocol}; in plain YAML: an egress rule in ${caller.name}'s NetworkPolicy to ${callee.name}'s pods`
              + ` and an ingress rule in ${callee.name}'s from ${caller.name}'s pods, on port ${t.port})`,
          });
        }
      }
    }
  }
  return { blocked: out, missing };
}

/** Ports the API server listens on, as NetworkPolicies see it (the endpoint port behind the `kubernetes` Service). */
export const API_SERVER_PORTS = [443, 6443];

/** Where a pod gets an API token: a projected serviceAccountToken for the API server, or an automounted token of a bound ServiceAccount. */
export function apiTokenOf(pod: PodView, o: any, ctx: PolicyContext): { path: PathSegment[]; what: string } | undefined {
  const mounted = new Set(containersOf(pod, ['initContainers', 'containers']).flatMap((cv) => arr(cv.c.volumeMounts).map((m) => obj(m).name)));
  const volumes = arr(pod.spec.volumes);
  for (let i = 0; i < volumes.length; i++) {
    const v = obj(volumes[i]);
    const token = arr(obj(v.projected).sources).map((s) => obj(s).serviceAccountToken).find(isMap);
    // A token for another audience (Vault, a cloud IAM) is not for the API server.
    const forApi = token && (token.audience === undefined || token.audience === null || token.audience === '' || /kubernetes/i.test(String(token.audience)));
    if (forApi && mounted.has(v.name)) return { path: [...pod.specPath, 'volumes', i], what: `a projected API token (volume ${q(v.name)})` };
  }
  const name = typeof pod.spec.serviceAccountName === 'string' && pod.spec.serviceAccountName ? pod.spec.serviceAccountName
    : typeof pod.spec.serviceAccount === 'string' && pod.spec.serviceAccount ? pod.spec.serviceAccount : 'default';
  const ns = nsOf(o);
  const sa = ctx._index.serviceAccountByName.get(`${ns}/${name}`);
  const auto = pod.spec.automountServiceAccountToken;
  const automounted = !(auto === false || ((auto === undefined || auto === null) && sa && sa.automountServiceAccountToken === false));
  if (automounted && ctx._index.boundServiceAccounts.has(`${ns}/${name}`)) {
    return { path: [...pod.specPath, 'automountServiceAccountToken'], what: `the automounted token of ServiceAccount ${q(name)}, which a RoleBinding grants permissions` };
  }
  return undefined;
}

export const BLOCKED_SERVICE_CALL: PolicyRule = {
  id: 'HARDENED-NET-010',
  family: FAMILY,
  title: 'Calls declared in env are allowed by the NetworkPolicies',
  severity: RuleSeverity.ERROR,
  standards: [NETPOL_DOCS, 'cdk8s-hardened: defaults must not silently break the app'],
  explanation: 'An env value (plain, or from a ConfigMap of the output) that names a Service of the output as `name:port`, `name.ns[.svc[.cluster.local]]` or in a URL is a call the app makes. '
    + 'When the caller\'s egress or the callee\'s ingress NetworkPolicy does not allow it on the target port, every request times out at runtime while the manifests look compliant.',
  fix: 'Declare the connection: `caller.connections.allowTo(callee, { port: N })` (or open the caller\'s egress and the callee\'s ingress on the target port in the NetworkPolicies).',
  evaluate: (o, ctx) => blockedCalls(o, ctx),
};

export const API_TOKEN_WITHOUT_ROUTE: PolicyRule = {
  id: 'HARDENED-NET-011',
  family: FAMILY,
  title: 'A workload with an API token can reach the API server',
  severity: RuleSeverity.ERROR,
  standards: [NETPOL_DOCS, 'Kubernetes docs: Accessing the API from a Pod'],
  explanation: 'A pod gets an API token (a projected serviceAccountToken, or an automounted token of a bound ServiceAccount) to call the API server. '
    + 'When its egress NetworkPolicy allows no address on 443 or 6443 (the API server is not a pod: only an ipBlock or a rule without peers reaches it), every API call times out.',
  fix: 'Allow egress to the API server endpoint: `app.connections.allowTo(NetworkPeer.apiServer(\'<endpoint address>\'))` (ports 443 and 6443), or `egressTo` with that peer '
    + '(the endpoint: `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`).',
  evaluate: (o, ctx) => {
    if (!runsPods(o)) return [];
    const pod = podOf(o)!;
    const token = apiTokenOf(pod, o, ctx);
    if (!token) return [];
    const model = networkModelOf(ctx);
    const self = model.endpointOf(o);
    if (!self) return [];
    const v = model.egressToAddress(self, API_SERVER_PORTS);
    if (v.allowed) return [];
    const code = codeNameOf(self, ctx);
    return [{
      path: token.path,
      message: `${label(self)} gets ${token.what}, but ${policiesText(v.policies)} allow${v.policies.length === 1 ? 's' : ''} no egress to an address on ${API_SERVER_PORTS.join(' or ')}/TCP: its API calls cannot reach the API server`,
      fix: `${code}.connections.allowTo(NetworkPeer.apiServer('<API server endpoint address>'))`
        + ` (or the same peer in ${code}'s \`egressTo\` prop; it opens 443 and 6443; the endpoint: \`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes\`)`,
    }];
  },
};

/**
 * Env values that name a Service of the output on a port the Service does not have (a URL
 * without a port means the scheme's port, e.g. 80 for http): every call is refused at runtime.
 * Found in the same pass as `blockedCalls`.
 */
export function missingServicePorts(o: any, ctx: PolicyContext): RuleViolation[] {
  return envCalls(o, ctx).missing;
}

export const MISSING_SERVICE_PORT: PolicyRule = {
  id: 'HARDENED-NET-012',
  family: FAMILY,
  title: 'Calls declared in env use a port the Service has',
  severity: RuleSeverity.ERROR,
  standards: ['cdk8s-hardened: defaults must not silently break the app'],
  explanation: 'An env value that names a Service of the output on a port the Service does not have (a URL without a port means the scheme\'s port, 80 for http) is a call that is refused at runtime. '
    + 'Since issue 13 a SecureApp\'s Service port is its container port unless servicePort says otherwise, so `http://api/...` no longer reaches an app that listens on 8080.',
  fix: 'Write the Service\'s port in the value (`http://api:8080/...`), or give the Service that port (`servicePort: 80`).',
  evaluate: (o, ctx) => missingServicePorts(o, ctx),
};

export const CONNECTIVITY_RULES: PolicyRule[] = [BLOCKED_SERVICE_CALL, API_TOKEN_WITHOUT_ROUTE, MISSING_SERVICE_PORT];
