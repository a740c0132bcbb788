export * from './hardening/config';
export * from './policy';
export * from './constructs/hardened-chart';
