/**
 * Environment variable names that hold secrets: a superset of Polaris
 * `sensitiveContainerEnvVar` (password, token, bearer, secret, AWS_SECRET_ACCESS_KEY,
 * GOOGLE_APPLICATION_CREDENTIALS, AZURE_*KEY, OCI_CLI_KEY_CONTENT) and kube-linter
 * `env-var-secret`. Used by the workload constructs (refused at construct time) and by the
 * policy rules (for hand-written objects and `check`), so both agree.
 */
export const SENSITIVE_ENV_NAME = /passw(or)?d|secret|token|bearer|credential|api[-_]?key|private[-_]?key|access[-_]?key|^AZURE_.+KEY$|^OCI_CLI_KEY_CONTENT$/i;

/** A PEM private key in a value (Polaris flags it whatever the variable's name). */
export const PRIVATE_KEY_VALUE = /-BEGIN\s+.*PRIVATE KEY-/i;

/** Whether a plain environment variable would put a secret into the manifest. */
export function isSensitiveEnv(name: string, value: string): boolean {
  return SENSITIVE_ENV_NAME.test(name) || PRIVATE_KEY_VALUE.test(value);
}
