// The app of the install test (scripts/install-test.sh): a cdk8s app of its own, with
// cdk8s-hardened installed the way a user installs it. `cdk8s synth` runs this file.
const fs = require('fs');
const path = require('path');
const { App } = require('cdk8s');
const kplus = require('cdk8s-plus-28');
const { EncryptedConfig, HardenedChart, HealthCheck, SealingCertificate, SecureApp } = require('cdk8s-hardened');

const app = new App();
const chart = new HardenedChart(app, 'shop', { namespace: 'shop', createNamespace: true });
// The demo certificate ships in the package; the pre-sealed value is from examples/sealed-values.md.
const certificate = SealingCertificate.fromFile(require.resolve('cdk8s-hardened/certs/sealed-secrets-demo.pem'));
const db = new EncryptedConfig(chart, 'db-credentials', {
  certificate,
  sealedValues: { DB_USER: process.env.DEMO_DB_USER },
  values: { API_TOKEN: 'sealed-at-synth' },
});
const settings = new kplus.ConfigMap(chart, 'settings', { data: { LOG_LEVEL: 'info' } });
new SecureApp(chart, 'web', {
  name: 'web',
  image: 'ghcr.io/acme/web:1.4.2',
  healthCheck: HealthCheck.http('/ready', { livenessPath: '/healthz' }),
  config: [db, settings],
  writablePaths: ['/tmp'],
});
app.synth();

// Which copies of cdk8s, cdk8s-plus-28 and constructs this process loaded.
const copies = (pkg) => [...new Set(Object.keys(require.cache)
  .map((f) => new RegExp(`^(.*[\\\\/]node_modules[\\\\/]${pkg})[\\\\/]`).exec(f)?.[1])
  .filter(Boolean))];
fs.writeFileSync(path.join(__dirname, 'copies.json'), JSON.stringify({
  cdk8s: copies('cdk8s'), kplus: copies('cdk8s-plus-28'), constructs: copies('constructs'),
}));
