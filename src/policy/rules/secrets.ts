/* Secrets: no plaintext Secret objects, no literal secrets in environment variables. */
import { arr, containerLabel, containersOf, isKind, obj, podOf } from '../k8s';
import { PolicyRule, RuleSeverity } from '../model';
import { isSensitiveEnv } from '../../hardening/sensitive';
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
    const pod = podOf(o);
    if (!pod) return [];
    return containersOf(pod).flatMap((cv) => arr(cv.c.env).flatMap((e, i) => {
      const env = obj(e);
      return typeof env.value === 'string' && env.value.length > 0 && isSensitiveEnv(String(env.name ?? ''), env.value)
        ? [{ path: [...cv.path, 'env', i, 'value'], message: `${containerLabel(cv)} sets ${env.name} to a literal value that looks like a secret` }] : [];
    }));
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

export const SECRET_RULES: PolicyRule[] = [PLAINTEXT_SECRET, LITERAL_ENV_SECRET, SEALED_CIPHERTEXT];
