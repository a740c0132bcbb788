import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildExample } from '../src/main';
import { connectionGraph, toMermaid } from '../src/policy/connection-graph';
import { NetworkModel } from '../src/policy/reachability';
import { PolicyPack } from '../src';
import { check } from './policy-helpers';

/** The example's connectivity: the allowed matrix, the lint, and what it says when a connection is removed. */
describe('example app (src/main.ts): who may talk to whom', () => {
  const app = Testing.app();
  buildExample(app);
  const objects = app.charts.flatMap((c) => Testing.synth(c));
  const lint = (set: any[]) => check(set, { packs: [PolicyPack.NETWORK] }).findings.filter((f) => f.ruleId.startsWith('HARDENED-NET-01'));

  test('the allowed matrix between its workloads: exactly the declared calls', () => {
    const m = NetworkModel.fromObjects(objects);
    expect(m.allowedMatrix().map((c) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`)).toEqual([
      'shop/CronJob/nightly-report -> shop/Deployment/api 9090/TCP',
      'shop/Deployment/order-events -> shop/StatefulSet/orders-db 5432/TCP',
      'shop/Deployment/web -> shop/Deployment/api 9090/TCP',
      'shop/StatefulSet/orders-db -> shop/StatefulSet/orders-db 5432/TCP',
    ]);
  });

  test('the connectivity lint passes: both env calls (web and nightly-report to api) and web\'s API token have routes', () => {
    expect(lint(objects)).toEqual([]);
  });

  test('with nightly-report\'s egress to api removed, the lint names the call and the fix', () => {
    const broken = JSON.parse(JSON.stringify(objects));
    const np = broken.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'nightly-report');
    np.spec.egress = np.spec.egress.filter((r: any) => !r.to?.some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'api'));
    const found = lint(broken);
    expect(found.map((f) => [f.ruleId, f.object.kind, f.object.name, f.message, f.fix.split(' (')[0]])).toEqual([[
      'HARDENED-NET-010', 'CronJob', 'nightly-report',
      'env API_URL of container "nightly-report" (from value) names api.shop.svc.cluster.local:9090: CronJob shop/nightly-report calls Service shop/api port 9090 → Deployment shop/api on 9090/TCP, but the caller\'s egress (NetworkPolicy shop/nightly-report) blocks it',
      'nightlyReport.connections.allowTo(api, { port: 9090 })',
    ]]);
  });

  test('with web\'s API server egress removed, the lint reports its token', () => {
    const broken = JSON.parse(JSON.stringify(objects));
    const np = broken.find((o: any) => o.kind === 'NetworkPolicy' && o.metadata.name === 'web');
    np.spec.egress = np.spec.egress.filter((r: any) => !r.to?.some((p: any) => p.ipBlock));
    const found = lint(broken);
    expect(found.map((f) => [f.ruleId, f.object.name, f.path])).toEqual([['HARDENED-NET-011', 'web', 'spec.template.spec.volumes[1]']]);
    expect(found[0].message).toMatch(/^Deployment shop\/web gets a projected API token \(volume "kube-api-access"\), but NetworkPolicy shop\/web allows no egress/);
  });

  test('its graph in docs/connectivity.md is current (regenerate: npm run synth && node lib/cli/index.js graph dist)', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'connectivity.md'), 'utf8');
    const block = /<!-- example-graph:start -->\n```mermaid\n([\s\S]*?)```\n<!-- example-graph:end -->/.exec(doc);
    expect(block?.[1]).toBe(toMermaid(connectionGraph(NetworkModel.fromObjects(objects))));
  });
});
