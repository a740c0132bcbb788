/*
 * The same object twice: two objects with the same API group, kind, namespace and name are one
 * object to the API server, and `kubectl apply` keeps whichever comes last. Refused at synth
 * (the policy gate's session, or an App-level validation when no gate is attached) naming both
 * construct paths, and by `cdk8s-hardened check` naming both files.
 */
import { ApiObject, App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RuleSeverity, PolicyRule } from './model';

/** An object's identity and where it comes from. */
export interface ObjectIdentity {
  readonly apiVersion: unknown;
  readonly kind: unknown;
  readonly namespace: unknown;
  readonly name: unknown;
  /** Construct path, or `file:line`. */
  readonly origin: string;
}

/** Reported by the gate and by `check`, not by evaluating one object. */
export const DUPLICATE_OBJECT: PolicyRule = {
  id: 'HARDENED-DUP-001',
  family: 'Object identity',
  title: 'Each object is defined once',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes API conventions: an object is identified by group, kind, namespace and name'],
  explanation: 'Two definitions of one object (same API group, kind, namespace and name) overwrite each other: `kubectl apply` keeps the last, so one workload silently loses its Service, NetworkPolicy or ServiceAccount to the other.',
  fix: 'Give one of the two another name (the `name` prop, or a different construct id) or namespace, or remove one of them.',
  evaluate: () => [],
};

/** A duplicate: `index` repeats the object first defined at `firstIndex`. */
export interface Duplicate {
  readonly index: number;
  readonly firstIndex: number;
  /** E.g. `Service shop/web (apiVersion v1)`. */
  readonly description: string;
}

/** Objects that repeat an earlier object's API group, kind, namespace and name. */
export function findDuplicates(objects: readonly ObjectIdentity[], defaultNamespace?: (i: number) => string | undefined): Duplicate[] {
  const first = new Map<string, number>();
  const out: Duplicate[] = [];
  objects.forEach((o, i) => {
    if (typeof o.name !== 'string' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') return;
    const slash = o.apiVersion.lastIndexOf('/');
    const group = slash >= 0 ? o.apiVersion.slice(0, slash) : '';
    const ns = typeof o.namespace === 'string' && o.namespace !== '' ? o.namespace : defaultNamespace?.(i) ?? '';
    const key = `${group}\u0000${o.kind}\u0000${ns}\u0000${o.name}`;
    const f = first.get(key);
    if (f === undefined) first.set(key, i);
    else out.push({ index: i, firstIndex: f, description: `${o.kind} ${ns ? `${ns}/` : ''}${o.name} (API group ${JSON.stringify(group)})` });
  });
  return out;
}

/** The synth error for each duplicate, naming both origins. */
export function duplicateErrors(objects: readonly ObjectIdentity[]): string[] {
  return findDuplicates(objects).map((d) => `${DUPLICATE_OBJECT.id}: ${d.description} is defined twice, at ${objects[d.firstIndex].origin} and at ${objects[d.index].origin}; `
    + `kubectl apply would keep only the last. Fix: ${DUPLICATE_OBJECT.fix}`);
}

/** The identities of every ApiObject under `root`, from their metadata (no rendering). */
export function apiObjectIdentities(root: IConstruct): ObjectIdentity[] {
  return root.node.findAll().filter(ApiObject.isApiObject).map((o) => ({
    apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.name, origin: o.node.path,
  }));
}

const CHECKED = Symbol.for('cdk8s-hardened.duplicates');
const GATES = Symbol.for('cdk8s-hardened.PolicyGate.registry');

/**
 * Adds, once per App, a validation that refuses duplicate objects anywhere in the App. Every
 * construct of the library calls it (through validateProps), so it works without a gate; an
 * App with a policy gate checks the rendered objects in the gate's session instead.
 */
export function checkDuplicatesInApp(scope: IConstruct): void {
  const root = scope.node.root;
  if (!(root instanceof App) || (root as any)[CHECKED]) return;
  Object.defineProperty(root, CHECKED, { value: true });
  root.node.addValidation({
    validate: () => ((root as any)[GATES]?.length ? [] : duplicateErrors(apiObjectIdentities(root))),
  });
}
