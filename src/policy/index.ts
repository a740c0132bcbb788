// The public face of the policy engine: acknowledging rules, choosing packs, reading a report.
// The rule data and the evaluator stay internal (src/policy/*), used by HardenedChart and `check`.
export { RuleSeverity, Finding, ObjectRef, Acknowledgement, SuppressedFinding } from './model';
export { PolicyPack } from './registry';
export { Policy } from './policy';
export { PolicyReport } from './engine';
export { ACK_ANNOTATION, MIN_REASON_LENGTH } from './acknowledgements';
export { renderRulesTable } from './rules-table';
