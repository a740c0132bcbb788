/*
 * Name and key syntax of the Kubernetes API (k8s.io/apimachinery pkg/util/validation), as far
 * as a SealedSecret needs it. Each check returns `undefined` when the input is valid, or the
 * problem in words (never echoing anything but the checked string itself).
 */

import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../hardening/validation';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** An object name such as a Secret's `metadata.name`: a DNS-1123 subdomain. */
export function checkObjectName(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long; at most 253 are allowed`;
  if (!isDnsSubdomain(name)) {
    return 'is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit)';
  }
  return undefined;
}

/** A namespace name: a DNS-1123 label. */
export function checkNamespaceName(namespace: string): string | undefined {
  if (namespace.length > 63) return `is ${namespace.length} characters long; at most 63 are allowed`;
  if (!isDnsLabel(namespace)) {
    return 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
  }
  return undefined;
}

/** A key of a Secret's `data` (apimachinery `IsConfigMapKey`). */
export function checkSecretKey(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > 253) return `is ${key.length} characters long; at most 253 are allowed`;
  if (!SECRET_KEY.test(key)) return 'may contain only letters, digits, "-", "_" and "."';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'must not be "." or "..", nor start with ".."';
  return undefined;
}

/** A label or annotation key: an optional DNS-1123 subdomain prefix and "/", then a name. */
export function checkQualifiedKey(key: string): string | undefined {
  return isLabelKey(key) ? undefined
    : 'is not a qualified key (an optional DNS-1123 subdomain prefix and "/", then 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)';
}

/** A label value. */
export function checkLabelValue(value: string): string | undefined {
  if (!isLabelValue(value)) {
    return 'is not a label value (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)';
  }
  return undefined;
}

/** Whether `value` is canonical base64 (padded, standard alphabet). */
export function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}
