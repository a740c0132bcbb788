export * from './hardening/config';
export * from './constructs/encrypted-config';
export * from './sealing/certificate';
export { SealingScope, SealingError } from './sealing/seal';
export * from './testing';
