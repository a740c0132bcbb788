/* Secrets: no plaintext Secret objects, no literal secrets in environment variables. */
import { arr, containerLabel, containersOf, isKind, obj, podsOf } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';
import { isSensitiveEnv, secretInArgument, secretInConfig } from '../../hardening/sensitive';
import { checkSealedValue } from '../../sealing/seal';

const FAMILY = 'Secrets';

export const PLAINTEXT_SECRET: PolicyRule = {
  id: 'HARDENED-SEC-001',
  family: FAMILY,
  title: 'No plaintext Secret in the manifests',
  severity: RuleSeverity.ERROR,
  standards: ['NSA/CISA Kubernetes Hardening Guide: secrets', 'checks project/plaintext-secret'],
  explanation: 'A v1 Secret with data or stringData puts the value (only base64-encoded) into the manifests, the repository and every CI log.',
  fix: 'Use EncryptedConfig (a Bitnami SealedSecret) instead; only ciphertext reaches the output.',
  evaluate: (o) => {
    if (!isKind(o, 'Secret', [''])) return [];
    return (['data', 'stringData'] as const).filter((f) => Object.keys(obj(o[f])).length > 0)
      .map((f) => ({ path: [f], message: `Secret carries plaintext ${f} keys: ${Object.keys(obj(o[f])).join(', ')}` }));
  },
};

export const LITERAL_ENV_SECRET: PolicyRule = {
  id: 'HARDENED-SEC-002',
  family: FAMILY,
  title: 'No literal secret values in environment variables',
  severity: RuleSeverity.ERROR,
  standards: ['kube-linter env-var-secret', 'Polaris sensitiveContainerEnvVar', 'CIS 5.4.1'],
  explanation: 'A literal value in a variable named like a secret is plaintext in the manifest and visible to anyone who can read the workload.',
  fix: 'Take the value from a Secret (valueFrom.secretKeyRef, from an EncryptedConfig) or mount it as a file.',
  evaluate: (o) => {
    return podsOf(o).flatMap((pod) => containersOf(pod).flatMap((cv) => arr(cv.c.env).flatMap((e, i) => {
      const env = obj(e);
      return typeof env.value === 'string' && env.value.length > 0 && isSensitiveEnv(String(env.name ?? ''), env.value)
        ? [{ path: [...cv.path, 'env', i, 'value'], message: `${containerLabel(cv)} sets ${env.name} to a literal value that looks like a secret` }] : [];
    })));
  },
};

export const SEALED_CIPHERTEXT: PolicyRule = {
  id: 'HARDENED-SEC-003',
  family: FAMILY,
  title: 'SealedSecret values are real sealed-secrets ciphertext',
  severity: RuleSeverity.ERROR,
  standards: ['bitnami-labs/sealed-secrets pkg/crypto (hybrid RSA-OAEP + AES-256-GCM layout)', 'checks project/sealedsecret-ciphertext'],
  explanation: 'A "sealed" value that is only base64 of the plaintext is a plaintext secret in disguise: anyone who reads the manifest has it, and the controller cannot decrypt it either.',
  fix: 'Seal the value with `cdk8s-hardened seal` or `kubeseal --raw` against the controller\'s certificate (or give it to EncryptedConfig `values`).',
  evaluate: (o) => {
    if (!isKind(o, 'SealedSecret', ['bitnami.com'])) return [];
    return Object.entries(obj(obj(o.spec).encryptedData)).flatMap(([key, value]) => {
      const problem = checkSealedValue(String(value));
      return problem ? [{ path: ['spec', 'encryptedData', key], message: `the value of ${JSON.stringify(key)} ${problem}` }] : [];
    });
  },
};

export const TOKEN_SECRET: PolicyRule = {
  id: 'HARDENED-SEC-004',
  family: FAMILY,
  title: 'No ServiceAccount token Secrets',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes docs: Service account token Secrets (legacy, long-lived; use TokenRequest)', 'CIS 5.1.6 (ServiceAccount tokens only where needed)', 'NSA/CISA Kubernetes Hardening Guide: service accounts'],
  explanation: 'A Secret of type kubernetes.io/service-account-token gets a token from the controller that never expires and survives the pod: anyone who can read the Secret is the ServiceAccount, forever.',
  fix: 'Remove the Secret; a pod gets a short-lived projected token when its ServiceAccount is granted a role (NamespaceRole).',
  evaluate: (o) => (isKind(o, 'Secret', ['']) && o.type === 'kubernetes.io/service-account-token'
    ? [{ path: ['type'], message: `a long-lived token Secret for the ServiceAccount ${JSON.stringify(String(obj(obj(o.metadata).annotations)['kubernetes.io/service-account.name'] ?? '?'))}` }] : []),
};

export const CONFIGMAP_SECRET: PolicyRule = {
  id: 'HARDENED-SEC-005',
  family: FAMILY,
  title: 'No private keys or passwords in ConfigMaps',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes docs: ConfigMaps ("does not provide secrecy or encryption")', 'NSA/CISA Kubernetes Hardening Guide: secrets', 'CIS 5.4.1'],
  explanation: 'A ConfigMap is plaintext in the manifests, the repository and every CI log, and readable by anyone with read access to ConfigMaps (often everyone in the namespace): a private key or password in one is published.',
  fix: 'Move the value to an EncryptedConfig (a SealedSecret) and mount it as a file; keep only non-secret settings in the ConfigMap.',
  evaluate: (o) => {
    if (!isKind(o, 'ConfigMap', [''])) return [];
    const out = Object.entries(obj(o.data)).flatMap(([k, v]) => {
      const why = typeof v === 'string' ? secretInConfig(k, v) : undefined;
      return why ? [{ path: ['data', k], message: `data[${JSON.stringify(k)}] holds ${why}` }] : [];
    });
    for (const [k, v] of Object.entries(obj(o.binaryData))) {
      const text = typeof v === 'string' ? Buffer.from(v, 'base64').toString('latin1') : '';
      const why = text ? secretInConfig(k, text) : undefined;
      if (why) out.push({ path: ['binaryData', k], message: `binaryData[${JSON.stringify(k)}] holds ${why}` });
    }
    return out;
  },
};

export const ARGUMENT_SECRET: PolicyRule = {
  id: 'HARDENED-SEC-006',
  family: FAMILY,
  title: 'No literal secrets in container command or args',
  severity: RuleSeverity.ERROR,
  standards: ['Kubernetes docs: Good practices for Kubernetes Secrets', 'NSA/CISA Kubernetes Hardening Guide: secrets', 'CIS 5.4.1 (secrets as files, not literals)'],
  explanation: 'A password, token or key on the command line is plaintext in the manifest, readable by anyone who can read the workload, and visible in every process listing of the node.',
  fix: 'Mount the value from an EncryptedConfig as a file and pass its path (`--password-file=/config/db/password`), or use `$(VAR)` with the variable taken from a Secret (valueFrom.secretKeyRef).',
  evaluate: (o) => podsOf(o).flatMap((pod) => containersOf(pod).flatMap((cv) => (['command', 'args'] as const).flatMap((field) => {
    const list = arr(cv.c[field]);
    return list.flatMap((a, i) => {
      if (typeof a !== 'string') return [];
      const why = secretInArgument(a, typeof list[i + 1] === 'string' ? list[i + 1] : undefined);
      return why ? [{ path: [...cv.path, field, i], message: `${containerLabel(cv)} ${field}[${i}] holds ${why}` }] : [];
    });
  }))),
};

export const SECRET_RULES: PolicyRule[] = [PLAINTEXT_SECRET, LITERAL_ENV_SECRET, SEALED_CIPHERTEXT, TOKEN_SECRET, CONFIGMAP_SECRET, ARGUMENT_SECRET];
