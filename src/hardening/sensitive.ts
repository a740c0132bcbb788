/**
 * Environment variable names that hold secrets: a superset of Polaris
 * `sensitiveContainerEnvVar` (password, token, bearer, secret, AWS_SECRET_ACCESS_KEY,
 * GOOGLE_APPLICATION_CREDENTIALS, AZURE_*KEY, OCI_CLI_KEY_CONTENT) and kube-linter
 * `env-var-secret`, plus the short forms real apps use: `DB_PASS`, `PGPASS`, `MYSQL_PWD`,
 * `*_PASSPHRASE`, signing, encryption and HMAC keys (`JWT_SIGNING_KEY`). Used by the workload
 * constructs (refused at construct time) and by the policy rules (for hand-written objects and
 * `check`), so both agree.
 */
export const SENSITIVE_ENV_NAME = new RegExp([
  'passw(or)?d', 'secret', 'token', 'bearer', 'credential', 'api[-_]?key', 'private[-_]?key', 'access[-_]?key',
  '^AZURE_.+KEY$', '^OCI_CLI_KEY_CONTENT$',
  '(^|[-_.])pass($|[-_.])', 'pgpass', 'passphrase', '(^|[-_.])[a-z]+pwd$', '[-_.]pwd$',
  '(signing|encryption|encrypt|hmac|jwt|session|cookie|master|license)[-_.]?key', 'hmac',
].join('|'), 'i');

/** A PEM private key in a value (Polaris flags it whatever the variable's name). */
export const PRIVATE_KEY_VALUE = /-BEGIN\s+.*PRIVATE KEY-/i;

/** A URL with a password in its user info, e.g. `postgres://user:secret@host/db`. */
export const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]+@/i;

/** Whether a value is a placeholder filled in later (`${VAR}`, `$(VAR)`, `{{ .x }}`, `<x>`), not a secret. */
function isPlaceholder(value: string): boolean {
  return /^\s*(\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[^>]*>)\s*$/.test(value);
}

/** Whether a URL's password is a placeholder (`postgres://u:${PGPASSWORD}@h`, `$(DB_PASS)`). */
function urlHasRealPassword(value: string): boolean {
  const re = new RegExp(URL_WITH_PASSWORD.source, 'gi');
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const pass = m[0].slice(m[0].lastIndexOf(':', m[0].length - 2) + 1, -1);
    if (!/^(\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|\*+|x+|<[^>]*>)$/.test(pass)) return true;
  }
  return false;
}

/** Whether a plain environment variable would put a secret into the manifest. */
export function isSensitiveEnv(name: string, value: string): boolean {
  return (SENSITIVE_ENV_NAME.test(name) && !isPlaceholder(value)) || PRIVATE_KEY_VALUE.test(value) || urlHasRealPassword(value);
}

/** A `password: x` / `password=x` / `"apiKey": "x"` line inside a configuration file. */
const SECRET_ASSIGNMENT = /^\s*["']?[\w.-]*(passw(or)?d|passwd|secret|api[-_]?key|private[-_]?key|access[-_]?key|token|credentials?)["']?\s*[:=]\s*["']?([^\s"'#;,}]+)/im;

/**
 * Why a ConfigMap entry holds a secret, or undefined: a private key, a password in a URL, a
 * secret-named key with a literal value, or a `password = ...` line in a configuration file.
 */
export function secretInConfig(key: string, value: string): string | undefined {
  if (PRIVATE_KEY_VALUE.test(value)) return 'a PEM private key';
  if (urlHasRealPassword(value)) return 'a URL with a password';
  // One line, give or take the newline a YAML block scalar (`key: |`) ends with.
  const single = value.trim();
  if (single && !single.includes('\n') && SENSITIVE_ENV_NAME.test(key) && !isPlaceholder(single)) return `a literal value under the secret-like key ${JSON.stringify(key)}`;
  const m = SECRET_ASSIGNMENT.exec(value);
  if (m && !/^(\$|\{\{|<|\*+$|""|''|null$|none$|true$|false$|~$)/i.test(m[3]) && !/_?(file|path|ref|env|name|url|endpoint|length|min|max|ttl|timeout)["']?\s*[:=]/i.test(m[0])) {
    return `a ${m[1].toLowerCase()} setting with a literal value`;
  }
  return undefined;
}

/** Option names that point at a secret rather than hold one (`--token-file`, `--secret-name`). */
const REFERENCE_OPTION = /[-_.](file|path|dir|ref|env|name|names|url|endpoint|length|min|max|ttl|timeout|header)$/i;

/**
 * Why a command-line argument holds a secret, or undefined: a private key, a URL with a password,
 * or a secret-named option with a literal value (`--db-password=hunter2`, or `--db-password`
 * followed by `hunter2` as `next`). Arguments are in the manifest and in every process listing.
 */
export function secretInArgument(arg: string, next?: string): string | undefined {
  if (PRIVATE_KEY_VALUE.test(arg)) return 'a PEM private key';
  if (urlHasRealPassword(arg)) return 'a URL with a password';
  const m = /^--?([A-Za-z0-9][\w.-]*)(?:=(.*))?$/s.exec(arg);
  if (!m || !SENSITIVE_ENV_NAME.test(m[1]) || REFERENCE_OPTION.test(m[1])) return undefined;
  const value = m[2] ?? (next !== undefined && !next.startsWith('-') ? next : undefined);
  if (value === undefined || !value.trim() || isPlaceholder(value) || /^\$\(?[A-Za-z_][A-Za-z0-9_]*\)?$/.test(value.trim()) || value.startsWith('/')) return undefined;
  return `the option ${JSON.stringify(`--${m[1]}`)} with a literal value`;
}

/**
 * Whether showing `value` (given for the prop or key `name`) in an error could reveal a secret:
 * a string or number under a secret-like name, a string that holds a private key, a URL with a
 * password or a secret option (`--password hunter2`), or an object or array holding any of these
 * under its own keys, e.g. EncryptedConfig props (`{ values: { DB_PASSWORD: ... } }`) passed
 * where a construct was expected. A value too large or too deep to walk counts as revealing.
 */
export function mayRevealSecret(name: string, value: unknown): boolean {
  let budget = 1000; // values walked at most (a construct passed by mistake is a whole tree)
  const seen = new Set<object>();
  const walk = (name_: string, v: unknown, depth: number): boolean => {
    const segment = name_.replace(/^.*[.[]/, '').replace(/\]$/, '');
    // A name that points at a secret (`tlsSecretName`, `DB_PASSWORD_FILE`) does not hold one.
    const key = /(name|names|ref|file|path|dir)$/i.test(segment) ? '' : segment;
    if (typeof v === 'number' || typeof v === 'bigint') return SENSITIVE_ENV_NAME.test(key);
    if (typeof v === 'string') {
      const words = v.split(/\s+/);
      return isSensitiveEnv(key, v) || words.some((w, i) => secretInArgument(w, words[i + 1]) !== undefined);
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    if (SENSITIVE_ENV_NAME.test(key) || depth > 8 || --budget < 0) return true;
    try {
      return Object.entries(v).some(([k, x]) => walk(Array.isArray(v) ? key : k, x, depth + 1));
    } catch {
      return true;
    }
  };
  return walk(name, value, 0);
}
