export * from './hardening/config';
