/*
 * Cluster-wide damage beyond pods: admission webhooks, PersistentVolumes on the node's file
 * system, and Services that reach outside the cluster.
 */
import { arr, isKind, obj, q } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';

const FAMILY = 'Cluster';
const ADMISSION = 'admissionregistration.k8s.io';

export const ADMISSION_WEBHOOKS: PolicyRule = {
  id: 'HARDENED-ADM-001',
  family: FAMILY,
  title: 'No admission webhook configurations',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes docs: Admission Webhook Good Practices', 'Kubernetes RBAC good practices: control admission webhooks', 'NSA/CISA Kubernetes Hardening Guide: admission controllers'],
  explanation: 'A ValidatingWebhookConfiguration receives every matching object the API server admits (a webhook on Secrets receives every Secret, in clear), and a MutatingWebhookConfiguration can rewrite every pod of the cluster: an application must not ship one.',
  fix: 'Install admission webhooks with the platform (the controller\'s own chart), reviewed as cluster software; acknowledge only for that chart, with a reason.',
  evaluate: (o) => {
    if (!isKind(o, 'ValidatingWebhookConfiguration', [ADMISSION]) && !isKind(o, 'MutatingWebhookConfiguration', [ADMISSION])) return [];
    const hooks = arr(o.webhooks);
    if (!hooks.length) return [{ path: ['webhooks'], message: `${o.kind} (no webhooks yet; any added later apply cluster-wide)` }];
    return hooks.map((h, i) => {
      const hook = obj(h);
      const cc = obj(hook.clientConfig);
      const target = typeof cc.url === 'string' ? `the URL ${q(cc.url)}` : cc.service ? `the Service ${q(`${obj(cc.service).namespace}/${obj(cc.service).name}`)}` : 'a backend';
      const resources = arr(hook.rules).flatMap((r) => arr(obj(r).resources)).map(String);
      const what = resources.includes('*') || resources.includes('secrets') ? (resources.includes('*') ? 'every object' : 'every Secret') : resources.length ? resources.join(', ') : 'matching objects';
      const verb = o.kind === 'MutatingWebhookConfiguration' ? 'can rewrite' : 'receives';
      return { path: ['webhooks', i, ...(typeof cc.url === 'string' ? ['clientConfig', 'url'] : [])], message: `webhook ${q(hook.name ?? `#${i}`)} ${verb} ${what} the API server admits, sent to ${target}` };
    });
  },
};

export const HOST_PERSISTENT_VOLUME: PolicyRule = {
  id: 'HARDENED-PV-001',
  family: FAMILY,
  title: 'No PersistentVolume on a host path or a local disk',
  severity: RuleSeverity.ERROR,
  standards: ['PSS baseline: HostPath Volumes (the same access through a PersistentVolume)', 'Kubernetes docs: Persistent Volumes (hostPath is for single-node testing only)', 'Kubernetes RBAC good practices: persistent volume creation'],
  explanation: 'A hostPath (or local) PersistentVolume, bound to a claim the pod mounts, gives a pod that passes the restricted profile the node\'s file system: with path "/", its root, the kubelet\'s credentials and every other pod\'s data.',
  fix: 'Use a StorageClass that provisions volumes dynamically (a PersistentVolumeClaim with storageClassName); never hand-write hostPath or local PersistentVolumes.',
  evaluate: (o) => {
    if (!isKind(o, 'PersistentVolume', [''])) return [];
    const spec = obj(o.spec);
    return (['hostPath', 'local'] as const).filter((k) => spec[k] !== undefined && spec[k] !== null).map((k) => ({
      path: ['spec', k],
      message: `the PersistentVolume exposes the node's ${k === 'hostPath' ? 'file system' : 'local disk'} at ${q(obj(spec[k]).path ?? '')}${spec.claimRef ? `, pre-bound to the claim ${q(obj(spec.claimRef).name)}` : ''}`,
    }));
  },
};

export const SERVICE_EXTERNAL_IPS: PolicyRule = {
  id: 'HARDENED-SVC-001',
  family: FAMILY,
  title: 'No Service externalIPs',
  severity: RuleSeverity.ERROR,
  standards: ['CVE-2020-8554 (man in the middle through Service externalIPs)', 'Kubernetes docs: Service externalIPs', 'Kubernetes DenyServiceExternalIPs admission plugin'],
  explanation: 'A Service with externalIPs makes every node route traffic for those addresses to its pods: anyone who can create one intercepts traffic to any IP, inside or outside the cluster (CVE-2020-8554, unfixable by design).',
  fix: 'Remove spec.externalIPs; expose the app through an Ingress or Gateway route, or a LoadBalancer Service the platform approves.',
  evaluate: (o) => (isKind(o, 'Service', ['']) && arr(obj(o.spec).externalIPs).length
    ? [{ path: ['spec', 'externalIPs'], message: `the Service claims the external IPs ${arr(obj(o.spec).externalIPs).join(', ')}` }] : []),
};

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

export const CLUSTER_RULES: PolicyRule[] = [ADMISSION_WEBHOOKS, HOST_PERSISTENT_VOLUME, SERVICE_EXTERNAL_IPS, SERVICE_EXPOSED];
