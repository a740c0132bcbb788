/*
 * Synthesizes EncryptedConfigs with the demo certificate into a folder, for the independent
 * checker:  npx ts-node scripts/synth-sealed-secrets.ts OUTDIR && ../shared/checks/run.sh OUTDIR
 * Needs no private key: pre-sealed values from examples/sealed-values.md, plus values sealed here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { EncryptedConfig, SealingCertificate, SealingScope } from '../src';

const outdir = process.argv[2] ?? 'dist-sealed';
const certificate = SealingCertificate.fromFile(path.join(__dirname, '..', 'certs', 'sealed-secrets-demo.pem'));
const app = Testing.app();
const chart = new Chart(app, 'shop', { namespace: 'shop' });

// Pre-sealed (stable output), strict scope, as in examples/sealed-values.md.
new EncryptedConfig(chart, 'db-credentials', {
  certificate,
  sealedValues: {
    DB_PASSWORD: 'AgAKIqUm6+aSms8C+23LZXBndmfaxT7+044onls11Yj+II8cPNX0stNpFmfvJIFGsy7nCID5z6Ui74hD6yQwonq1ZFxj1foJhO6PbIhgvXkwWBumbLV8aaIhaEUpXaG9tpIwASLslMNf/oOMDtIeTtDwAaEdfPw7VpaeAdjEB21J0ZZQO071ym5JDZ4o+GF8YCOYjxYuUePpd2XgSrKP25JyuG+P37kLL1dRxl5KLsL9XSsEg9d5r+0Y0Q211ctKSRmizEa7BaIEyzoj4e2d6Wy+mzxut7W2R3K7Oe7SlVvpCep6QlzVOQc3Bux82Wz+gxjxE80PysYQwTN9UVg+DYWqjd0oWCA5YLOXytGJybLkdZWVo1HjUb4W3D48LkW/HWuA3I05CtEVPvgDK877pplmMfZ+TJfBDXb8tfny98aJ5+TD9dmxU4GbQPrd0j22LsxLdMs0E5FdGh0Uh8sl4Y6ggp5m/jkIuuJ1AsWkGX6nw1E4F40wsaJEWKXG6i7SVTiDJcguN8OX+51g6sevXRkecO6e2viJvpXC0OwO8CnwlR23wi0NMP/kC3+YfxdVjjThOqzPnWl5NdsTT2RHEo/KiN79MOrmlm8OWvJCTosptuZfjtU5ty53q8o0te9S//KeaU6xojVO1s0ukhFRL+TYQ9E3efEUWHAdKzxqN3vo7z/bIi+osg/A9NWF7oBDOWaLslxNJAdBGhlUXc7t59ESI1g9HeMW4MhkAiGYJae/',
    DB_USER: 'AgCHjadB9g/zmkpKM5FYNRufMCUlx62965WkmgAlRfzJm1V0go/b7TQ2VXW8jIxK/gXCswInuEQ0MFN72I2MGdg7ptXHRZDn6Vh01IzLKotfnkFyN6I24NemLiLkKZBx6K6W36cSMXpGCTn5x2gx9JPnfTfehcVTr+OoCSGzmFgLqCkNKbydPAGOc2lvBwIBaNvyFFgylk/HBlz/DtR3Qu8l+SzxB7z6kihFVUlZ5bLQfW88AFFz/UaIXYA5Lihrpp8W97ym8MlB5O6w53Rwbva4awvXzrNHYmYOX6Q3Zbqs4qFYwzt9OvsVD8Hj3wZmWcZDscgb/cBlZjoVEZ1FvvuwOzucX52nzipYlMc+ShRowtxopO/mHwuos87IjvNHkJj0Rd4jnTY+YFxj+R0dsSHznd2ubPiQJrID+mEgN+b/ySDnx5woUOdc20MhFcrC+KIez/EH7F67lWFEGHObVmMH/Q7oWdmnKgRWf6ilYz5GFqlKPQUWL7jE6r3FQQzK4PXwRYCQIsU2/OWdWDLOI3j8E8lIT2muqlxWoP6Ec4Z3+x/DXjBE/mJKaBZvQ8vpgr66WFByD1CPV7Nyb/WG7gKWJ9/3oXqTr8EUk9xDr+8hoxUA8NpiO47Dh9V77MO4pCmz2DyyNEOmQH1+y0f2YN4BSXfk4kltmMd2S4gLMhLkpTOg4V7QpBZbP74Y2L05fX3QZs3g',
  },
});
// Sealed at synth (new ciphertext every run), strict scope, with a binary value.
new EncryptedConfig(chart, 'api-keys', {
  certificate,
  values: { PAYMENT_API_KEY: 'demo-only-api-key' },
  binaryValues: { 'signing.key': Buffer.from([0, 1, 2, 3, 250, 251, 252, 253]) },
  immutable: true,
});
if (process.argv.includes('--wide')) {
  new EncryptedConfig(chart, 'shared-tls', { certificate, scope: SealingScope.NAMESPACE_WIDE, values: { token: 'demo' } });
}

fs.mkdirSync(outdir, { recursive: true });
const docs = app.synthYaml(); // runs the synth-time validations too
fs.writeFileSync(path.join(outdir, 'sealed.k8s.yaml'), docs);
console.log(`wrote ${path.join(outdir, 'sealed.k8s.yaml')}`);
