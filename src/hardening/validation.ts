import { Chart, Names } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether `value` is a DNS-1123 label (Service, Namespace and most object names). */
export function isDnsLabel(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

const LABEL_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Whether `key` is a valid label key: an optional DNS subdomain prefix and "/", then a name. */
export function isLabelKey(key: string): boolean {
  const slash = typeof key === 'string' ? key.lastIndexOf('/') : -1;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  if (typeof key !== 'string') return false;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return name.length <= 63 && LABEL_NAME_PART.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
}

/** Whether `value` is a DNS-1123 subdomain (most object names). */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** Whether `value` is a valid label value. */
export function isLabelValue(value: string): boolean {
  return typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value);
}

/** Refuses a name that is not a DNS-1123 label. */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string): void {
  if (!isDnsLabel(value)) {
    throw propError(scope, prop, value, 'not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
      `use a name such as ${JSON.stringify(suggestDnsLabel(value))}`);
  }
}

/**
 * Refuses a name a Service cannot have: a DNS-1035 label (a DNS-1123 label that starts with a
 * letter), as the API server checks Service names.
 */
export function checkServiceName(scope: IConstruct, prop: string, value: string): void {
  checkDnsLabel(scope, prop, value);
  if (!/^[a-z]/.test(value)) {
    throw propError(scope, prop, value, 'a Service name must start with a letter (DNS-1035 label)', `use ${JSON.stringify(`svc-${value}`)}`);
  }
}

/** Refuses a name that is not a DNS-1123 subdomain (PriorityClass, StorageClass names). */
export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string): void {
  if (!isDnsSubdomain(value)) {
    throw propError(scope, prop, value, 'not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)',
      `use a name such as ${JSON.stringify(suggestDnsLabel(value))}`);
  }
}

/** The nearest DNS-1123 label to `value`, for error messages and derived names. */
export function suggestDnsLabel(value: string): string {
  const s = (typeof value === 'string' ? value : 'name').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return s || 'x';
}

/** Refuses a number that is not an integer in [min, max]. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max: number, fix: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw propError(scope, prop, value, `must be a whole number from ${min} to ${max}`, fix);
  }
}

const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const SUFFIX: Record<string, number> = {
  '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** Parses a Kubernetes quantity ("100m", "128Mi", "1.5", "1e3") to a number, or undefined. */
export function parseQuantity(value: string): number | undefined {
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return Number(m[1]) * factor;
}

/** Refuses a string that is not a positive Kubernetes quantity; returns its value. */
export function checkQuantity(scope: IConstruct, prop: string, value: string, example: string): number {
  const parsed = typeof value === 'string' ? parseQuantity(value) : undefined;
  if (parsed === undefined || parsed <= 0) {
    throw propError(scope, prop, value, 'not a positive Kubernetes quantity', `write it like ${JSON.stringify(example)}`);
  }
  return parsed;
}

/** Refuses a path that is not absolute and normalized. */
export function checkAbsolutePath(scope: IConstruct, prop: string, value: string): void {
  if (typeof value !== 'string' || !value.startsWith('/') || value === '/' || value.split('/').some((seg, i) => i > 0 && (seg === '' || seg === '.' || seg === '..'))) {
    throw propError(scope, prop, value, 'must be an absolute, normalized path other than "/" (no "..", "." or "//", no trailing "/")',
      'write it like "/tmp" or "/var/cache/app"');
  }
}

/**
 * The default object name of a construct: cdk8s' unique name for its path (with a hash
 * suffix unless the chart sets `disableResourceNameHashes`), made a valid DNS-1123 label.
 * `Names.toDnsLabel` keeps characters such as "_" and "." from construct ids, which the API
 * server refuses in most names.
 */
export function derivedName(scope: IConstruct, maxLen: number = 63): string {
  // The chart's `disableResourceNameHashes` (read as cdk8s' own generateObjectName does).
  const includeHash = (Chart.of(scope) as unknown as { _disableResourceNameHashes?: boolean })._disableResourceNameHashes !== true;
  return suggestDnsLabel(Names.toDnsLabel(scope, { maxLen, includeHash })).slice(0, maxLen).replace(/-+$/, '');
}
