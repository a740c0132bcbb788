/*
 * One copy of cdk8s, cdk8s-plus and constructs per app. cdk8s-hardened takes them as peer
 * dependencies, so an app normally has one copy of each. When it has two (a symlinked
 * `npm install <path>`, a nested copy after a version conflict, a ConfigMap of cdk8s-plus-33),
 * objects of one copy are not `instanceof` the other's classes and its renderer cannot resolve
 * the other's tokens ("can't render non-simple object of type 'Lazy'"). That is refused here,
 * at construct time, naming both copies and the fix; nothing falls back silently.
 */
import * as path from 'node:path';
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';

const JSII_RTTI = Symbol.for('jsii.rtti');

/** `fqn@version` of a jsii class instance (works across copies), e.g. "cdk8s.Chart@2.70.106". */
function rttiOf(value: unknown): { fqn: string; version: string } | undefined {
  const ctor = (value as { constructor?: unknown } | null | undefined)?.constructor as Record<symbol, unknown> | undefined;
  const rtti = ctor?.[JSII_RTTI] as { fqn?: unknown; version?: unknown } | undefined;
  return typeof rtti?.fqn === 'string' ? { fqn: rtti.fqn, version: String(rtti.version) } : undefined;
}

/** Root folder of the copy of `pkg` this library loaded. */
function ownCopy(pkg: string): string {
  try {
    return path.dirname(path.dirname(require.resolve(pkg)));
  } catch {
    return `(${pkg}: not resolvable)`;
  }
}

/** Root folders of every copy of the package(s) matching `pkgPattern` loaded in this process. */
export function loadedCopies(pkgPattern: string): string[] {
  const re = new RegExp(`^(.*[\\\\/]node_modules[\\\\/](?:${pkgPattern}))[\\\\/]lib[\\\\/]index\\.js$`);
  const dirs = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const m = re.exec(file);
    if (m) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

/** The error for an object of another copy of `pkg`. */
export function twoCopiesError(at: IConstruct | string, pkg: string, foreign: unknown, what: string): Error {
  const ours = ownCopy(pkg);
  const rtti = rttiOf(foreign);
  const pattern = pkg === 'cdk8s-plus-28' ? 'cdk8s-plus-\\d+' : pkg.replace(/[-/]/g, (c) => `\\${c}`);
  const others = loadedCopies(pattern).filter((d) => d !== ours);
  const rttiPkg = rtti?.fqn.split('.')[0];
  const samePackage = rttiPkg !== undefined && (rttiPkg === pkg || (pkg === 'cdk8s-plus-28' && /^cdk8s-plus-\d+$/.test(rttiPkg)));
  const other = samePackage ? `${rttiPkg} ${rtti!.version}` : `another copy of ${pkg}`;
  const found = others.length ? others.join(', ') : 'a location not in require.cache';
  const atPath = typeof at === 'string' ? at : at.node.path;
  const fix = samePackage && rttiPkg !== pkg
    ? `cdk8s-hardened is built on cdk8s-plus-28: create the object with cdk8s-plus-28 (import * as kplus from 'cdk8s-plus-28'), or pass an EncryptedConfig`
    : `make the app load one copy: install cdk8s-hardened from npm, a tarball or a git URL, or from a folder with \`npm install --install-links <path>\` (a symlinked folder brings its own node_modules), keep ${pkg} within cdk8s-hardened's peer range, then \`npm ls ${pkg}\` must show one version (\`npm dedupe\` if not)`;
  return new Error(`${atPath}: ${what} comes from ${other} (${found}), but cdk8s-hardened uses ${pkg} at ${ours}. `
    + `Objects of two copies cannot be mixed (the synth would fail with "can't render non-simple object of type 'Lazy'" or drop data). Fix: ${fix}.`);
}

const checked = new WeakSet<object>();

/**
 * Returns `scope` after checking that it and every scope above it come from this library's
 * copies of constructs and cdk8s (each chart and the App). Every construct of the library
 * calls it in its `super(...)` call, before constructs' own code touches the scope (scopes
 * already checked are remembered).
 */
export function sameCopies<T extends IConstruct>(scope: T, id: string): T {
  if (!scope?.node) return scope; // a root construct; constructs reports a missing scope itself
  const path = scope.node.path ? `${scope.node.path}/${id}` : id;
  for (const s of scope.node.scopes) {
    if (checked.has(s)) continue;
    if (Chart.isChart(s) && !Chart.prototype.isPrototypeOf(s)) throw twoCopiesError(path, 'cdk8s', s, `the chart ${JSON.stringify(s.node.path)}`);
    if (rttiOf(s)?.fqn === 'cdk8s.App' && !App.prototype.isPrototypeOf(s)) throw twoCopiesError(path, 'cdk8s', s, 'the App');
    if (!Construct.prototype.isPrototypeOf(s)) throw twoCopiesError(path, 'constructs', s, `the scope ${JSON.stringify(s.node.path)}`);
    checked.add(s);
  }
  return scope;
}

/** Whether `value` is a cdk8s Duration; a Duration of another copy of cdk8s is refused. */
export function isDuration(scope: IConstruct, prop: string, value: unknown): value is Duration {
  if (value instanceof Duration) return true;
  if (rttiOf(value)?.fqn === 'cdk8s.Duration') throw twoCopiesError(scope, 'cdk8s', value, `${prop} (a Duration)`);
  return false;
}

let importedConfigMapClass: Function | undefined;

/**
 * Whether `source` is a ConfigMap the cluster provides (`kplus.ConfigMap.fromConfigMapName`).
 * A ConfigMap or an imported ConfigMap of another copy of cdk8s-plus (or of another
 * cdk8s-plus-NN) is refused: its data could not be read into the checksum.
 */
export function isImportedConfigMap(scope: IConstruct, prop: string, source: unknown): boolean {
  if (!importedConfigMapClass) {
    importedConfigMapClass = kplus.ConfigMap.fromConfigMapName(new Construct(undefined as unknown as Construct, ''), 'probe', 'probe').constructor;
  }
  if (source instanceof importedConfigMapClass) return true;
  const rtti = rttiOf(source);
  const ours = kplus.Resource.prototype.isPrototypeOf(source as object);
  const foreign = !ours && ((rtti !== undefined && /^cdk8s-plus-\d+\./.test(rtti.fqn))
    || (typeof source === 'object' && source !== null && (source as { resourceType?: unknown }).resourceType === 'configmaps'));
  if (foreign) throw twoCopiesError(scope, 'cdk8s-plus-28', source, `${prop} (${rtti?.fqn ?? 'a cdk8s-plus object'})`);
  return false;
}
