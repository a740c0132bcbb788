/*
 * Cluster-wide damage beyond pods: Services that reach outside the cluster.
 *
 * MERGE NOTE (issue 12): this is the one rule of issue 10's `rules/cluster.ts` that the workload
 * constructs depend on (SecureApp's `externalAccess` acknowledges it), copied with the same id,
 * name and text so that the branches agree. When merging with issue 10, keep issue 10's file.
 */
import { isKind, obj } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';

const FAMILY = 'Cluster';

export const SERVICE_EXPOSED: PolicyRule = {
  id: 'HARDENED-SVC-002',
  family: FAMILY,
  title: 'NodePort and LoadBalancer Services are acknowledged',
  severity: RuleSeverity.ERROR,
  standards: ['NSA/CISA Kubernetes Hardening Guide: network separation (limit exposure)', 'Kubernetes docs: Service type NodePort / LoadBalancer', 'CIS 5.7 (general policies: network exposure)'],
  explanation: 'A NodePort Service opens a port on every node, and a LoadBalancer Service an address outside the cluster: the app is reachable from outside the cluster, past the Ingress or Gateway that would terminate TLS and authenticate.',
  fix: 'Use a ClusterIP Service behind an Ingress or Gateway route; if the app must be exposed directly, acknowledge HARDENED-SVC-002 with the reason (SecureApp serviceType does this).',
  evaluate: (o) => {
    if (!isKind(o, 'Service', [''])) return [];
    const type = obj(o.spec).type;
    return type === 'NodePort' || type === 'LoadBalancer'
      ? [{ path: ['spec', 'type'], message: `a ${type} Service exposes the app outside the cluster${type === 'NodePort' ? ' on a port of every node' : ''}` }] : [];
  },
};

export const CLUSTER_RULES: PolicyRule[] = [SERVICE_EXPOSED];
