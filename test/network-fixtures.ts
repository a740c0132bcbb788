/* Hand-written manifests for the reachability and connectivity tests. */

export interface PortSpec { readonly name?: string; readonly port: number; readonly protocol?: string }

/** A Deployment whose pods carry `labels` and listen on `ports`; `env` on its one container. */
export function deployment(name: string, namespace: string, labels: Record<string, string>, ports: PortSpec[] = [], env: any[] = [], extra: any = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name, image: `registry.example.com/${name}:1.0.0`,
            ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.port, protocol: p.protocol ?? 'TCP' })),
            ...(env.length ? { env } : {}),
            ...(extra.container ?? {}),
          }],
          ...(extra.pod ?? {}),
        },
      },
    },
  };
}

/** A workload of another pod-bearing kind. */
export function workload(kind: string, name: string, namespace: string, labels: Record<string, string>, ports: PortSpec[] = []): any {
  const d = deployment(name, namespace, labels, ports);
  const template = d.spec.template;
  switch (kind) {
    case 'Pod': return { apiVersion: 'v1', kind, metadata: { name, namespace, labels }, spec: template.spec };
    case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': return { apiVersion: 'apps/v1', kind, metadata: { name, namespace }, spec: { selector: { matchLabels: labels }, template } };
    case 'Job': return { apiVersion: 'batch/v1', kind, metadata: { name, namespace }, spec: { template } };
    case 'CronJob': return { apiVersion: 'batch/v1', kind, metadata: { name, namespace }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } } };
    default: return d;
  }
}

export function service(name: string, namespace: string, selector: Record<string, string> | undefined, ports: { port: number; targetPort?: number | string; protocol?: string; name?: string }[], extra: any = {}): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ...(selector ? { selector } : {}), ports, ...extra } };
}

export function namespace(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function policy(name: string, ns: string, spec: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function configMap(name: string, ns: string, data: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

/** `{ app: name }` */
export const app = (name: string): Record<string, string> => ({ app: name });
/** The DNS egress rule every hardened workload carries. */
export const DNS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
};
/** A default-deny policy for `name`'s pods with these ingress and egress rules. */
export function isolate(name: string, ns: string, ingress: any[], egress: any[]): any {
  return policy(name, ns, { podSelector: { matchLabels: app(name) }, policyTypes: ['Ingress', 'Egress'], ingress, egress: [DNS, ...egress] });
}
