import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { HardenedValidation, HardenedValidationContext } from '../src/cli/validation-plugin';
import { SecureApp } from '../src';

function context(manifests: string[]) {
  const violations: any[] = [];
  const submitted: any[] = [];
  const ctx: HardenedValidationContext = {
    manifests,
    report: { addViolation: (v) => violations.push(v), submit: (status, metadata) => submitted.push({ status, metadata }) },
  };
  return { ctx, violations, submitted };
}

function write(objects: any[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-')), 'chart.k8s.yaml');
  fs.writeFileSync(file, Yaml.stringify(...objects));
  return file;
}

describe('cdk8s CLI validation plugin', () => {
  test('a plain chart with a hand-made insecure Deployment fails, one violation per rule with the resource and line', async () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    new kplus.Deployment(chart, 'legacy', { containers: [{ image: 'nginx' }] });
    const { ctx, violations, submitted } = context([write(Testing.synth(chart))]);
    await new HardenedValidation().validate(ctx);
    expect(submitted).toEqual([{ status: 'failure', metadata: expect.objectContaining({ errors: expect.stringMatching(/^[1-9]\d*$/) }) }]);
    const seccomp = violations.find((v) => v.ruleName.startsWith('HARDENED-PSS-105 (error)'));
    expect(seccomp.violatingResources).toEqual([expect.objectContaining({ resourceName: expect.stringMatching(/^Deployment\/shop\/shop-legacy-/), manifestPath: expect.stringContaining('chart.k8s.yaml') })]);
    expect(seccomp.violatingResources[0].locations[0]).toMatch(/^spec\.template\.spec\.securityContext\.seccompProfile\.type \(line \d+\): /);
    expect(seccomp.fix).toMatch(/RuntimeDefault/);
  });

  test('SecureApp output passes (warnings only)', async () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    new SecureApp(chart, 'web', { image: 'ghcr.io/acme/web:1.0.0' });
    const { ctx, submitted } = context([write(Testing.synth(chart))]);
    await new HardenedValidation({ packs: ['pss-restricted', 'workload'], pssVersion: 'v1.28' }).validate(ctx);
    expect(submitted[0].status).toBe('success');
  });

  test('bad properties are refused with a clear message', () => {
    expect(() => new HardenedValidation({ packs: ['nope'] })).toThrow(/unknown pack "nope"/);
    expect(() => new HardenedValidation({ pssVersion: 'v9' })).toThrow(/pssVersion "v9"/);
  });
});
