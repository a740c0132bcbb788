/*
 * `cdk8s-hardened seal`: seals one value offline with the controller's public certificate and
 * prints the base64 ciphertext, like `kubeseal --raw`. The value is read from stdin or a file,
 * never from the command line (where it would end up in shell history and `ps`), and it is
 * never printed, not even in errors.
 */
import * as fs from 'node:fs';
import { SealingCertificate } from '../sealing/certificate';
import { checkNamespaceName, checkObjectName } from '../sealing/names';
import { SealingError, SealingScope } from '../sealing/seal';

export const USAGE = `usage: cdk8s-hardened seal --cert FILE [--scope SCOPE] [--namespace NS] [--name NAME]
                           [--from-file FILE] < value

Seals one value for a Bitnami SealedSecret, offline, and prints the base64 ciphertext for
its spec.encryptedData (like \`kubeseal --raw\`). Use it in EncryptedConfig's sealedValues.

The value is read from stdin, byte for byte (a trailing newline is part of the value:
use printf '%s' rather than echo), or from --from-file. It is never taken as an argument.

options:
  --cert FILE        the controller's public certificate (\`kubeseal --fetch-cert > FILE\`)
  --scope SCOPE      strict (default): only this namespace and name can unseal it;
                     namespace-wide: any name in this namespace;
                     cluster-wide: any namespace and name
  --namespace NS     namespace of the Secret (required for strict and namespace-wide)
  --name NAME        name of the Secret, i.e. EncryptedConfig's name (required for strict)
  --from-file FILE   read the value from FILE instead of stdin
  -h, --help         show this help

exit status: 0 sealed, 1 the certificate or the input cannot be used, 2 usage error

example:
  printf '%s' "$DB_PASSWORD" | cdk8s-hardened seal --cert certs/sealed-secrets.pem \\
      --namespace shop --name db-credentials
`;

/** The process around the command; tests replace it. */
export interface SealIo {
  /** Reads all of stdin. */
  readonly readStdin: () => Buffer;
  /** Whether stdin is a terminal (then there is nothing piped to read). */
  readonly stdinIsTTY: boolean;
  /** Whether stdout is a terminal (then a newline follows the ciphertext). */
  readonly stdoutIsTTY: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: SealIo = {
  readStdin: () => fs.readFileSync(0),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
};

const OPTIONS_WITH_VALUE = ['--cert', '--scope', '--namespace', '--name', '--from-file'];

class UsageError extends Error {}

/** Flags of kubeseal and common CLIs that are named in an "unknown option" message; any other is not shown. */
const FAMILIAR_FLAGS = ['--raw', '--value', '--cert-file', '--controller-name', '--controller-namespace', '--fetch-cert', '--format', '--output', '-o',
  '--merge-into', '--re-encrypt', '--recovery-unseal', '--secret-file', '--sealed-secret-file', '--allow-empty-data', '--kubeconfig', '--context', '--verbose', '-v', '--version', '-n', '-f', '-w'];
class InputError extends Error {}

interface Options {
  cert?: string;
  scope?: string;
  namespace?: string;
  name?: string;
  fromFile?: string;
  help: boolean;
}

function parse(argv: string[]): Options {
  const options: Options = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('-')) {
      // Could be the secret itself: never echo it.
      throw new UsageError('unexpected argument (not shown); the value is read from stdin or --from-file, never from the command line');
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!OPTIONS_WITH_VALUE.includes(flag)) {
      // A dash-prefixed argument may be the secret itself (`seal ... -p4ss`): echo only the
      // name of a flag people bring from kubeseal or other tools, never anything else.
      const shown = FAMILIAR_FLAGS.includes(flag) ? JSON.stringify(flag) : '(not shown)';
      throw new UsageError(`unknown option ${shown}; the options are ${OPTIONS_WITH_VALUE.join(', ')} and --help, and the value is read from stdin or --from-file, never from the command line`);
    }
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      i++;
      // `--name -s3cret`: the option's value is missing and the next argument may be the secret.
      if (value !== undefined && value.startsWith('-')) throw new UsageError(`${flag} needs a value (the next argument starts with "-" and is not shown)`);
    }
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case '--cert': options.cert = value; break;
      case '--scope': options.scope = value; break;
      case '--namespace': options.namespace = value; break;
      case '--name': options.name = value; break;
      case '--from-file': options.fromFile = value; break;
    }
  }
  return options;
}

function parseScope(scope: string | undefined): SealingScope {
  if (scope === undefined) return SealingScope.STRICT;
  const found = Object.values(SealingScope).find(s => s === scope);
  if (!found) throw new UsageError(`--scope ${JSON.stringify(scope)} is not one of strict, namespace-wide, cluster-wide`);
  return found;
}

function checkTarget(scope: SealingScope, namespace: string | undefined, name: string | undefined): void {
  if (namespace !== undefined) {
    const problem = checkNamespaceName(namespace);
    if (problem) throw new UsageError(`--namespace ${JSON.stringify(namespace)} ${problem}`);
  }
  if (name !== undefined) {
    const problem = checkObjectName(name);
    if (problem) throw new UsageError(`--name ${JSON.stringify(name)} ${problem}`);
  }
  if (scope !== SealingScope.CLUSTER_WIDE && namespace === undefined) {
    throw new UsageError(`${scope} scope binds the value to a namespace: give --namespace (or --scope cluster-wide)`);
  }
  if (scope === SealingScope.STRICT && name === undefined) {
    throw new UsageError('strict scope binds the value to the Secret\'s name: give --name (EncryptedConfig\'s name, by default its construct id), or a wider --scope');
  }
}

function readValue(options: Options, io: SealIo): Buffer {
  if (options.fromFile !== undefined) {
    try {
      return fs.readFileSync(options.fromFile);
    } catch (e) {
      throw new InputError(`cannot read --from-file ${JSON.stringify(options.fromFile)} (${(e as NodeJS.ErrnoException).code ?? 'read error'})`);
    }
  }
  if (io.stdinIsTTY) {
    throw new UsageError('no value: pipe it on stdin (printf \'%s\' "$VALUE" | cdk8s-hardened seal ...) or give --from-file');
  }
  try {
    return io.readStdin();
  } catch (e) {
    throw new InputError(`cannot read stdin (${(e as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
}

/** Runs `cdk8s-hardened seal` with the arguments after `seal`; returns the exit status. */
export function main(argv: string[], io: SealIo = processIo): number {
  const fail = (status: number, message: string) => {
    io.stderr(`cdk8s-hardened seal: ${message}\n`);
    if (status === 2) io.stderr('Run `cdk8s-hardened seal --help` for usage.\n');
    return status;
  };
  try {
    const options = parse(argv);
    if (options.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (options.cert === undefined) throw new UsageError('--cert is required: the controller\'s public certificate (`kubeseal --fetch-cert > FILE`)');
    const scope = parseScope(options.scope);
    checkTarget(scope, options.namespace, options.name);
    // kubeseal ignores them too; say so, so that nobody believes the value is pinned to them.
    if (scope !== SealingScope.STRICT && options.name !== undefined) {
      io.stderr(`cdk8s-hardened seal: note: --name is not part of ${scope} sealing and is ignored\n`);
    }
    if (scope === SealingScope.CLUSTER_WIDE && options.namespace !== undefined) {
      io.stderr('cdk8s-hardened seal: note: --namespace is not part of cluster-wide sealing and is ignored\n');
    }

    const certificate = SealingCertificate.fromFile(options.cert);
    try {
      certificate.validate();
    } catch (e) {
      if (e instanceof SealingError) return fail(1, `--cert ${JSON.stringify(options.cert)}: ${e.message}`);
      throw e;
    }

    const value = readValue(options, io);
    if (value.length === 0) throw new InputError('the value is empty; nothing was sealed');
    if (value[value.length - 1] === 0x0a) {
      io.stderr('cdk8s-hardened seal: note: the value ends with a newline, which is sealed as part of it (use printf \'%s\', not echo, to leave it out)\n');
    }
    try {
      const sealed = certificate._sealBytes(value, {
        scope,
        namespace: scope === SealingScope.CLUSTER_WIDE ? undefined : options.namespace,
        name: scope === SealingScope.STRICT ? options.name : undefined,
      });
      io.stdout(io.stdoutIsTTY ? `${sealed}\n` : sealed);
    } finally {
      value.fill(0);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(2, e.message);
    if (e instanceof InputError) return fail(1, e.message);
    if (e instanceof SealingError) return fail(1, e.message);
    // Unexpected: one line, no stack trace. Errors from node:crypto never hold the value.
    return fail(1, `internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
