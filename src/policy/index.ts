// The public face of the policy engine: acknowledging rules, choosing packs, reading a report.
// The types a custom rule (`PolicyPack.custom`) is written with are exported too; the built-in
// rule data and the evaluator stay internal (src/policy/*), used by HardenedChart and `check`.
export { RuleSeverity, Finding, ObjectRef, Acknowledgement, SuppressedFinding, IPolicyRule, PolicyRule, RuleViolation, PolicyContext, PolicyObject, PathSegment } from './model';
export { PolicyPack } from './registry';
export { Policy } from './policy';
export { PolicyReport, AcknowledgementScope } from './engine';
export { ACK_ANNOTATION, MIN_REASON_LENGTH } from './acknowledgements';
export { renderRulesTable } from './rules-table';
export { PolicyGate, PolicyGateProps } from './gate';
