/*
 * One data-driven runtime check of every public prop: type, range and format. Each construct
 * describes its props once as a schema (`struct({...})` of the field schemas below) and calls
 * `validateProps(this, SCHEMA, props)` first thing in its constructor; nested option structs
 * (AutoscalingOptions, StorageVolume, ContainerOptions, ...) are schemas of their own, shared by
 * every construct that takes them (src/hardening/schemas.ts).
 *
 * A JavaScript caller, a jsii language or a generated config can pass anything: null, a number
 * for a string, a Date, a Map, a Buffer, a String object, a function, NaN. Each is refused here
 * with the library's error (construct path, prop, value, fix), before any code of the construct
 * calls a method on it or the YAML writer meets it. The semantic checks (an image tag, HPA
 * min <= max, a cron schedule) stay in the constructs: this layer makes sure they see the types
 * they were written for.
 */
import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError, REDACTED } from './errors';
import { isDuration } from './single-copy';
import { checkDuplicatesInApp } from '../policy/duplicates';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue, parseQuantity } from './validation';

/** What a schema reports for a bad value. */
export interface PropProblem {
  /** The path of the bad value under the prop, e.g. `ports[1].port`. */
  readonly prop: string;
  /** The bad value (or REDACTED). */
  readonly value: unknown;
  /** What is wrong. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A runtime check of one value. @internal */
export interface PropSchema {
  /** What the value must be, for messages ("a string", "a whole number from 1 to 65535"). */
  readonly expected: string;
  /** Whether `undefined` is accepted. */
  readonly optional?: boolean;
  /** Whether values are secret (never shown in errors). */
  readonly secret?: boolean;
  /** Returns the first problem of `value` at `prop`, or undefined. */
  check(value: unknown, prop: string): PropProblem | undefined;
}

/** How a value is described in an error: its kind, never its content. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return String(value);
    return 'a number';
  }
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof Buffer !== 'undefined' && Buffer.isBuffer(value)) return 'a Buffer';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (value instanceof String) return 'a String object';
  if (value instanceof Number) return 'a Number object';
  if (value instanceof Boolean) return 'a Boolean object';
  if (value instanceof RegExp) return 'a RegExp';
  if (isPlainObject(value)) return 'an object';
  let name: unknown;
  try {
    name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    name = undefined;
  }
  return typeof name === 'string' && name ? `an instance of ${name}` : 'an object';
}

/** Text for a value in a description, whatever it is (never throws). */
export function safeText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch { /* fall through */ }
  return `<${kindOf(value)}>`;
}

/** Whether `value` is a plain object literal (what a jsii struct or a JSON config is). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function problem(prop: string, value: unknown, what: string, fix: string, secret?: boolean): PropProblem {
  return { prop, value: secret ? REDACTED : shown(value), problem: what, fix };
}

/** The value as shown in an error: primitives as they are, anything else by its kind. */
function shown(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || ['string', 'boolean'].includes(typeof value)) {
    return typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…(${value.length} characters)` : value;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value) || isPlainObject(value)) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined && json.length <= 200) return value;
    } catch { /* fall through */ }
  }
  return `<${kindOf(value)}>`;
}

function wrongType(value: unknown, prop: string, expected: string, fix: string, secret?: boolean): PropProblem {
  return problem(prop, value, `is ${kindOf(value)}, not ${expected}`, fix, secret);
}

/** Accepts `undefined` besides what `schema` accepts. */
export function optional(schema: PropSchema): PropSchema {
  return { ...schema, optional: true, check: schema.check.bind(schema) };
}

/** Any value: the construct checks it itself (with a message more specific than a type's). */
export const anything: PropSchema = { expected: 'a value', check: () => undefined };

/** Values are secret: errors show `<redacted>`. */
export function secret(schema: PropSchema): PropSchema {
  return {
    ...schema,
    secret: true,
    check: (v, p) => {
      const r = schema.check(v, p);
      return r && { ...r, value: REDACTED };
    },
  };
}

function checkPresent(schema: PropSchema, value: unknown, prop: string, fix: string): PropProblem | undefined {
  if (value === undefined) {
    return schema.optional ? undefined : problem(prop, value, `is required (${schema.expected})`, fix);
  }
  if (value === null) {
    return problem(prop, value, `is null, not ${schema.expected}`, schema.optional ? `omit ${lastSegment(prop)} (or pass undefined) for the default, or give ${schema.expected}` : fix);
  }
  return schema.check(value, prop);
}

function lastSegment(prop: string): string {
  return prop.replace(/^.*\./, '');
}

/** Formats a string may have to follow. */
export enum StringFormat {
  /** Any string. */
  ANY = 'any',
  /** A non-empty string without leading or trailing whitespace or control characters. */
  NON_EMPTY = 'non-empty',
  /** A DNS-1123 label (most object names, namespaces, ports' names). */
  DNS_LABEL = 'dns-label',
  /** A DNS-1123 subdomain. */
  DNS_SUBDOMAIN = 'dns-subdomain',
  /** A positive Kubernetes quantity ("128Mi", "250m"). */
  QUANTITY = 'quantity',
  /** An absolute, normalized path. */
  ABSOLUTE_PATH = 'absolute-path',
  /** A label value (63 characters, alphanumerics, "-", "_", "."). */
  LABEL_VALUE = 'label-value',
}

const FORMATS: Record<StringFormat, { test: (s: string) => boolean; expected: string; fix: string }> = {
  [StringFormat.ANY]: { test: () => true, expected: 'a string', fix: 'give a string' },
  [StringFormat.NON_EMPTY]: {
    test: (s) => s.trim() !== '' && s === s.trim() && !/[\u0000-\u001f\u007f]/.test(s),
    expected: 'a non-empty string without surrounding spaces or control characters',
    fix: 'give a non-empty string',
  },
  [StringFormat.DNS_LABEL]: {
    test: isDnsLabel,
    expected: 'a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
    fix: 'use a name such as "my-app"',
  },
  [StringFormat.DNS_SUBDOMAIN]: {
    test: isDnsSubdomain,
    expected: 'a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)',
    fix: 'use a name such as "my-app" or "example.com"',
  },
  [StringFormat.QUANTITY]: {
    test: (s) => (parseQuantity(s) ?? 0) > 0 && Number.isFinite(parseQuantity(s)),
    expected: 'a positive Kubernetes quantity',
    fix: 'write it like "128Mi", "1Gi" or "250m"',
  },
  [StringFormat.ABSOLUTE_PATH]: {
    test: (s) => s.startsWith('/') && s !== '/' && !s.split('/').some((seg, i) => i > 0 && (seg === '' || seg === '.' || seg === '..')) && !/[\u0000-\u001f\u007f]/.test(s),
    expected: 'an absolute, normalized path other than "/" (no "..", "." or "//", no trailing "/")',
    fix: 'write it like "/tmp" or "/var/cache/app"',
  },
  [StringFormat.LABEL_VALUE]: {
    test: isLabelValue,
    expected: 'a label value (at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit)',
    fix: 'use a value such as "v1.2.3" or "frontend"',
  },
};

/** A string (a primitive: a `new String(...)` object is refused), optionally of a format. */
export function str(format: StringFormat = StringFormat.ANY, maxLength: number = 65536): PropSchema {
  const f = FORMATS[format];
  return {
    expected: f.expected,
    check: (v, p) => {
      if (typeof v !== 'string') return wrongType(v, p, 'a string', f.fix);
      if (v.length > maxLength) return problem(p, v, `is ${v.length} characters long, more than ${maxLength}`, `shorten ${lastSegment(p)}`);
      if (!f.test(v)) return problem(p, v, `is not ${f.expected}`, f.fix);
      return undefined;
    },
  };
}

/** A whole number in [min, max] (NaN, Infinity and fractions are refused). */
export function int(min: number, max: number): PropSchema {
  const expected = `a whole number from ${min} to ${max}`;
  return {
    expected,
    check: (v, p) => {
      if (typeof v !== 'number') return wrongType(v, p, 'a number', `give ${expected}`);
      if (!Number.isInteger(v) || v < min || v > max) return problem(p, v, `must be ${expected}`, `give ${expected}`);
      return undefined;
    },
  };
}

/** `true` or `false` (not "yes", 1 or a Boolean object). */
export const bool: PropSchema = {
  expected: 'true or false',
  check: (v, p) => (typeof v === 'boolean' ? undefined : wrongType(v, p, 'a boolean', 'give true or false')),
};

/** One of the values of a TypeScript enum. */
export function enumOf(e: Record<string, string | number>, name: string): PropSchema {
  const values = Object.entries(e).filter(([k]) => !/^\d+$/.test(k)).map(([, v]) => v);
  const keys = Object.keys(e).filter((k) => !/^\d+$/.test(k));
  const expected = `a ${name}`;
  return {
    expected,
    check: (v, p) => (values.includes(v as string | number) ? undefined
      : problem(p, v, `is not a ${name}`, `use ${keys.map((k) => `${name}.${k}`).join(', ')}`)),
  };
}

/** An instance of a class of this library (or cdk8s): its static factories make them. */
export function instanceOf(cls: Function, name: string, fix: string): PropSchema {
  return {
    expected: `a ${name}`,
    check: (v, p) => (v instanceof cls ? undefined : wrongType(v, p, `a ${name}`, fix)),
  };
}

/** An object with the given methods (an interface such as INetworkPeer). */
export function withMethods(methods: string[], name: string, fix: string): PropSchema {
  return {
    expected: name,
    check: (v, p) => {
      if (typeof v !== 'object' || v === null) return wrongType(v, p, name, fix);
      for (const m of methods) {
        if (typeof (v as Record<string, unknown>)[m] !== 'function') return problem(p, shown(v), `is ${kindOf(v)}, not ${name} (it has no ${m}())`, fix);
      }
      return undefined;
    },
  };
}

/** A construct (anything with a construct node). */
export function construct(name: string, fix: string): PropSchema {
  return {
    expected: name,
    check: (v, p) => {
      const node = (typeof v === 'object' && v !== null) ? (v as { node?: { path?: unknown } }).node : undefined;
      return node && typeof node.path === 'string' ? undefined : wrongType(v, p, name, fix);
    },
  };
}

/** The construct whose props are being checked (validateProps is synchronous). */
let checking: IConstruct | undefined;

/** A cdk8s Duration with a finite, non-negative length; `maxSeconds` bounds it. */
export function duration(maxSeconds: number = 10 * 365 * 86400): PropSchema {
  const fix = 'use Duration.seconds(...), Duration.minutes(...), Duration.hours(...) or Duration.days(...) from cdk8s';
  return {
    expected: 'a Duration',
    check: (v, p) => {
      if (!(checking ? isDuration(checking, p, v) : v instanceof Duration)) return problem(p, v, `must be a cdk8s Duration (it is ${kindOf(v)})`, fix);
      let ms: number;
      try {
        ms = (v as Duration).toMilliseconds();
      } catch (e) {
        return problem(p, '<a Duration>', `is not a finite, non-negative length of time (${(e as Error).message})`, fix);
      }
      if (!Number.isFinite(ms) || ms < 0) return problem(p, String(ms), 'is not a finite, non-negative length of time', fix);
      if (ms / 1000 > maxSeconds) return problem(p, `${ms / 1000}s`, `is longer than ${maxSeconds} seconds`, 'give a shorter Duration');
      return undefined;
    },
  };
}

/** An array (not an array-like or iterable object) whose items each match `item`. */
export function arrayOf(item: PropSchema, opts: { minItems?: number; maxItems?: number } = {}): PropSchema {
  const expected = `an array (of ${item.expected})`;
  // Built once per schema, not per item checked (schemas run for every construct).
  const required: PropSchema = { ...item, optional: false };
  const itemFix = `give ${item.expected}`;
  return {
    expected,
    check: (v, p) => {
      if (!Array.isArray(v)) return wrongType(v, p, 'an array', `give an array ([...]), each item ${item.expected}`);
      if (opts.minItems !== undefined && v.length < opts.minItems) return problem(p, v, `needs at least ${opts.minItems} item(s)`, `give at least ${opts.minItems}`);
      if (opts.maxItems !== undefined && v.length > opts.maxItems) return problem(p, `<${v.length} items>`, `has more than ${opts.maxItems} items`, `give at most ${opts.maxItems}`);
      for (let i = 0; i < v.length; i++) {
        // Holes of a sparse array read as undefined, and no item is optional.
        const r = checkPresent(required, v[i], `${p}[${i}]`, itemFix);
        if (r) return r;
      }
      return undefined;
    },
  };
}

/** A plain object whose keys match `keyFormat` and whose values each match `value`. */
export function mapOf(value: PropSchema, keyFormat: (key: string) => boolean = () => true, keyExpected: string = 'a key'): PropSchema {
  const required: PropSchema = { ...value, optional: false };
  const valueFix = `give ${value.expected}`;
  return {
    expected: `an object (each value ${value.expected})`,
    check: (v, p) => {
      if (!isPlainObject(v)) return wrongType(v, p, 'an object ({ key: value })', `give an object literal ({ key: value }), each value ${value.expected}`);
      for (const k of Object.keys(v)) {
        if (!keyFormat(k)) return problem(`${p} key`, k, `is not ${keyExpected}`, `rename the key to ${keyExpected}`);
        const r = checkPresent(required, v[k], `${p}.${k}`, valueFix);
        if (r) return value.secret ? { ...r, value: REDACTED } : r;
      }
      return undefined;
    },
  };
}

/** Labels (or annotation keys with string values): valid keys, values of `valueSchema`. */
export function labelMap(valueSchema: PropSchema = str(StringFormat.LABEL_VALUE)): PropSchema {
  return mapOf(valueSchema, isLabelKey, 'a label key (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and ".")');
}

/** The fields of a struct, each with its schema. */
export type Fields = Record<string, PropSchema>;

/**
 * A plain object (a struct) with the given fields. Fields not listed are not checked here (the
 * construct may read props a schema does not list yet); listed ones are checked in order.
 */
export function struct(fields: Fields, name: string = 'an object'): PropSchema {
  // The fields and their fixes, built once per schema: a struct is checked for every construct
  // and option object, and most checks pass (per call, this was most of the validator's garbage).
  const entries = Object.entries(fields).map(([k, s]) => ({ k, s, fix: `set ${k}: ${s.expected}` }));
  return {
    expected: name,
    check: (v, p) => {
      if (!isPlainObject(v)) return wrongType(v, p, `${name} ({ ... })`, `give an object literal (${name})`);
      for (const { k, s, fix } of entries) {
        const r = checkPresent(s, v[k], p ? `${p}.${k}` : k, fix);
        if (r) return r;
      }
      return undefined;
    },
  };
}

/** Either of two schemas (the first one's problem is reported). */
export function oneOf(a: PropSchema, b: PropSchema, expected: string): PropSchema {
  return {
    expected,
    check: (v, p) => (a.check(v, p) === undefined || b.check(v, p) === undefined ? undefined : problem(p, v, `is ${kindOf(v)}, not ${expected}`, `give ${expected}`, a.secret || b.secret)),
  };
}

/** A check of its own on top of `schema` (run only when `schema` passed). */
export function refine(schema: PropSchema, test: (v: any, prop: string) => PropProblem | undefined): PropSchema {
  return { ...schema, check: (v, p) => schema.check(v, p) ?? test(v, p) };
}

/**
 * Checks `props` against `schema` and throws the library's error (construct path, prop, value,
 * fix) for the first problem. Also checks the namespace the construct lands in when it comes
 * from the chart (a plain cdk8s `Chart` accepts any string). Call it first in a constructor.
 */
export function validateProps(scope: IConstruct, schema: PropSchema, props: unknown, opts: { namespaceProp?: string } = {}): void {
  const previous = checking;
  checking = scope;
  let r: PropProblem | undefined;
  try {
    r = checkPresent(schema, props, '', 'pass the props object');
  } finally {
    checking = previous;
  }
  if (r) throw propError(scope, r.prop || 'props', r.value, r.problem, r.fix);
  const own = opts.namespaceProp && isPlainObject(props) ? props[opts.namespaceProp] : undefined;
  if (own === undefined) checkChartNamespace(scope);
  checkDuplicatesInApp(scope);
}

/** Refuses a chart namespace that is not a DNS-1123 label (a plain cdk8s Chart accepts any string). */
export function checkChartNamespace(scope: IConstruct): void {
  let chart: Chart;
  try {
    chart = Chart.of(scope);
  } catch {
    return; // not in a chart: cdk8s reports it when the construct adds an object
  }
  const ns: unknown = chart.namespace;
  if (ns === undefined) return;
  if (typeof ns !== 'string' || !isDnsLabel(ns)) {
    throw propError(scope, 'namespace', shown(ns),
      `is not a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters) (taken from the chart), so the API server would refuse the objects of ${chart.node.path || 'the chart'}`,
      `set the chart's namespace to a valid name, e.g. new Chart(app, '${chart.node.id}', { namespace: 'my-namespace' })`);
  }
}

/**
 * `validateProps` for a construct that is not created yet (a chart checks its props before
 * `super(...)` hands them to cdk8s): errors name `scope`'s path and `id`. Returns `props`.
 */
export function validatePropsBefore<T>(scope: IConstruct, id: string, schema: PropSchema, props: T): T {
  const parent = scope?.node?.path;
  const path = parent ? `${parent}/${id}` : String(id);
  const r = checkPresent(schema, props, '', 'pass the props object');
  if (r) throw propError({ node: { path } } as IConstruct, r.prop || 'props', r.value, r.problem, r.fix);
  return props;
}

/** Checks the options of a method call (`exposeViaIngress(options)`, `allowTo(peer, options)`); errors name `prop`. */
export function validateOptions(scope: IConstruct, prop: string, schema: PropSchema, options: unknown): void {
  const previous = checking;
  checking = scope;
  let r: PropProblem | undefined;
  try {
    r = checkPresent(schema, options, prop, 'pass the options object');
  } finally {
    checking = previous;
  }
  if (r) throw propError(scope, r.prop, r.value, r.problem, r.fix);
}
