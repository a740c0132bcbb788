import { Chart, Testing } from 'cdk8s';
import { checkImage } from '../src/hardening/image';
import { recommendedLabels, selectorLabels } from '../src/hardening/labels';
import { resolveResources } from '../src/hardening/resources';
import { parseQuantity, suggestDnsLabel } from '../src/hardening/validation';
import { WorkloadClass } from '../src';

const scope = () => new Chart(Testing.app(), 'c');

describe('image references', () => {
  test.each([
    ['nginx:1.25.3', '1.25.3', undefined],
    ['docker.io/library/nginx:1.25', '1.25', undefined],
    ['localhost:5000/team/app:v2', 'v2', undefined],
    ['registry.example.com:8443/a/b/c:2024-01-01_1', '2024-01-01_1', undefined],
    [`ghcr.io/acme/web:1.4.2@sha256:${'0'.repeat(64)}`, '1.4.2', `sha256:${'0'.repeat(64)}`],
    [`ghcr.io/acme/web@sha256:${'f'.repeat(64)}`, undefined, `sha256:${'f'.repeat(64)}`],
  ])('%s is accepted', (image, tag, digest) => {
    expect(checkImage(scope(), 'image', image)).toEqual({ image, tag, digest });
  });

  test.each([
    'nginx', 'localhost:5000/app', 'nginx:latest', 'ghcr.io/acme/web:latest@sha256:' + 'a'.repeat(64),
    'nginx:', 'nginx:-bad', 'Nginx:1.0', 'ghcr.io/acme/web@sha256:ABC', ' nginx:1.0',
  ])('%j is refused', (image) => {
    expect(() => checkImage(scope(), 'image', image)).toThrow(/c: invalid image .* Fix: pin a version tag or a digest/);
  });
});

describe('quantities', () => {
  test.each([
    ['100m', 0.1], ['1', 1], ['1.5', 1.5], ['128Mi', 128 * 2 ** 20], ['1Gi', 2 ** 30], ['1G', 1e9], ['2k', 2000], ['1e3', 1000], ['.5', 0.5],
  ])('%s = %p', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v));
  test.each(['', 'Mi', '1 Gi', '1gi', '1.2.3', 'ten'])('%j is not a quantity', (q) => expect(parseQuantity(q)).toBeUndefined());
});

describe('resources', () => {
  test('limits never below requests; 1 CPU == 1000m', () => {
    expect(() => resolveResources(scope(), { cpu: { request: '1', limit: '1000m' } }, undefined)).not.toThrow();
    expect(() => resolveResources(scope(), { cpu: { request: '1001m', limit: '1' } }, undefined)).toThrow(/limit is below the request/);
  });

  test('CRITICAL accepts equal requests and limits written differently', () => {
    expect(() => resolveResources(scope(), { memory: { request: '1Gi', limit: '1024Mi' } }, WorkloadClass.CRITICAL)).not.toThrow();
  });

  test('the ephemeral-storage limit is reported in bytes for the emptyDir budget', () => {
    expect(resolveResources(scope(), undefined, undefined).ephemeralLimitBytes).toBe(256 * 2 ** 20);
  });
});

describe('labels', () => {
  const id = { name: 'web', appName: 'web', component: 'server', partOf: 'shop', version: '1.0' };
  test('selector labels never include the version', () => {
    expect(selectorLabels(id)).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' });
  });
  test('recommended labels', () => {
    expect(recommendedLabels(id)).toEqual({
      'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/component': 'server',
      'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/version': '1.0', 'app.kubernetes.io/managed-by': 'cdk8s-hardened',
    });
  });
  test('DNS label suggestions', () => {
    expect(suggestDnsLabel('/var/cache/App_Data/')).toBe('var-cache-app-data');
    expect(suggestDnsLabel('***')).toBe('x');
  });
});
