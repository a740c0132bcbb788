import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as dispatch } from '../src/cli/index';
import { main, SealIo, USAGE } from '../src/cli/seal';
import { controllerCertificate, ecCertificate, expiredCertificate } from './helpers/keys';
import { leakForms, unseal, unsealLabel } from './helpers/unseal';

const VALUE = 'p@ss-w0rd-for-the-cli-7d1e';

let dir: string;
let certFile: string;
const allOutput: string[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-seal-'));
  certFile = path.join(dir, 'cert.pem');
  fs.writeFileSync(certFile, controllerCertificate().pem);
  fs.writeFileSync(path.join(dir, 'expired.pem'), expiredCertificate().pem);
  fs.writeFileSync(path.join(dir, 'ec.pem'), ecCertificate().pem);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run { status: number; stdout: string; stderr: string }

function run(argv: string[], stdin: string | Buffer = VALUE, io: Partial<SealIo> = {}): Run {
  let stdout = '';
  let stderr = '';
  const status = main(argv, {
    readStdin: () => Buffer.from(stdin),
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    ...io,
  });
  allOutput.push(stdout, stderr);
  return { status, stdout, stderr };
}

describe('cdk8s-hardened seal', () => {
  test('a dash-prefixed argument (maybe the secret) is never echoed', () => {
    for (const argv of [
      ['--cert', certFile, '--namespace', 'shop', '--name', 'db', '-Xs3cr3t-value'],
      ['--cert', certFile, '--namespace', 'shop', '--name', '-Xs3cr3t-value'],
      ['--cert', certFile, '--namespace', 'shop', '--name', 'db', '--Xs3cr3t-value'],
      ['--cert', certFile, '--namespace', 'shop', '--name', 'db', '--Xs3cr3t=value'],
    ]) {
      const r = run(argv);
      expect(r.status).toBe(2);
      expect(r.stdout + r.stderr).not.toContain('Xs3cr3t');
    }
  });

  test('strict (default): prints only the base64 ciphertext, which unseals for that namespace/name only', () => {
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'db-credentials']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^[A-Za-z0-9+/]+={0,2}$/); // no trailing newline when piped
    expect(unseal(controllerCertificate().privateKey, r.stdout, unsealLabel('strict', 'shop', 'db-credentials')).toString()).toBe(VALUE);
    expect(() => unseal(controllerCertificate().privateKey, r.stdout, unsealLabel('strict', 'shop', 'other'))).toThrow();
  });

  test('namespace-wide and cluster-wide', () => {
    const ns = run([`--cert=${certFile}`, '--scope', 'namespace-wide', '--namespace=shop']);
    expect(ns.status).toBe(0);
    expect(unseal(controllerCertificate().privateKey, ns.stdout, unsealLabel('namespace-wide', 'shop')).toString()).toBe(VALUE);
    const cw = run(['--cert', certFile, '--scope', 'cluster-wide']);
    expect(cw.status).toBe(0);
    expect(unseal(controllerCertificate().privateKey, cw.stdout, unsealLabel('cluster-wide')).toString()).toBe(VALUE);
  });

  test('--name with namespace-wide scope is ignored with a note, as it does not bind the value', () => {
    const r = run(['--cert', certFile, '--scope', 'namespace-wide', '--namespace', 'shop', '--name', 'db']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('cdk8s-hardened seal: note: --name is not part of namespace-wide sealing and is ignored\n');
    expect(unseal(controllerCertificate().privateKey, r.stdout, unsealLabel('namespace-wide', 'shop')).toString()).toBe(VALUE);
  });

  test('--from-file seals binary content byte for byte', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const file = path.join(dir, 'value.bin');
    fs.writeFileSync(file, bytes);
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'keystore', '--from-file', file], '', { readStdin: () => { throw new Error('stdin must not be read'); } });
    expect(r.status).toBe(0);
    expect(unseal(controllerCertificate().privateKey, r.stdout, unsealLabel('strict', 'shop', 'keystore')).equals(bytes)).toBe(true);
  });

  test('a trailing newline is sealed as part of the value, with a note', () => {
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'db'], `${VALUE}\n`);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/note: the value ends with a newline.*printf/);
    expect(unseal(controllerCertificate().privateKey, r.stdout, unsealLabel('strict', 'shop', 'db')).toString()).toBe(`${VALUE}\n`);
  });

  test('a newline follows the ciphertext on a terminal', () => {
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'db'], VALUE, { stdoutIsTTY: true });
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  test('--help', () => {
    const r = run(['--help']);
    expect(r).toEqual({ status: 0, stdout: USAGE, stderr: '' });
    expect(USAGE).toMatch(/--cert FILE/);
  });

  test.each([
    ['missing --cert', ['--namespace', 'shop', '--name', 'db'], /^cdk8s-hardened seal: --cert is required/],
    ['missing namespace (strict)', ['--cert', 'c.pem', '--name', 'db'], /strict scope binds the value to a namespace: give --namespace/],
    ['missing name (strict)', ['--cert', 'c.pem', '--namespace', 'shop'], /strict scope binds the value to the Secret's name: give --name/],
    ['missing namespace (namespace-wide)', ['--cert', 'c.pem', '--scope', 'namespace-wide'], /namespace-wide scope binds the value to a namespace/],
    ['bad scope', ['--cert', 'c.pem', '--scope', 'global'], /--scope "global" is not one of strict, namespace-wide, cluster-wide/],
    ['bad namespace', ['--cert', 'c.pem', '--namespace', 'Shop', '--name', 'db'], /--namespace "Shop" is not a DNS-1123 label/],
    ['bad name', ['--cert', 'c.pem', '--namespace', 'shop', '--name', 'DB'], /--name "DB" is not a DNS-1123 subdomain/],
    ['option without value', ['--cert'], /--cert needs a value/],
    ['unknown option', ['--cert', 'c.pem', '--raw'], /unknown option "--raw"/],
    ['unknown option with a value', ['--value=' + VALUE], /unknown option "--value"; the options are/],
    ['value as an argument', [VALUE, '--cert', 'c.pem'], /unexpected argument \(not shown\); the value is read from stdin or --from-file/],
  ])('usage error, exit 2: %s', (_, argv, message) => {
    const r = run(argv);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run `cdk8s-hardened seal --help` for usage.\n$/);
    expect(r.stderr.split('\n')).toHaveLength(3); // one error line, one hint, trailing newline
  });

  test('nothing piped on a terminal is a usage error, not a hang', () => {
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'db'], VALUE, { stdinIsTTY: true, readStdin: () => { throw new Error('would block'); } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no value: pipe it on stdin/);
  });

  test.each([
    ['expired certificate', 'expired.pem', /^cdk8s-hardened seal: --cert ".*expired\.pem": the certificate expired on \d{4}-.*\. Fix: fetch the current certificate/],
    ['non-RSA certificate', 'ec.pem', /the certificate holds an ec key, and sealed-secrets encrypts with RSA-OAEP/],
    ['missing certificate file', 'missing.pem', /cannot read the certificate file ".*missing\.pem" \(ENOENT\)/],
  ])('unusable certificate, exit 1: %s', (_, file, message) => {
    const r = run(['--cert', path.join(dir, file), '--namespace', 'shop', '--name', 'db']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('unusable input, exit 1: empty value, unreadable --from-file', () => {
    expect(run(['--cert', certFile, '--namespace', 'shop', '--name', 'db'], '')).toMatchObject({ status: 1, stderr: 'cdk8s-hardened seal: the value is empty; nothing was sealed\n' });
    const r = run(['--cert', certFile, '--namespace', 'shop', '--name', 'db', '--from-file', path.join(dir, 'nope')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read --from-file ".*nope" \(ENOENT\)/);
  });

  test('the dispatcher knows the command', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(dispatch(['seal', '--help'])).toBe(0);
      expect(write).toHaveBeenCalledWith(USAGE);
    } finally {
      write.mockRestore();
    }
  });

  test('as a process: stdin in, ciphertext out, no stack trace on errors', () => {
    const entry = path.join(__dirname, '..', 'src', 'cli', 'index.ts');
    const node = (args: string[], input: string) => spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, 'seal', ...args], {
      input, encoding: 'utf8', cwd: path.join(__dirname, '..'), timeout: 30_000,
    });
    const ok = node(['--cert', certFile, '--namespace', 'shop', '--name', 'db'], VALUE);
    allOutput.push(ok.stdout, ok.stderr);
    expect(ok.status).toBe(0);
    expect(unseal(controllerCertificate().privateKey, ok.stdout, unsealLabel('strict', 'shop', 'db')).toString()).toBe(VALUE);
    const bad = node(['--cert', path.join(dir, 'expired.pem'), '--namespace', 'shop', '--name', 'db'], VALUE);
    allOutput.push(bad.stdout, bad.stderr);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^cdk8s-hardened seal: --cert .*expired on/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  // Runs last (jest keeps the order within a file).
  test('nothing the command printed, in any test above, contains the value, its base64 or its sha256', () => {
    expect(allOutput.length).toBeGreaterThan(40);
    const all = allOutput.join('\n');
    for (const form of leakForms(VALUE)) expect(all).not.toContain(form);
  });
});
