/* Namespaces in the output enforce the restricted Pod Security Standard. */
import { isKind, obj } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';

export const NAMESPACE_PSA: PolicyRule = {
  id: 'HARDENED-NS-001',
  family: 'Namespaces',
  title: 'Namespace enforces Pod Security restricted',
  severity: RuleSeverity.WARNING,
  standards: ['Pod Security Admission', 'NSA/CISA Kubernetes Hardening Guide'],
  explanation: 'Without the pod-security.kubernetes.io/enforce: restricted label, the API server admits pods that violate the restricted profile (e.g. created by hand or by another tool).',
  fix: 'Label the Namespace pod-security.kubernetes.io/enforce: restricted (HardenedChart createNamespace does this).',
  evaluate: (o) => isKind(o, 'Namespace', ['']) && obj(obj(o.metadata).labels)['pod-security.kubernetes.io/enforce'] !== 'restricted'
    ? [{ path: ['metadata', 'labels', 'pod-security.kubernetes.io/enforce'], message: 'the Namespace does not enforce the restricted Pod Security Standard' }] : [],
};

export const NAMESPACE_RULES: PolicyRule[] = [NAMESPACE_PSA];
