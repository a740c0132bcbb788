import { IConstruct } from 'constructs';
import { mayRevealSecret } from './sensitive';

/**
 * Shows a prop value in an error message. Secret values must never reach this function:
 * callers pass `REDACTED` for them, and a value that may reveal one (see `mayRevealSecret`: a
 * wrong-typed value under a secret-like name, EncryptedConfig props passed for a construct) is
 * redacted by `propError` as well.
 */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Placeholder to pass as the value when the bad value is secret. */
export const REDACTED = Symbol('redacted');

/**
 * The error for bad input: names the construct path, the prop, the value, what is wrong and
 * how to fix it. Every construct in this library throws this at construct time.
 *
 * @example
 * throw propError(this, 'image', image, 'the tag "latest" is mutable', 'pin a version tag or a digest');
 */
export function propError(scope: IConstruct, prop: string, value: unknown, problem: string, fix: string): Error {
  const shown = value === REDACTED || mayRevealSecret(prop, value) ? '<redacted>' : show(value);
  return new Error(`${scope.node.path}: invalid ${prop} ${shown}: ${problem}. Fix: ${fix}.`);
}
