/*
 * Who may talk to whom: the allowed connections of an output as a graph (workloads grouped by
 * namespace, external peers such as ipBlocks, other namespaces and DNS), rendered as Mermaid or
 * Graphviz DOT. Built from the reachability model, so the picture is what the NetworkPolicies
 * allow, not what the app intends. Output is deterministic: nodes and edges are sorted.
 */
import { arr, isMap, obj } from './k8s';
import { NAMESPACE_NAME_LABEL, NetworkModel, PodEndpoint } from './reachability';

/** A node: a workload of the output, or a peer outside it. */
export interface GraphNode {
  /** Stable id: `ns/Kind/name` for a workload, the label for an external peer. */
  readonly key: string;
  readonly label: string;
  /** Namespace of a workload; undefined for external peers. */
  readonly namespace?: string;
  readonly external: boolean;
}

/** An allowed connection, from the side that opens it to the side that accepts it. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** `9090/TCP`, `8000-8100/TCP`, `http`, `all ports`, `all UDP ports`; sorted. */
  readonly ports: string[];
}

export interface ConnectionGraph {
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

/** The peer that stands for "anything": a direction no policy isolates, or a rule without peers. */
export const ANYWHERE = 'anywhere';
const ALL_PORTS = 'all ports';

function describeSelector(sel: unknown): string {
  const s = obj(sel);
  const parts = [
    ...Object.entries(obj(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`),
    ...arr(s.matchExpressions).map(obj).map((e) => `${String(e.key)} ${String(e.operator)}${arr(e.values).length ? ` (${arr(e.values).join(', ')})` : ''}`),
  ];
  return parts.join(', ');
}

/** The one namespace a selector names by `kubernetes.io/metadata.name` only, else undefined. */
function namedNamespace(sel: unknown): string | undefined {
  const s = obj(sel);
  const labels = Object.entries(obj(s.matchLabels));
  if (arr(s.matchExpressions).length === 0 && labels.length === 1 && labels[0][0] === NAMESPACE_NAME_LABEL) return String(labels[0][1]);
  const e = arr(s.matchExpressions).map(obj);
  if (labels.length === 0 && e.length === 1 && e[0].key === NAMESPACE_NAME_LABEL && e[0].operator === 'In' && arr(e[0].values).length === 1) return String(e[0].values[0]);
  return undefined;
}

/** How a peer reads in the picture; undefined when it is only workloads of the output (drawn as their edges). */
function externalPeer(model: NetworkModel, peer: unknown, policyNamespace: string): string | undefined {
  const p = obj(peer);
  if (isMap(p.ipBlock)) {
    const except = arr(p.ipBlock.except);
    return `ipBlock ${String(p.ipBlock.cidr)}${except.length ? ` except ${except.join(', ')}` : ''}`;
  }
  const hasPods = isMap(p.podSelector);
  const hasNs = isMap(p.namespaceSelector);
  if (!hasPods && !hasNs) return undefined;
  const inOutput = model.workloads.filter((w) => model.peerMatches(peer, policyNamespace, w));
  const named = hasNs ? namedNamespace(p.namespaceSelector) : policyNamespace;
  const namespaceHasWorkloads = named !== undefined && model.workloads.some((w) => w.namespace === named);
  if (inOutput.length > 0 && namespaceHasWorkloads) return undefined;
  const where = named !== undefined ? `namespace ${named}`
    : describeSelector(p.namespaceSelector) ? `namespaces ${describeSelector(p.namespaceSelector)}` : 'every namespace';
  const pods = hasPods && describeSelector(p.podSelector) ? `: pods ${describeSelector(p.podSelector)}` : '';
  // Cluster DNS (CoreDNS keeps the kube-dns label) is named as such: every workload needs it.
  const dns = hasPods && /^(kube-dns|coredns)$/.test(String(obj(obj(p.podSelector).matchLabels)['k8s-app'] ?? ''));
  return dns ? `DNS (${where}${pods})` : `${where}${pods}`;
}

/** The ports of a rule as labels; named ports resolve on `destination` when given. */
function portLabels(ports: unknown, destination?: PodEndpoint): string[] {
  const list = arr(ports).map(obj);
  if (list.length === 0) return [ALL_PORTS];
  return list.map((p) => {
    const protocol = String(p.protocol ?? 'TCP');
    if (p.port === undefined || p.port === null) return `all ${protocol} ports`;
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
      const hit = destination?.ports.find((cp) => cp.name === p.port && cp.protocol === protocol);
      return hit ? `${hit.port}/${protocol}` : `${p.port} (named)`;
    }
    return p.endPort !== undefined && p.endPort !== null ? `${String(p.port)}-${String(p.endPort)}/${protocol}` : `${String(p.port)}/${protocol}`;
  });
}

function sortPorts(ports: Iterable<string>): string[] {
  const list = [...new Set(ports)];
  if (list.includes(ALL_PORTS)) return [ALL_PORTS];
  const num = (s: string) => { const m = /^(\d+)/.exec(s); return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER; };
  return list.sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}

/** A workload's node label: kind and name, then the Services in front of it. */
function workloadLabel(model: NetworkModel, w: PodEndpoint): string {
  const services = model.services.filter((s) => model.backendsOf(s).includes(w)).sort((a, b) => a.name.localeCompare(b.name));
  const lines = [`${w.kind} ${w.name}`];
  for (const s of services) {
    const ports = s.ports.map((p) => {
      const target = model.targetsOf(s, p.port).find((t) => t.workload === w);
      return target && target.port !== p.port ? `${p.port}→${target.port}` : `${p.port}`;
    });
    lines.push(`Service ${s.name}${s.headless ? ' (headless)' : ''}${ports.length ? ` :${ports.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}

/** The graph of the connections the output's NetworkPolicies allow. */
export function connectionGraph(model: NetworkModel): ConnectionGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, { from: string; to: string; ports: Set<string> }>();
  const edge = (from: string, to: string, ports: string[]) => {
    const key = `${from}\u0000${to}`;
    let e = edges.get(key);
    if (!e) edges.set(key, e = { from, to, ports: new Set() });
    for (const p of ports) e.ports.add(p);
  };
  const external = (label: string) => {
    if (!nodes.has(label)) nodes.set(label, { key: label, label, external: true });
    return label;
  };
  for (const w of model.workloads) nodes.set(w.id, { key: w.id, label: workloadLabel(model, w), namespace: w.namespace, external: false });

  // Between workloads of the output: the allowed matrix.
  for (const c of model.allowedMatrix()) edge(c.from, c.to, [`${c.port}/${c.protocol}`]);

  // To and from the outside.
  for (const w of model.workloads) {
    for (const [direction, key] of [['Ingress', 'from'], ['Egress', 'to']] as const) {
      const policies = model.policiesFor(w, direction);
      const link = (peer: string, ports: string[]) => (direction === 'Ingress' ? edge(external(peer), w.id, ports) : edge(w.id, external(peer), ports));
      if (policies.length === 0) {
        link(ANYWHERE, [ALL_PORTS]);
        continue;
      }
      for (const p of policies) {
        for (const rule of p.rules.map(obj)) {
          const ports = portLabels(rule.ports, direction === 'Ingress' ? w : undefined);
          const peers = arr(rule[key]);
          if (peers.length === 0) {
            link(ANYWHERE, ports);
            continue;
          }
          for (const peer of peers) {
            const label = externalPeer(model, peer, p.namespace);
            if (label) link(label, ports);
          }
        }
      }
    }
  }

  const sortedNodes = [...nodes.values()].sort((a, b) => Number(a.external) - Number(b.external) || a.key.localeCompare(b.key));
  const order = new Map(sortedNodes.map((n, i) => [n.key, i]));
  const sortedEdges = [...edges.values()]
    .map((e) => ({ from: e.from, to: e.to, ports: sortPorts(e.ports) }))
    .sort((a, b) => order.get(a.from)! - order.get(b.from)! || order.get(a.to)! - order.get(b.to)!);
  return { nodes: sortedNodes, edges: sortedEdges };
}

function groups(graph: ConnectionGraph): { ids: Map<string, string>; namespaces: string[] } {
  const ids = new Map(graph.nodes.map((n, i) => [n.key, `n${i + 1}`]));
  const namespaces = [...new Set(graph.nodes.filter((n) => n.namespace !== undefined).map((n) => n.namespace!))].sort();
  return { ids, namespaces };
}

/** Mermaid flowchart: namespaces as subgraphs, external peers as rounded nodes, ports on the edges. */
export function toMermaid(graph: ConnectionGraph): string {
  const { ids, namespaces } = groups(graph);
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
  const out = ['flowchart LR'];
  namespaces.forEach((ns, i) => {
    out.push(`  subgraph ns${i + 1}["namespace ${text(ns)}"]`);
    for (const n of graph.nodes.filter((x) => x.namespace === ns)) out.push(`    ${ids.get(n.key)}["${text(n.label)}"]`);
    out.push('  end');
  });
  for (const n of graph.nodes.filter((x) => x.external)) out.push(`  ${ids.get(n.key)}(["${text(n.label)}"])`);
  for (const e of graph.edges) out.push(`  ${ids.get(e.from)} -->|"${text(e.ports.join(', '))}"| ${ids.get(e.to)}`);
  return out.join('\n') + '\n';
}

/** Graphviz DOT: namespaces as clusters, external peers as dashed ellipses, ports on the edges. */
export function toDot(graph: ConnectionGraph): string {
  const { ids, namespaces } = groups(graph);
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const out = [
    'digraph connections {',
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  namespaces.forEach((ns, i) => {
    out.push(`  subgraph cluster_${i + 1} {`, `    label=${q(`namespace ${ns}`)};`);
    for (const n of graph.nodes.filter((x) => x.namespace === ns)) out.push(`    ${ids.get(n.key)} [label=${q(n.label)}];`);
    out.push('  }');
  });
  for (const n of graph.nodes.filter((x) => x.external)) out.push(`  ${ids.get(n.key)} [label=${q(n.label)}, shape=ellipse, style=dashed];`);
  for (const e of graph.edges) out.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${q(e.ports.join(', '))}];`);
  out.push('}');
  return out.join('\n') + '\n';
}
