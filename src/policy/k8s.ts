/* Reading Kubernetes objects: pod templates, containers, selectors, and the indexes the
 * cross-object rules share. Everything here is defensive: checked YAML can hold anything. */
import { PathSegment, PolicyObject } from './model';

export function isMap(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
export const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
export const obj = (v: unknown): Record<string, any> => (isMap(v) ? v : {});
export const has = (o: unknown, k: string): boolean => isMap(o) && o[k] !== undefined && o[k] !== null;

export function apiGroup(apiVersion: unknown): string {
  const av = typeof apiVersion === 'string' ? apiVersion : '';
  const i = av.indexOf('/');
  return i < 0 ? '' : av.slice(0, i);
}
export const metaOf = (o: any): Record<string, any> => obj(obj(o).metadata);
export const nameOf = (o: any): string => String(metaOf(o).name ?? metaOf(o).generateName ?? '');
export const nsOf = (o: any): string => String(metaOf(o).namespace ?? '');

/** `kind` in `group` (groups: any of). */
export function isKind(o: any, kind: string, groups: string[]): boolean {
  return isMap(o) && o.kind === kind && groups.includes(apiGroup(o.apiVersion));
}

/**
 * The kinds whose pod template Pod Security Admission evaluates
 * (k8s.io/pod-security-admission admission.DefaultPodSpecExtractor), and where the template is.
 */
export const POD_BEARING_KINDS: Record<string, { groups: string[]; path: string[] | null }> = {
  Pod: { groups: [''], path: null },
  PodTemplate: { groups: [''], path: ['template'] },
  ReplicationController: { groups: [''], path: ['spec', 'template'] },
  ReplicaSet: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  Deployment: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  DaemonSet: { groups: ['apps', 'extensions'], path: ['spec', 'template'] },
  StatefulSet: { groups: ['apps'], path: ['spec', 'template'] },
  Job: { groups: ['batch'], path: ['spec', 'template'] },
  CronJob: { groups: ['batch'], path: ['spec', 'jobTemplate', 'spec', 'template'] },
};

/** A pod (template) inside an object, with the paths of its metadata and spec. */
export interface PodView {
  readonly meta: Record<string, any>;
  readonly spec: Record<string, any>;
  readonly metaPath: PathSegment[];
  readonly specPath: PathSegment[];
}

const podsCache = new WeakMap<object, PodView[]>();

/**
 * Whether `v` has the shape of a pod spec: a `containers` array of objects with an `image`. Pod
 * specs are found by shape anywhere in an object, so a pod template inside a custom resource
 * (an Argo Rollout, a Knative Service, an operator's CR) is checked like a Deployment's.
 */
export function isPodSpecShape(v: unknown): v is Record<string, any> {
  return isMap(v) && Array.isArray(v.containers) && v.containers.some((c: unknown) => isMap(c) && c.image !== undefined);
}

/** Every pod spec in the object: the one of a pod-bearing kind first, then any found by shape. */
export function podsOf(o: any): PodView[] {
  if (!isMap(o)) return [];
  const cached = podsCache.get(o);
  if (cached) return cached;
  const views: PodView[] = [];
  const def = typeof o.kind === 'string' && Object.prototype.hasOwnProperty.call(POD_BEARING_KINDS, o.kind) ? POD_BEARING_KINDS[o.kind] : undefined;
  let known: any;
  if (def && def.groups.includes(apiGroup(o.apiVersion))) {
    if (def.path === null) {
      known = o.spec;
      views.push({ meta: metaOf(o), spec: obj(o.spec), metaPath: ['metadata'], specPath: ['spec'] });
    } else {
      let cur: any = o;
      for (const p of def.path) cur = obj(cur)[p];
      known = obj(cur).spec;
      views.push({ meta: obj(obj(cur).metadata), spec: obj(obj(cur).spec), metaPath: [...def.path, 'metadata'], specPath: [...def.path, 'spec'] });
    }
  }
  const seen = new Set<object>();
  const walk = (node: any, at: PathSegment[], parent: any, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 100 || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((x, i) => walk(x, [...at, i], node, depth + 1));
      return;
    }
    if (node !== known && isPodSpecShape(node)) {
      const key = at[at.length - 1];
      const withMeta = key === 'spec' && isMap(parent) && isMap(parent.metadata);
      views.push({ meta: withMeta ? parent.metadata : {}, spec: node, metaPath: [...at.slice(0, -1), 'metadata'], specPath: at });
      return;
    }
    if (node === known) return;
    for (const [k, v] of Object.entries(node)) if (v !== null && typeof v === 'object') walk(v, [...at, k], node, depth + 1);
  };
  for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && k !== 'status' && v !== null && typeof v === 'object') walk(v, [k], o, 1);
  podsCache.set(o, views);
  return views;
}

/** The pod template of an object (its pod-bearing kind's, else the first found by shape), else `undefined`. */
export function podOf(o: any): PodView | undefined {
  return podsOf(o)[0];
}

/** Whether the object runs pods (every object with a pod spec except a PodTemplate). */
export function runsPods(o: any): boolean {
  return !!podOf(o) && o.kind !== 'PodTemplate';
}

/**
 * kubectl reads any document with an `items` array as a list and creates each item (the
 * unstructured decoder's list detection, not the kind): lists are expanded, recursively.
 */
export function isListShape(v: unknown): v is { items: any[] } {
  return isMap(v) && Array.isArray(v.items);
}

/** The objects a document stands for: itself, or the items of a list, recursively, with their paths. */
export function expandLists(json: any, at: PathSegment[] = [], depth = 0): Array<{ json: any; path: PathSegment[] }> {
  if (depth < 32 && isListShape(json)) return json.items.flatMap((item: any, j: number) => expandLists(item, [...at, 'items', j], depth + 1));
  return [{ json, path: at }];
}

export const isBatch = (o: any): boolean => isKind(o, 'Job', ['batch']) || isKind(o, 'CronJob', ['batch']);

export type ContainerType = 'initContainers' | 'containers' | 'ephemeralContainers';

export interface ContainerView {
  readonly c: Record<string, any>;
  readonly type: ContainerType;
  readonly path: PathSegment[];
  readonly name: string;
}

const containerCache = new WeakMap<PodView, Map<string, ContainerView[]>>();

/**
 * Every container of a pod: init, regular and ephemeral (in that order). Cached per pod view and
 * type list: dozens of rules ask for the same containers of every pod. Treat the result as read-only.
 */
export function containersOf(pod: PodView, types: ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers']): ContainerView[] {
  const key = types.join(',');
  let byTypes = containerCache.get(pod);
  if (!byTypes) containerCache.set(pod, byTypes = new Map());
  const cached = byTypes.get(key);
  if (cached) return cached;
  const out: ContainerView[] = [];
  byTypes.set(key, out);
  for (const type of types) {
    arr(pod.spec[type]).forEach((c, i) => {
      if (isMap(c)) out.push({ c, type, path: [...pod.specPath, type, i], name: String(c.name ?? `#${i}`) });
    });
  }
  return out;
}

export const q = (s: unknown): string => JSON.stringify(String(s));
const CONTAINER_WORD: Record<ContainerType, string> = { initContainers: 'init container', containers: 'container', ephemeralContainers: 'ephemeral container' };
export const containerLabel = (cv: ContainerView): string => `${CONTAINER_WORD[cv.type]} ${q(cv.name)}`;

/** metav1.LabelSelector semantics: a missing selector matches nothing, an empty one everything. */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isMap(selector)) return false;
  const l = obj(labels);
  for (const [k, v] of Object.entries(obj(selector.matchLabels))) if (l[k] !== String(v)) return false;
  for (const e of arr(selector.matchExpressions).map(obj)) {
    const present = Object.prototype.hasOwnProperty.call(l, e.key);
    const vals = arr(e.values).map(String);
    switch (e.operator) {
      case 'In': if (!present || !vals.includes(l[e.key])) return false; break;
      case 'NotIn': if (present && vals.includes(l[e.key])) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: return false;
    }
  }
  return true;
}

/**
 * Objects with a label selector (NetworkPolicies, PodDisruptionBudgets), bucketed by namespace
 * and by the first `matchLabels` entry, so the candidates for a pod are found without scanning
 * every object: a selector that requires `k=v` can only match pods labelled `k=v`. Candidates
 * still have to be checked with `selectorMatches`.
 */
export class SelectorIndex {
  private readonly byNamespace = new Map<string, { unbucketed: any[]; byLabel: Map<string, any[]> }>();

  constructor(items: any[], private readonly selectorOf: (o: any) => unknown) {
    for (const item of items) {
      const ns = nsOf(item);
      let entry = this.byNamespace.get(ns);
      if (!entry) this.byNamespace.set(ns, entry = { unbucketed: [], byLabel: new Map() });
      const first = Object.entries(obj(obj(selectorOf(item)).matchLabels))[0];
      if (first) {
        const key = `${first[0]}=${String(first[1])}`;
        const bucket = entry.byLabel.get(key);
        if (bucket) bucket.push(item); else entry.byLabel.set(key, [item]);
      } else {
        entry.unbucketed.push(item);
      }
    }
  }

  /** The objects in `namespace` whose selector matches `labels`. */
  public matching(namespace: string, labels: unknown): any[] {
    const entry = this.byNamespace.get(namespace);
    if (!entry) return [];
    const l = obj(labels);
    const candidates = [...entry.unbucketed];
    for (const [k, v] of Object.entries(l)) candidates.push(...(entry.byLabel.get(`${k}=${String(v)}`) ?? []));
    return candidates.filter((c) => selectorMatches(this.selectorOf(c), l));
  }
}

/** Pod-running workloads bucketed by namespace and by each pod label, for "does a selector match any pod". */
export class PodLabelIndex {
  private readonly byNamespace = new Map<string, { all: any[]; byLabel: Map<string, any[]> }>();

  constructor(workloads: any[]) {
    for (const w of workloads) {
      const ns = nsOf(w);
      let entry = this.byNamespace.get(ns);
      if (!entry) this.byNamespace.set(ns, entry = { all: [], byLabel: new Map() });
      entry.all.push(w);
      for (const [k, v] of Object.entries(obj(podOf(w)?.meta.labels))) {
        const key = `${k}=${String(v)}`;
        const bucket = entry.byLabel.get(key);
        if (bucket) bucket.push(w); else entry.byLabel.set(key, [w]);
      }
    }
  }

  /** Whether `selector` matches the pods of some workload in `namespace`. */
  public anyMatches(namespace: string, selector: unknown): boolean {
    const entry = this.byNamespace.get(namespace);
    if (!entry) return false;
    const first = Object.entries(obj(obj(selector).matchLabels))[0];
    const candidates = first ? entry.byLabel.get(`${first[0]}=${String(first[1])}`) ?? [] : entry.all;
    return candidates.some((w) => selectorMatches(selector, podOf(w)!.meta.labels));
  }
}

/** Indexes over an object set for the cross-object rules (built once per evaluation). */
export interface ObjectIndex {
  readonly workloads: any[];
  readonly serviceAccounts: any[];
  readonly bindings: any[];
  readonly roles: any[];
  readonly networkPolicies: any[];
  readonly pdbs: any[];
  readonly hpas: any[];
  /** NetworkPolicies by the pods they select (a missing podSelector selects every pod). */
  readonly networkPoliciesFor: SelectorIndex;
  /** PodDisruptionBudgets by the pods they select. */
  readonly pdbsFor: SelectorIndex;
  /** Workloads by their pod labels. */
  readonly podLabels: PodLabelIndex;
  /** HPAs by `namespace/kind (lower case)/name` of their scale target. */
  readonly hpaByTarget: Map<string, any>;
  /** ServiceAccounts by `namespace/name`. */
  readonly serviceAccountByName: Map<string, any>;
  /** `namespace/name` of every ServiceAccount a (Cluster)RoleBinding in the set names. */
  readonly boundServiceAccounts: Set<string>;
}

export function buildIndex(objects: readonly PolicyObject[]): ObjectIndex {
  const all = objects.map((o) => o.json).filter(isMap);
  const workloads = all.filter(runsPods);
  const serviceAccounts = all.filter((o) => isKind(o, 'ServiceAccount', ['']));
  const bindings = all.filter((o) => isKind(o, 'RoleBinding', ['rbac.authorization.k8s.io']) || isKind(o, 'ClusterRoleBinding', ['rbac.authorization.k8s.io']));
  const networkPolicies = all.filter((o) => isKind(o, 'NetworkPolicy', ['networking.k8s.io']));
  const pdbs = all.filter((o) => isKind(o, 'PodDisruptionBudget', ['policy']));
  const hpas = all.filter((o) => isKind(o, 'HorizontalPodAutoscaler', ['autoscaling']));
  const hpaByTarget = new Map<string, any>();
  for (const h of hpas) {
    const ref = obj(obj(h.spec).scaleTargetRef);
    const key = `${nsOf(h)}/${String(ref.kind ?? '').toLowerCase()}/${String(ref.name ?? '')}`;
    if (!hpaByTarget.has(key)) hpaByTarget.set(key, h);
  }
  const serviceAccountByName = new Map<string, any>();
  for (const sa of serviceAccounts) {
    const key = `${nsOf(sa)}/${String(obj(sa.metadata).name)}`;
    if (!serviceAccountByName.has(key)) serviceAccountByName.set(key, sa);
  }
  const boundServiceAccounts = new Set<string>();
  for (const b of bindings) {
    for (const s of arr(b.subjects).map(obj)) {
      if (s.kind === 'ServiceAccount') boundServiceAccounts.add(`${String(s.namespace ?? nsOf(b))}/${String(s.name)}`);
    }
  }
  return {
    workloads,
    serviceAccounts,
    bindings,
    roles: all.filter((o) => isKind(o, 'Role', ['rbac.authorization.k8s.io']) || isKind(o, 'ClusterRole', ['rbac.authorization.k8s.io'])),
    networkPolicies,
    pdbs,
    hpas,
    networkPoliciesFor: new SelectorIndex(networkPolicies, (np) => {
      const sel = obj(np.spec).podSelector;
      return isMap(sel) ? sel : {};
    }),
    pdbsFor: new SelectorIndex(pdbs, (p) => obj(p.spec).selector),
    podLabels: new PodLabelIndex(workloads),
    hpaByTarget,
    serviceAccountByName,
    boundServiceAccounts,
  };
}

/** Parses `v1.28`, `1.28` or `latest`. */
export const LATEST_PSS: [number, number] = [1, 37];
export function parsePssVersion(v: string | undefined): [number, number] | undefined {
  if (v === undefined || v === 'latest') return LATEST_PSS;
  // Pod Security Admission versions are v1.0 ... the latest one the rules know.
  const m = /^v?1\.(\d+)$/.exec(v);
  return m && Number(m[1]) <= LATEST_PSS[1] ? [1, Number(m[1])] : undefined;
}
export const atLeast = (v: readonly number[], major: number, minor: number): boolean => v[0] > major || (v[0] === major && v[1] >= minor);
