import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { HardenedChart, Policy, SecureApp } from '../src';
import { acknowledgementLines, strayApiObjects, withJsonPatchCount } from './helpers/example';

/** The helpers every examples/<app> test relies on must be able to fail. */
describe('example test helpers', () => {
  const build = (patch: boolean, raw: boolean) => {
    const app = Testing.app();
    const chart = new HardenedChart(app, 'shop', { namespace: 'shop' });
    const web = new SecureApp(chart, 'web', { name: 'web', image: 'ghcr.io/acme/web:1.2.3' });
    if (patch) web.deployment.addJsonPatch(JsonPatch.add('/metadata/annotations/x', 'y'));
    if (raw) new ApiObject(chart, 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' } });
    return { app, chart, web };
  };

  test('withJsonPatchCount counts the patches added while the build runs, and restores addJsonPatch', () => {
    const original = ApiObject.prototype.addJsonPatch;
    expect(withJsonPatchCount(() => build(false, false)).jsonPatches).toBe(0);
    expect(withJsonPatchCount(() => build(true, false)).jsonPatches).toBe(1);
    expect(ApiObject.prototype.addJsonPatch).toBe(original);
  });

  test('strayApiObjects names a raw object beside the library constructs, not theirs', () => {
    const clean = build(false, false);
    expect(strayApiObjects(clean.app, clean.chart, [SecureApp])).toEqual([]);
    const dirty = build(false, true);
    expect(strayApiObjects(dirty.app, dirty.chart, [SecureApp])).toEqual(['ConfigMap/raw at shop/raw']);
  });

  test('acknowledgementLines lists every acknowledgement with its reason', () => {
    const { chart, web } = build(false, false);
    Policy.acknowledge(web, 'HARDENED-IMG-002', 'the registry has no digests for this demo image');
    expect(acknowledgementLines(chart)).toEqual(['web HARDENED-IMG-002: the registry has no digests for this demo image']);
  });
});
