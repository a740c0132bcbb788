// Validates Kubernetes objects (JSON array on stdin) against the Kubernetes OpenAPI schemas
// with the `kubernetes-models` classes. Prints a JSON array of error strings.
// Runs as a child process because kubernetes-models is ESM-only and jest runs CommonJS.
import { readFileSync } from 'node:fs';

async function validate(docs) {
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
return errors;
}

// Input: an array of objects (prints their errors), or { cases: [[objects], ...] } (prints the errors of each case).
const input = JSON.parse(readFileSync(0, 'utf8'));
const out = Array.isArray(input) ? await validate(input) : await Promise.all(input.cases.map(validate));
process.stdout.write(JSON.stringify(out));
