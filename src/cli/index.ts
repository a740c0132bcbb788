#!/usr/bin/env node
/* The `cdk8s-hardened` command. Each subcommand lives in its own module. */

import * as fs from 'fs';
import * as path from 'path';

const USAGE = `usage: cdk8s-hardened <command> [options]

commands:
  seal     seal a value for a SealedSecret, offline (like kubeseal --raw)
  check    check Kubernetes YAML against the hardening policy rules
  graph    print who may talk to whom under the NetworkPolicies (Mermaid or Graphviz DOT)

options:
  --version  print the version of cdk8s-hardened
  --help     print this help
`;

/** The package's version (package.json beside lib/ and src/). */
export function version(): string {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

type Command = (argv: string[]) => number;

const COMMANDS: Record<string, () => Command> = {
  seal: () => require('./seal').main,
  check: () => require('./check').check,
  graph: () => require('./graph').graph,
};

export function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`cdk8s-hardened: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  return load()(rest);
}

if (require.main === module) {
  // A reader that stops early (`check dir | head`) closes the pipe: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = main(process.argv.slice(2));
}
