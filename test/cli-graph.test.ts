import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { check } from '../src/cli/check';
import { graph } from '../src/cli/graph';
import { main } from '../src/cli/index';
import { connectionGraph } from '../src/policy/connection-graph';
import { NetworkModel } from '../src/policy/reachability';

const FIX = path.join(__dirname, 'fixtures', 'graph');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cli-graph-'));

function run(fn: typeof graph, ...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = fn(argv, { write: (s: string) => { out += s; } }, { write: (s: string) => { err += s; } });
  return { code, out, err };
}
const docs = () => parseAllDocuments(fs.readFileSync(path.join(FIX, 'app.yaml'), 'utf8')).map((d) => d.toJS());

const MERMAID = `flowchart LR
  subgraph ns1["namespace data"]
    n1["StatefulSet db<br/>Service db (headless) :5432"]
  end
  subgraph ns2["namespace shop"]
    n2["CronJob report"]
    n3["Deployment api<br/>Service api :80→9090, 9100"]
    n4["Deployment web<br/>Service web :80→8080"]
  end
  subgraph ns3["namespace tools"]
    n5["Pod debug"]
  end
  n6(["anywhere"])
  n7(["DNS (namespace kube-system: pods k8s-app=kube-dns)"])
  n8(["ipBlock 203.0.113.0/24 except 203.0.113.128/25"])
  n9(["namespace ingress-nginx"])
  n10(["namespaces monitoring=true"])
  n11(["namespaces team=data: pods app=db"])
  n1 -->|"8080/TCP"| n5
  n1 -->|"all ports"| n6
  n2 -->|"9090/TCP"| n3
  n2 -->|"53/TCP, 53/UDP"| n7
  n3 -->|"5432/TCP"| n1
  n3 -->|"53/TCP, 53/UDP"| n7
  n3 -->|"8000-8100/TCP"| n8
  n3 -->|"5432/TCP"| n11
  n4 -->|"9090/TCP"| n3
  n4 -->|"53/TCP, 53/UDP"| n7
  n5 -->|"8080/TCP"| n5
  n5 -->|"all ports"| n6
  n6 -->|"all ports"| n5
  n9 -->|"8080/TCP"| n4
  n10 -->|"9100/TCP"| n3
`;

describe('cdk8s-hardened graph', () => {
  test('Mermaid (default): namespaces, workloads with their Services, external peers, ports on the edges', () => {
    const r = run(graph, FIX);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(MERMAID);
  });

  test('what the picture says, edge by edge', () => {
    // Named ports are resolved on the destination (web's "http" is 8080, api's "metrics" 9100);
    // an ingress-only policy leaves db's egress open ("anywhere"); a namespace without policies
    // (tools) is open both ways; a label-selected namespace may hold pods outside the manifests.
    expect(MERMAID).toContain('n9 -->|"8080/TCP"| n4'); // ingress-nginx -> web
    expect(MERMAID).toContain('n10 -->|"9100/TCP"| n3'); // monitoring namespaces -> api metrics
    expect(MERMAID).not.toMatch(/n5 -->\|[^|]*\| n[1-4]\b/); // debug reaches no isolated workload
  });

  test('Graphviz DOT: the same graph, clusters per namespace, dashed external peers', () => {
    const r = run(graph, FIX, '--format', 'dot');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 4)).toEqual(['digraph connections {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']);
    expect(r.out).toContain('  subgraph cluster_2 {\n    label="namespace shop";\n    n2 [label="CronJob report"];\n    n3 [label="Deployment api\\nService api :80→9090, 9100"];');
    expect(r.out).toContain('  n8 [label="ipBlock 203.0.113.0/24 except 203.0.113.128/25", shape=ellipse, style=dashed];');
    expect(r.out).toContain('  n3 -> n8 [label="8000-8100/TCP"];');
    expect(r.out).toContain('  n7 [label="DNS (namespace kube-system: pods k8s-app=kube-dns)", shape=ellipse, style=dashed];');
    expect(r.out.match(/ -> /g)).toHaveLength(MERMAID.match(/ -->/g)!.length);
    expect(r.out.endsWith('}\n')).toBe(true);
    expect(run(graph, FIX, '--format=dot').out).toBe(r.out);
  });

  test('deterministic: the order of documents and files does not matter', () => {
    const dir = tmp();
    const objects = docs().reverse();
    objects.forEach((o, i) => fs.writeFileSync(path.join(dir, `${String(99 - i).padStart(2, '0')}.yaml`), stringify(o)));
    expect(run(graph, dir).out).toBe(MERMAID);
  });

  test('through the main command', () => {
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => { out += s; return true; }) as any;
    try {
      expect(main(['graph', FIX])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toBe(MERMAID);
  });

  test('usage errors and unreadable input: exit 2', () => {
    expect(run(graph).code).toBe(2);
    expect(run(graph).err).toContain('missing <path>');
    expect(run(graph, FIX, '--format', 'svg').err).toContain('--format must be mermaid or dot (got "svg")');
    expect(run(graph, FIX, '--bogus').err).toContain('unknown option --bogus');
    expect(run(graph, FIX, FIX).err).toContain('one path only');
    const missing = run(graph, path.join(FIX, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope: no such file or directory/);
    const empty = tmp();
    fs.writeFileSync(path.join(empty, 'x.yaml'), 'just: data\n');
    expect(run(graph, empty).err).toMatch(/no Kubernetes documents found/);
    expect(run(graph, '--help').out).toContain('usage: cdk8s-hardened graph <path>');
  });

  test('a workload alone, without policies: open both ways', () => {
    const g = connectionGraph(NetworkModel.fromObjects(docs().filter((o) => o.kind === 'Pod')));
    expect(g.edges).toEqual([
      { from: 'tools/Pod/debug', to: 'tools/Pod/debug', ports: ['8080/TCP'] },
      { from: 'tools/Pod/debug', to: 'anywhere', ports: ['all ports'] },
      { from: 'anywhere', to: 'tools/Pod/debug', ports: ['all ports'] },
    ]);
  });
});

describe('cdk8s-hardened check: the connectivity lint on the same manifests', () => {
  const lint = (dir: string) => {
    const r = run(check, dir, '--pack', 'network', '--format', 'json');
    return JSON.parse(r.out).findings.filter((f: any) => f.ruleId.startsWith('HARDENED-NET-01'));
  };

  test('the declared calls (API_HOST + API_PORT, a URL, a headless Service FQDN) are all allowed', () => {
    expect(lint(FIX)).toEqual([]);
  });

  test('removing report\'s egress to api blocks its API_URL: an error with the line of the fix', () => {
    const dir = tmp();
    const objects = docs().filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'report'));
    fs.writeFileSync(path.join(dir, 'app.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    const found = lint(dir);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      ruleId: 'HARDENED-NET-010', severity: 'error', kind: 'CronJob', name: 'report',
      path: 'spec.jobTemplate.spec.template.spec.containers[0].env[0].value',
      message: 'env API_URL of container "report" (from value) names api.shop.svc.cluster.local: CronJob shop/report calls Service shop/api port 80 → Deployment shop/api on 9090/TCP, but the caller\'s egress (NetworkPolicy shop/default-deny) blocks it',
    });
    expect(found[0].fix).toMatch(/^report\.connections\.allowTo\(api, \{ port: 9090 \}\)/);
  });
});
