/* Linux capabilities a container may add back after dropping ALL. */
import { IConstruct } from 'constructs';
import { propError } from './errors';

/**
 * A Linux capability a container may add back after the library drops ALL. Pod Security
 * `restricted` allows adding exactly one, NET_BIND_SERVICE, so it is the only member.
 */
export enum Capability {
  /**
   * Bind TCP and UDP ports below 1024 (e.g. 80) as a non-root user. Needed where the runtime
   * keeps those ports privileged (`net.ipv4.ip_unprivileged_port_start` 1024, the kernel's
   * default), and by an image whose binary carries the file capability
   * (`setcap cap_net_bind_service+ep`): with the capability dropped, such a binary fails to exec.
   */
  NET_BIND_SERVICE = 'NET_BIND_SERVICE',
}

/** Validates `capabilities` (an array of distinct `Capability` values) and returns the names to add. */
export function resolveCapabilities(scope: IConstruct, prop: string, capabilities: Capability[] | undefined): string[] {
  if (capabilities === undefined) return [];
  if (!Array.isArray(capabilities)) {
    throw propError(scope, prop, capabilities, 'must be a list of capabilities', 'write it like [Capability.NET_BIND_SERVICE]');
  }
  const out: string[] = [];
  capabilities.forEach((cap, i) => {
    if (!Object.values(Capability).includes(cap)) {
      throw propError(scope, `${prop}[${i}]`, cap, 'Pod Security "restricted" lets a container add back only NET_BIND_SERVICE after dropping ALL',
        'use [Capability.NET_BIND_SERVICE], or remove the capability (the image must not need it)');
    }
    if (out.includes(cap)) throw propError(scope, `${prop}[${i}]`, cap, 'listed twice', 'list each capability once');
    out.push(cap);
  });
  return out;
}
