// Validates Kubernetes objects (JSON array on stdin) against the Kubernetes OpenAPI schemas
// with the `kubernetes-models` classes. Prints a JSON array of error strings.
// Runs as a child process because kubernetes-models is ESM-only and jest runs CommonJS.
import { readFileSync } from 'node:fs';

const docs = JSON.parse(readFileSync(0, 'utf8'));
const errors = [];
for (const doc of docs) {
  const where = `${doc?.kind}/${doc?.metadata?.name}`;
  if (!doc || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    errors.push(`${where}: no apiVersion/kind`);
    continue;
  }
  const group = doc.apiVersion.split('/')[0];
  const pkg = { 'bitnami.com': '@kubernetes-models/sealed-secrets/', 'gateway.networking.k8s.io': '@kubernetes-models/gateway-api/',
    'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/' }[group];
  const path = pkg ? pkg + doc.apiVersion + '/' + doc.kind : 'kubernetes-models/' + doc.apiVersion + '/' + doc.kind;
  let Model;
  try {
    Model = (await import(path))[doc.kind];
  } catch {
    errors.push(`${where}: unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    errors.push(`${where}: ${e.message}`);
  }
}
process.stdout.write(JSON.stringify(errors));
