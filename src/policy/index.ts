export * from './model';
export { PolicyPack, ALL_RULES, findRule } from './registry';
export { Policy } from './policy';
export { evaluatePolicy, EvaluateOptions, PolicyReport, AcknowledgementScope } from './engine';
export { ACK_ANNOTATION, MIN_REASON_LENGTH } from './acknowledgements';
export { renderReport } from './report';
export { renderRulesTable } from './rules-table';
