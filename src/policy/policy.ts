import { IConstruct } from 'constructs';
import { propError } from '../hardening/errors';
import { MIN_REASON_LENGTH } from './acknowledgements';
import { Acknowledgement } from './model';
import { findRule } from './registry';

const ACKS = new WeakMap<IConstruct, Acknowledgement[]>();
let generation = 0;

/** Acknowledging policy rules: documented exceptions, recorded in the output. */
export class Policy {
  /**
   * Acknowledges `ruleId` for every Kubernetes object under `scope` (the construct itself and
   * its children). The finding no longer fails the synth; the object gets the annotation
   * `hardened.cdk8s.io/acknowledged: '<ruleId>: <reason>'` so reviewers see the exception.
   * An acknowledgement that matches no finding fails the synth (HARDENED-ACK-001).
   *
   * @param scope a HardenedChart or any construct inside one
   * @param ruleId the rule, e.g. `HARDENED-PSS-105`
   * @param reason why the exception is acceptable (at least 10 characters)
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    if (!scope.node.scope) {
      throw propError(scope, 'scope', '(the app)', 'an acknowledgement applies to a chart or a construct inside one', 'acknowledge on the HardenedChart or on the construct that owns the objects');
    }
    const known = findRule(ruleId);
    if (!known && (typeof ruleId !== 'string' || ruleId.startsWith('HARDENED-') || !/^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)+$/.test(ruleId))) {
      throw propError(scope, 'ruleId', ruleId, 'no policy rule has this id', 'use an id from the rules table (docs/rules.md), e.g. HARDENED-PSS-105');
    }
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      throw propError(scope, 'reason', reason, `an acknowledgement needs a reason of at least ${MIN_REASON_LENGTH} characters`, 'say why this exception is acceptable, e.g. "vendor image runs as root; isolated namespace"');
    }
    const list = ACKS.get(scope) ?? [];
    if (list.some((a) => a.ruleId === ruleId)) {
      throw propError(scope, 'ruleId', ruleId, 'this rule is already acknowledged on this construct', 'acknowledge each rule once per construct');
    }
    ACKS.set(scope, [...list, { ruleId, reason: reason.trim() }]);
    generation++;
  }

  /** The acknowledgements declared directly on `scope`. */
  public static acknowledgementsOf(scope: IConstruct): Acknowledgement[] {
    return [...(ACKS.get(scope) ?? [])];
  }

  /** @internal changes whenever an acknowledgement is added (cache key of the synth gate) */
  public static _generation(): number {
    return generation;
  }

  private constructor() {}
}
