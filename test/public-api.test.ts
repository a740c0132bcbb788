import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ACK_ANNOTATION, API_TOKEN_MOUNT_PATH, BATCH_JOB_DEFAULTS, CONFIG_CHECKSUM_ANNOTATION, DEFAULT_USER_ID, HardenedAnnotations,
  HardenedDefaults, HardenedTesting, MIN_REASON_LENGTH, RBAC_ACKNOWLEDGED_ANNOTATION, renderRulesTable, RulesTable,
  SEALED_VALUE_PLACEHOLDER, SECURE_APP_DEFAULTS, sealedSecretSerializer,
} from '../src';

const root = path.join(__dirname, '..');

test('the jsii-visible classes return the same values as the TypeScript-only constants and functions', () => {
  expect(HardenedAnnotations.CONFIG_CHECKSUM).toBe(CONFIG_CHECKSUM_ANNOTATION);
  expect(HardenedAnnotations.ACKNOWLEDGED).toBe(ACK_ANNOTATION);
  expect(HardenedAnnotations.RBAC_ACKNOWLEDGED).toBe(RBAC_ACKNOWLEDGED_ANNOTATION);
  expect(HardenedDefaults.USER_ID).toBe(DEFAULT_USER_ID);
  expect(HardenedDefaults.API_TOKEN_MOUNT_PATH).toBe(API_TOKEN_MOUNT_PATH);
  expect(HardenedDefaults.MIN_ACKNOWLEDGEMENT_REASON_LENGTH).toBe(MIN_REASON_LENGTH);
  expect(HardenedDefaults.SECURE_APP).toEqual(SECURE_APP_DEFAULTS);
  expect(HardenedDefaults.BATCH_JOB).toEqual(BATCH_JOB_DEFAULTS);
  expect(HardenedTesting.SEALED_VALUE_PLACEHOLDER).toBe(SEALED_VALUE_PLACEHOLDER);
  expect(HardenedTesting.snapshotSerializer()).toBe(sealedSecretSerializer);
  expect(RulesTable.markdown()).toBe(renderRulesTable());
});

// jsii compiles the public API (errors and warnings fail, see scripts/jsii.mjs) and
// jsii-docgen renders API.md from the assembly; the committed API.md must be that output.
test('the public API compiles under jsii and API.md is current (regenerate: npx projen jsii)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'api-md-'));
  try {
    const out = path.join(tmp, 'API.md');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'jsii.mjs'), '--docgen', '--out', out, '--build-dir', path.join(tmp, 'build')],
      { cwd: root, stdio: 'pipe', env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' } });
    const fresh = fs.readFileSync(out, 'utf8');
    const committed = fs.readFileSync(path.join(root, 'API.md'), 'utf8');
    expect(committed === fresh ? 'current' : 'API.md is stale: run `npx projen jsii` and commit API.md').toBe('current');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 180_000);
