import { IConstruct } from 'constructs';
import { propError } from '../hardening/errors';
import { MIN_REASON_LENGTH, visibleLength } from './acknowledgements';
import { Acknowledgement } from './model';
import { findRule } from './registry';

/** Type of the construct metadata entry that records an acknowledgement. */
export const ACK_METADATA_TYPE = 'hardened.cdk8s.io/acknowledgement';

/** Acknowledging policy rules: documented exceptions, recorded in the output. */
export class Policy {
  /**
   * Acknowledges `ruleId` for every Kubernetes object under `scope` (the construct itself and
   * its children). The finding no longer fails the synth; the object gets the annotation
   * `hardened.cdk8s.io/acknowledged: '<ruleId>: <reason>'` so reviewers see the exception.
   * An acknowledgement that matches no finding fails the synth (HARDENED-ACK-001). The
   * acknowledgement is kept in the construct's metadata (`node.metadata`, type
   * `hardened.cdk8s.io/acknowledgement`), where every policy gate above or below it reads it.
   *
   * @param scope any construct: a HardenedChart, a construct inside one, or the App
   * @param ruleId the rule, e.g. `HARDENED-PSS-105`
   * @param reason why the exception is acceptable (at least 10 visible characters)
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    const known = findRule(ruleId);
    if (!known && (typeof ruleId !== 'string' || ruleId.startsWith('HARDENED-') || !/^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$/.test(ruleId))) {
      throw propError(scope, 'ruleId', ruleId, 'no policy rule has this id', 'use an id from the rules table (docs/rules.md), e.g. HARDENED-PSS-105');
    }
    if (typeof reason !== 'string' || visibleLength(reason) < MIN_REASON_LENGTH) {
      throw propError(scope, 'reason', reason, `an acknowledgement needs a reason of at least ${MIN_REASON_LENGTH} visible characters (spaces, zero-width and control characters do not count)`, 'say why this exception is acceptable, e.g. "vendor image runs as root; isolated namespace"');
    }
    if (Policy.acknowledgementsOf(scope).some((a) => a.ruleId === ruleId)) {
      throw propError(scope, 'ruleId', ruleId, 'this rule is already acknowledged on this construct', 'acknowledge each rule once per construct');
    }
    scope.node.addMetadata(ACK_METADATA_TYPE, { ruleId, reason: reason.trim() });
  }

  /** The acknowledgements declared directly on `scope`. */
  public static acknowledgementsOf(scope: IConstruct): Acknowledgement[] {
    return scope.node.metadata.filter((m) => m.type === ACK_METADATA_TYPE).map((m) => ({ ruleId: m.data.ruleId, reason: m.data.reason }));
  }

  private constructor() {}
}
