/* Every rule, and the packs that group them. */
import { PolicyRule, RuleSeverity } from './model';
import { DUPLICATE_OBJECT } from './duplicates';
import { AVAILABILITY_RULES } from './rules/availability';
import { CLUSTER_RULES } from './rules/cluster';
import { CONNECTIVITY_RULES } from './rules/connectivity';
import { NAMESPACE_RULES } from './rules/namespace';
import { NETWORK_RULES } from './rules/network';
import { POD_SECURITY_RULES, PSS_BASELINE_IDS } from './rules/pod-security';
import { RBAC_RULES } from './rules/rbac';
import { SECRET_RULES } from './rules/secrets';
import { WORKLOAD_RULES } from './rules/workload';

const ACK_FAMILY = 'Acknowledgements';
/** Reported by the engine, not by evaluating an object: an acknowledgement that matched nothing. */
export const UNUSED_ACKNOWLEDGEMENT: PolicyRule = {
  id: 'HARDENED-ACK-001',
  family: ACK_FAMILY,
  title: 'Every acknowledgement is used',
  severity: RuleSeverity.ERROR,
  standards: ['cdk-nag suppressions practice'],
  explanation: 'An acknowledgement of a rule that never fires under its scope is stale: it documents an exception that does not exist and would silently cover a future violation.',
  fix: 'Remove the acknowledgement (Policy.acknowledge call or annotation entry).',
  evaluate: () => [],
};
/** Reported by `check`: a `hardened.cdk8s.io/acknowledged` entry that cannot be honoured. */
export const INVALID_ACKNOWLEDGEMENT: PolicyRule = {
  id: 'HARDENED-ACK-002',
  family: ACK_FAMILY,
  title: 'Acknowledgement annotations are well-formed',
  severity: RuleSeverity.WARNING,
  standards: ['cdk-nag suppressions practice'],
  explanation: 'An acknowledgement needs a known rule id and a reason of at least 10 characters; otherwise it is ignored and the finding stays.',
  fix: 'Write entries as `<rule id>: <reason>` separated by "; " (a ";" inside a reason is written "\\;").',
  evaluate: () => [],
};

const by = (family: string) => WORKLOAD_RULES.filter((r) => r.family === family);

/** A named group of rules to run. */
export class PolicyPack {
  /** Pod Security Standards baseline controls. */
  public static readonly POD_SECURITY_BASELINE = new PolicyPack('pss-baseline', POD_SECURITY_RULES.filter((r) => PSS_BASELINE_IDS.includes(r.id)));
  /** Pod Security Standards restricted profile (baseline + restricted controls). */
  public static readonly POD_SECURITY_RESTRICTED = new PolicyPack('pss-restricted', POD_SECURITY_RULES);
  /** Probes, requests/limits, read-only root file system, UID/GID, image pinning. */
  public static readonly WORKLOAD = new PolicyPack('workload', [...by('Health probes'), ...by('Resources'), ...by('Container hardening'), ...by('Images')]);
  /** Dedicated ServiceAccounts and token automount. */
  public static readonly SERVICE_ACCOUNTS = new PolicyPack('service-accounts', by('Service accounts'));
  /** Least-privilege RBAC. */
  public static readonly RBAC = new PolicyPack('rbac', RBAC_RULES);
  /** No plaintext secrets. */
  public static readonly SECRETS = new PolicyPack('secrets', SECRET_RULES);
  /** NetworkPolicy coverage, and calls the output declares that its NetworkPolicies must allow. */
  public static readonly NETWORK = new PolicyPack('network', [...NETWORK_RULES, ...CONNECTIVITY_RULES]);
  /** PodDisruptionBudgets and HPA/replicas. */
  public static readonly AVAILABILITY = new PolicyPack('availability', AVAILABILITY_RULES);
  /** Namespace Pod Security Admission labels. */
  public static readonly NAMESPACES = new PolicyPack('namespaces', NAMESPACE_RULES);
  /** Cluster-wide damage beyond pods: admission webhooks, host-path PersistentVolumes, Services exposed outside the cluster. */
  public static readonly CLUSTER = new PolicyPack('cluster', CLUSTER_RULES);

  /** Every pack (the default). */
  public static all(): PolicyPack[] {
    return [PolicyPack.POD_SECURITY_RESTRICTED, PolicyPack.WORKLOAD, PolicyPack.SERVICE_ACCOUNTS, PolicyPack.RBAC,
      PolicyPack.SECRETS, PolicyPack.NETWORK, PolicyPack.AVAILABILITY, PolicyPack.NAMESPACES, PolicyPack.CLUSTER];
  }

  /** The pack with this name (`pss-baseline`, `workload`, ...), or undefined. */
  public static fromName(name: string): PolicyPack | undefined {
    return [PolicyPack.POD_SECURITY_BASELINE, ...PolicyPack.all()].find((p) => p.name === name);
  }

  /** A pack of your own rules (ids must be unique across all packs you run). */
  public static custom(name: string, rules: PolicyRule[]): PolicyPack {
    return new PolicyPack(name, rules);
  }

  private constructor(public readonly name: string, public readonly rules: PolicyRule[]) {}
}

/** Every built-in rule, in table order (the acknowledgement rules last). */
export const ALL_RULES: PolicyRule[] = [...POD_SECURITY_RULES, ...WORKLOAD_RULES, ...RBAC_RULES, ...SECRET_RULES, ...NETWORK_RULES, ...CONNECTIVITY_RULES, ...AVAILABILITY_RULES, ...NAMESPACE_RULES, ...CLUSTER_RULES, UNUSED_ACKNOWLEDGEMENT, INVALID_ACKNOWLEDGEMENT, DUPLICATE_OBJECT];

export function findRule(id: string): PolicyRule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}

/**
 * The rules to run for these packs: deduplicated, and with overridden rules dropped when the
 * rule that overrides them runs too (as Pod Security Admission does at the restricted level).
 */
export function resolveRules(packs: PolicyPack[]): PolicyRule[] {
  const seen = new Map<string, PolicyRule>();
  for (const p of packs) for (const r of p.rules) if (!seen.has(r.id)) seen.set(r.id, r);
  const overridden = new Set([...seen.values()].flatMap((r) => r.overrides ?? []));
  return [...seen.values()].filter((r) => !overridden.has(r.id));
}
