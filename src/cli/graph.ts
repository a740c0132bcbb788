/*
 * `cdk8s-hardened graph <path>`: who may talk to whom, as the NetworkPolicies of the manifests
 * allow it (workloads, ports, namespaces, external peers), as Mermaid or Graphviz DOT.
 *
 * Exit status: 0 printed, 2 unreadable input or usage error.
 */
import { connectionGraph, toDot, toMermaid } from '../policy/connection-graph';
import { NetworkModel } from '../policy/reachability';
import { InputError, readManifests } from './check';

const USAGE = `usage: cdk8s-hardened graph <path> [options]

Prints the connections the NetworkPolicies under <path> allow (every *.yaml, *.yml and *.json
file, read as \`check\` reads them): workloads grouped by namespace, the ports on each edge, and
the peers outside the manifests (ipBlocks, other namespaces, DNS; "anywhere" for a direction no
policy isolates or a rule without peers).

options:
  --format mermaid|dot   Mermaid flowchart (default) or Graphviz DOT (\`dot -Tsvg\`)
  -h, --help             show this help

exit status: 0 printed, 2 unreadable input or usage error
`;

interface Writer { write(s: string): unknown }

/** Runs `graph`; returns the exit status. */
export function graph(argv: string[], stdout: Writer = process.stdout, stderr: Writer = process.stderr): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    stdout.write(USAGE);
    return 0;
  }
  let format = 'mermaid';
  let target: string | undefined;
  let problem: string | undefined;
  for (let i = 0; i < argv.length && !problem; i++) {
    const a = argv[i];
    if (a === '--format' || a.startsWith('--format=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'mermaid' && v !== 'dot') problem = `--format must be mermaid or dot (got ${JSON.stringify(v ?? '')})`;
      else format = v;
    } else if (a.startsWith('-') && a !== '-') {
      problem = `unknown option ${a}`;
    } else if (target === undefined) {
      target = a;
    } else {
      problem = `unexpected argument ${JSON.stringify(a)} (one path only)`;
    }
  }
  if (!problem && target === undefined) problem = 'missing <path>';
  if (problem) {
    stderr.write(`cdk8s-hardened graph: ${problem}\n\n${USAGE}`);
    return 2;
  }
  let objects;
  try {
    objects = readManifests(target!).objects;
  } catch (e) {
    if (e instanceof InputError) {
      stderr.write(`cdk8s-hardened graph: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const g = connectionGraph(NetworkModel.fromObjects(objects.map((o) => o.json)));
  stdout.write(format === 'dot' ? toDot(g) : toMermaid(g));
  return 0;
}
