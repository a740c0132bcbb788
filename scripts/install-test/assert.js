// Checks the synthesized YAML and the loaded copies of one install of the install test.
// Usage: node assert.js <app dir> <expected cdk8s version>
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const [dir, cdk8sVersion] = process.argv.slice(2);
const fail = (msg) => { console.error(`install-test: ${dir}: ${msg}`); process.exit(1); };

const copies = JSON.parse(fs.readFileSync(path.join(dir, 'copies.json'), 'utf8'));
for (const [pkg, dirs] of Object.entries(copies)) {
  if (dirs.length !== 1) fail(`${dirs.length} copies of ${pkg} loaded: ${dirs.join(', ')}`);
  if (!fs.realpathSync(dirs[0]).startsWith(fs.realpathSync(path.join(dir, 'node_modules')))) fail(`${pkg} loaded from outside the app: ${dirs[0]}`);
}
const loaded = JSON.parse(fs.readFileSync(path.join(copies.cdk8s[0], 'package.json'), 'utf8')).version;
if (loaded !== cdk8sVersion) fail(`cdk8s ${loaded} loaded, the app's is ${cdk8sVersion}`);

const files = fs.readdirSync(path.join(dir, 'dist')).filter((f) => f.endsWith('.k8s.yaml'));
if (files.length !== 1) fail(`expected one dist/*.k8s.yaml, found ${files.join(', ') || 'none'}`);
const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', files[0]), 'utf8')).map((d) => d.toJS());
const kinds = docs.map((d) => d.kind).sort();
const want = ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'SealedSecret', 'Service', 'ServiceAccount'];
if (JSON.stringify(kinds) !== JSON.stringify(want)) fail(`kinds ${kinds.join(', ')}; expected ${want.join(', ')}`);
const of = (kind) => docs.find((d) => d.kind === kind);
const ns = of('Namespace');
if (ns.metadata.name !== 'shop' || ns.metadata.labels['pod-security.kubernetes.io/enforce'] !== 'restricted') fail('the Namespace is not shop with PSA restricted');
const sealed = of('SealedSecret');
if (sealed.metadata.name !== 'db-credentials' || sealed.spec.encryptedData.DB_USER !== process.env.DEMO_DB_USER
  || !/^Ag[A-Za-z0-9+/]+=*$/.test(sealed.spec.encryptedData.API_TOKEN || '')) fail('the SealedSecret does not hold the pre-sealed and the sealed-at-synth value');
if (JSON.stringify(docs).includes('sealed-at-synth')) fail('plaintext reached the output');
const pod = of('Deployment').spec.template;
if (!/^[0-9a-f]{64}$/.test(pod.metadata.annotations['hardened.cdk8s.io/config-checksum'] || '')) fail('no config checksum on the pod template');
if (pod.spec.securityContext.runAsNonRoot !== true || pod.spec.containers[0].securityContext.readOnlyRootFilesystem !== true) fail('the pod is not hardened');
const volumes = pod.spec.volumes.map((v) => v.secret?.secretName ?? v.configMap?.name).filter(Boolean).sort();
if (JSON.stringify(volumes) !== JSON.stringify(['db-credentials', of('ConfigMap').metadata.name].sort())) fail(`config volumes ${volumes.join(', ')}`);
if (docs.some((d) => d.metadata.namespace !== undefined && d.metadata.namespace !== 'shop')) fail('an object outside namespace shop');
console.log(`install-test: ${path.basename(dir)}: ${docs.length} objects, one copy each of cdk8s ${loaded}, cdk8s-plus-28 and constructs`);
