import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as yaml from 'yaml';
import {
  API_TOKEN_MOUNT_PATH, NamespaceRole, NamespaceRoleProps, RBAC_ACKNOWLEDGED_ANNOTATION, RbacRisk, RoleRule, RoleRules,
  SecureApp, Subject,
} from '../src';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/web:1.4.2';
const READ_CM: RoleRule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['web-config'] };

/** A chart in namespace `shop`, another namespace, or none (null). */
function chart(namespace: string | null = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace: namespace ?? undefined });
}

function render(props: Partial<NamespaceRoleProps> = {}, ns: string | null = 'shop') {
  const c = chart(ns);
  const role = new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [Subject.group('shop-developers')], ...props });
  const manifest = synth(c);
  return { chart: c, role, manifest, roleJson: one(manifest, 'Role'), bindingJson: one(manifest, 'RoleBinding') };
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** Expects a refusal naming the construct path, the prop, the value and a fix. */
function expectError(props: Partial<NamespaceRoleProps>, prop: string, value: string, ...fragments: (string | RegExp)[]) {
  const message = errorOf(() => new NamespaceRole(chart(), 'reader', { rules: [READ_CM], subjects: [Subject.group('shop-developers')], ...props } as NamespaceRoleProps));
  expect(message).toContain('shop/reader: invalid ');
  expect(message).toContain(`invalid ${prop} `);
  expect(message).toContain(value);
  for (const f of fragments) {
    if (typeof f === 'string') expect(message).toContain(f);
    else expect(message).toMatch(f);
  }
  expect(message).toMatch(/\. Fix: .+\.$/);
  return message;
}

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): RoleRule =>
  (resourceNames ? { apiGroups, resources, verbs, resourceNames } : { apiGroups, resources, verbs });

describe('NamespaceRole output', () => {
  test('emits exactly a Role and a RoleBinding in the chart namespace, never cluster-wide objects', () => {
    const { manifest, roleJson, bindingJson } = render();
    expect(manifest.map(o => `${o.apiVersion} ${o.kind}`)).toEqual([
      'rbac.authorization.k8s.io/v1 Role', 'rbac.authorization.k8s.io/v1 RoleBinding',
    ]);
    expect(roleJson.metadata.namespace).toBe('shop');
    expect(bindingJson.metadata.namespace).toBe('shop');
  });

  test('every field of the Role', () => {
    const { roleJson, role } = render();
    expect(roleJson).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {
        name: role.name,
        namespace: 'shop',
        labels: {
          'app.kubernetes.io/name': 'reader',
          'app.kubernetes.io/instance': role.name,
          'app.kubernetes.io/component': 'rbac',
          'app.kubernetes.io/part-of': 'shop',
          'app.kubernetes.io/managed-by': 'cdk8s-hardened',
        },
      },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['web-config'] }],
    });
    expect(role.name).toMatch(/^shop-reader-[0-9a-f]{8}$/);
  });

  test('every field of the RoleBinding; it refers to the Role by name', () => {
    const { bindingJson, role } = render({ name: 'config-reader' });
    expect(role.name).toBe('config-reader');
    expect(bindingJson).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'config-reader',
        namespace: 'shop',
        labels: {
          'app.kubernetes.io/name': 'reader',
          'app.kubernetes.io/instance': 'config-reader',
          'app.kubernetes.io/component': 'rbac',
          'app.kubernetes.io/part-of': 'shop',
          'app.kubernetes.io/managed-by': 'cdk8s-hardened',
        },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'config-reader' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'shop-developers' }],
    });
  });

  test('members: role, binding, name, namespace, canonical rules', () => {
    const { role } = render();
    expect(role.role).toBeInstanceOf(k8s.KubeRole);
    expect(role.binding).toBeInstanceOf(k8s.KubeRoleBinding);
    expect(role.role.name).toBe(role.name);
    expect(role.binding.name).toBe(role.name);
    expect(role.namespace).toBe('shop');
    expect(role.rules).toEqual([READ_CM]);
  });

  test('an explicit namespace wins over the chart and works without one', () => {
    expect(render({ namespace: 'billing' }).roleJson.metadata.namespace).toBe('billing');
    const { roleJson, bindingJson } = render({ namespace: 'billing' }, null);
    expect(roleJson.metadata.namespace).toBe('billing');
    expect(bindingJson.metadata.namespace).toBe('billing');
  });

  test('subjects: user, group and ServiceAccounts (L1, cdk8s-plus, imported), sorted and deduplicated', () => {
    const c = chart();
    const l1 = new k8s.KubeServiceAccount(c, 'l1', { metadata: { name: 'robot' }, automountServiceAccountToken: false });
    const plus = new kplus.ServiceAccount(c, 'plus', { metadata: { name: 'ci' } });
    const imported = kplus.ServiceAccount.fromServiceAccountName(c, 'imported', 'exporter', { namespaceName: 'monitoring' });
    new NamespaceRole(c, 'reader', {
      rules: [READ_CM],
      subjects: [Subject.user('jane@example.com'), Subject.fromServiceAccount(plus), Subject.group('shop-developers'),
        Subject.fromServiceAccount(l1), Subject.fromServiceAccount(imported), Subject.group('shop-developers')],
    });
    expect(one(synth(c), 'RoleBinding').subjects).toEqual([
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'shop-developers' },
      { kind: 'ServiceAccount', name: 'exporter', namespace: 'monitoring' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'shop' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'shop' },
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane@example.com' },
    ]);
  });

  test('a ServiceAccount without a namespace is taken to be in the role\'s namespace', () => {
    const c = chart(null);
    const sa = new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'robot' } });
    new NamespaceRole(c, 'reader', { namespace: 'billing', rules: [READ_CM], subjects: [Subject.fromServiceAccount(sa)] });
    expect(one(synth(c), 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'robot', namespace: 'billing' }]);
  });

  test('every object validates against the Kubernetes schemas', () => {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE });
    new NamespaceRole(c, 'reader', {
      rules: [...RoleRules.readConfigMaps('web-config'), ...RoleRules.viewWorkloads(), ...RoleRules.leaderElection('web-leader'), ...RoleRules.emitEvents(),
        rule([''], ['secrets'], ['list'])],
      subjects: [Subject.fromApp(web, { token: { audience: 'vault', expirationSeconds: 600 } }), Subject.group('shop-developers'), Subject.user('jane@example.com')],
      acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'the reloader watches every secret for rotation' }],
    });
    expect(schemaErrors(synth(c))).toEqual([]);
  });

  test('snapshot of an app granted a role, next to a team group', () => {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE, name: 'web' });
    new NamespaceRole(c, 'config-reader', { name: 'web-config-reader', rules: RoleRules.readConfigMaps('web-config'), subjects: [Subject.fromApp(web)] });
    new NamespaceRole(c, 'developers', { name: 'shop-developers-view', rules: RoleRules.viewWorkloads(), subjects: [Subject.group('shop-developers')] });
    const manifest = synth(c);
    expect(manifest.filter(o => ['Role', 'RoleBinding', 'ServiceAccount', 'Deployment'].includes(o.kind))).toMatchSnapshot();
  });

  test('escape hatches survive on the Role and the RoleBinding', () => {
    const c = chart();
    const role = new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [Subject.group('shop-developers')] });
    ApiObject.of(role.role).addJsonPatch(JsonPatch.add('/metadata/annotations', { owner: 'team-shop' }));
    ApiObject.of(role.binding).addJsonPatch(JsonPatch.add('/metadata/annotations', { owner: 'team-shop' }));
    const manifest = synth(c);
    expect(one(manifest, 'Role').metadata.annotations).toEqual({ owner: 'team-shop' });
    expect(one(manifest, 'RoleBinding').metadata.annotations).toEqual({ owner: 'team-shop' });
  });
});

describe('rules are canonical: merged, deduplicated, sorted', () => {
  const yamlOf = (rules: RoleRule[]) => {
    const c = chart();
    new NamespaceRole(c, 'reader', { name: 'reader', rules, subjects: [Subject.group('shop-developers')] });
    return yaml.stringify(synth(c));
  };
  const rules: RoleRule[] = [
    rule([''], ['configmaps'], ['watch', 'get', 'list'], ['b-config', 'a-config']),
    rule(['apps'], ['deployments'], ['get']),
    rule(['apps'], ['statefulsets', 'deployments'], ['list', 'get']),
    rule([''], ['pods', 'pods/log'], ['get', 'list']),
    rule(['batch'], ['jobs'], ['delete']),
  ];

  test('the same rules in any order, with any order inside, give byte-identical YAML', () => {
    const shuffled: RoleRule[] = [...rules].reverse().map(r => ({
      apiGroups: [...r.apiGroups].reverse(), resources: [...r.resources].reverse(), verbs: [...r.verbs].reverse(),
      ...(r.resourceNames ? { resourceNames: [...r.resourceNames].reverse() } : {}),
    }));
    expect(yamlOf(shuffled)).toBe(yamlOf(rules));
    expect(yamlOf(rules)).toBe(yamlOf(rules));
  });

  test('duplicates and overlaps are merged into exactly the same permissions', () => {
    const c = chart();
    const role = new NamespaceRole(c, 'reader', { rules: [...rules, ...rules, rule(['apps'], ['deployments'], ['get', 'get'])], subjects: [Subject.group('g-1')] });
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'], resourceNames: ['a-config', 'b-config'] },
      { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['delete'] },
    ]);
    expect(one(synth(c), 'Role').rules).toEqual(role.rules);
  });

  test('merging never widens: rules that differ in two dimensions stay apart', () => {
    const { role } = render({ rules: [rule(['apps'], ['deployments'], ['get']), rule(['apps'], ['statefulsets'], ['list'])] });
    expect(role.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list'] },
    ]);
  });

  test('a grant without resourceNames absorbs the same grant on named objects', () => {
    const { role } = render({ rules: [rule([''], ['configmaps'], ['get'], ['a']), rule([''], ['configmaps'], ['get', 'list'])] });
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }]);
  });

  test('verbs are in the documented order, groups and resources alphabetical', () => {
    const { role } = render({ rules: [rule(['', 'events.k8s.io'], ['events'], ['patch', 'create', 'watch', 'deletecollection', 'delete', 'update', 'list', 'get'])] });
    expect(role.rules).toEqual([{ apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] }]);
  });
});

describe('RoleRules helpers', () => {
  test('readConfigMaps: get, list, watch on the named ConfigMaps only', () => {
    expect(RoleRules.readConfigMaps('a', 'b')).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'], resourceNames: ['a', 'b'] }]);
  });

  test('readSecrets: get only, on the named Secrets only; accepted without acknowledgement', () => {
    expect(RoleRules.readSecrets('db')).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }]);
    expect(render({ rules: RoleRules.readSecrets('db') }).roleJson.rules).toEqual(RoleRules.readSecrets('db'));
  });

  test('viewWorkloads: read-only, no secrets, configmaps, exec, attach, port-forward or proxy', () => {
    const rules = RoleRules.viewWorkloads();
    for (const r of rules) expect(r.verbs).toEqual(['get', 'list', 'watch']);
    const resources = rules.flatMap(r => r.resources);
    for (const r of ['secrets', 'configmaps', 'pods/exec', 'pods/attach', 'pods/portforward', 'pods/proxy', 'services/proxy']) expect(resources).not.toContain(r);
    expect(resources).toEqual(expect.arrayContaining(['pods', 'pods/log', 'deployments', 'statefulsets', 'jobs', 'cronjobs', 'services']));
    expect(render({ rules }).roleJson.rules).toHaveLength(rules.length);
  });

  test('leaderElection: create without names (it cannot be restricted), get/update on the one Lease', () => {
    expect(render({ rules: RoleRules.leaderElection('web-leader') }).roleJson.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['web-leader'] },
    ]);
  });

  test('emitEvents: create and patch Events in both groups', () => {
    expect(render({ rules: RoleRules.emitEvents() }).roleJson.rules).toEqual([
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
  });
});

describe('refused outright', () => {
  test.each([
    ['verbs', rule([''], ['configmaps'], ['*'])],
    ['resources', rule([''], ['*'], ['get'])],
    ['apiGroups', rule(['*'], ['configmaps'], ['get'])],
  ])('"*" in %s', (field, r) => {
    expectError({ rules: [READ_CM, r] }, `rules[1].${field}`, '"*"', 'wildcard', 'CIS 5.1.3', 'list the');
  });

  test('"*" inside a resource name ("pods/*", "*/scale")', () => {
    expectError({ rules: [rule([''], ['pods/*'], ['get'])] }, 'rules[0].resources', '"pods/*"', 'wildcard');
    expectError({ rules: [rule(['apps'], ['*/scale'], ['get'])] }, 'rules[0].resources', '"*/scale"', 'wildcard');
  });

  test.each([
    ['escalate', 'create roles with permissions it does not have'],
    ['bind', 'bind roles with permissions it does not have'],
    ['impersonate', 'act as any user, group or ServiceAccount'],
  ])('verb %s, even with an acknowledgement', (verb, why) => {
    const resources = verb === 'impersonate' ? ['serviceaccounts'] : ['roles'];
    const groups = verb === 'impersonate' ? [''] : ['rbac.authorization.k8s.io'];
    expectError({ rules: [rule(groups, resources, [verb])] }, 'rules[0].verbs', `"${verb}"`, why, 'cannot be acknowledged');
    expectError({ rules: [rule(groups, resources, [verb])], acknowledge: [{ ruleId: RbacRisk.RBAC_WRITE, reason: 'we really want this one' }] }, 'rules[0].verbs', `"${verb}"`);
  });

  test('nonResourceURLs', () => {
    const r = { ...READ_CM, nonResourceURLs: ['/metrics'] } as unknown as RoleRule;
    expectError({ rules: [r] }, 'rules[0].nonResourceURLs', '["/metrics"]', 'only be granted by a ClusterRole');
  });

  test.each([
    ['', 'nodes'], ['', 'nodes/proxy'], ['', 'namespaces'], ['', 'persistentvolumes'], ['', 'componentstatuses'],
    ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['apiextensions.k8s.io', 'customresourcedefinitions'], ['storage.k8s.io', 'storageclasses'], ['storage.k8s.io', 'csinodes'],
    ['scheduling.k8s.io', 'priorityclasses'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
    ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'], ['certificates.k8s.io', 'certificatesigningrequests'],
    ['certificates.k8s.io', 'certificatesigningrequests/approval'], ['apiregistration.k8s.io', 'apiservices'],
    ['node.k8s.io', 'runtimeclasses'], ['networking.k8s.io', 'ingressclasses'], ['storage.k8s.io', 'volumeattachments'],
    ['authorization.k8s.io', 'subjectaccessreviews'], ['authentication.k8s.io', 'tokenreviews'], ['metrics.k8s.io', 'nodes'],
    ['flowcontrol.apiserver.k8s.io', 'flowschemas'],
  ])('cluster-scoped resource %s/%s', (group, resource) => {
    expectError({ rules: [rule([group], [resource], ['get'])] }, 'rules[0].resources', `"${resource}"`, 'is cluster-scoped: a Role cannot grant it');
  });

  test('a resource in a group where it does not exist grants nothing', () => {
    expectError({ rules: [rule([''], ['deployments'], ['get'])] }, 'rules[0].resources', '"deployments"', 'but in "apps"', 'add "apps" to apiGroups');
    expectError({ rules: [rule(['apps'], ['configmap'], ['get'])] }, 'rules[0].resources', '"configmap"', 'no resource "configmap" exists');
  });

  test('kinds instead of resources, versions in API groups, malformed names', () => {
    expectError({ rules: [rule([''], ['ConfigMap'], ['get'])] }, 'rules[0].resources', '"ConfigMap"', 'not kinds: "configmaps"');
    expectError({ rules: [rule(['apps/v1'], ['deployments'], ['get'])] }, 'rules[0].apiGroups', '"apps/v1"', 'without a version', 'use "apps"');
    expectError({ rules: [rule(['v1'], ['pods'], ['get'])] }, 'rules[0].apiGroups', '"v1"', 'use ""');
    expectError({ rules: [rule(['Apps'], ['pods'], ['get'])] }, 'rules[0].apiGroups', '"Apps"', 'not an API group name');
  });

  test('unknown verbs and empty or malformed lists', () => {
    expectError({ rules: [rule([''], ['configmaps'], ['read'])] }, 'rules[0].verbs', '"read"', 'not a Kubernetes API verb', 'get, list, watch');
    expectError({ rules: [rule([''], ['configmaps'], [])] }, 'rules[0].verbs', '[]', 'non-empty list');
    expectError({ rules: [rule([], ['configmaps'], ['get'])] }, 'rules[0].apiGroups', '[]', 'use [""] for the core group');
    expectError({ rules: [{ apiGroups: [''], verbs: ['get'] } as unknown as RoleRule] }, 'rules[0].resources', 'undefined', 'non-empty list');
    expectError({ rules: [{ ...READ_CM, resource: ['x'] } as unknown as RoleRule] }, 'rules[0].resource', '["x"]', 'not a field of a rule');
    expectError({ rules: [] }, 'rules', '[]', 'at least one rule');
  });

  test('resourceNames: empty, "*", malformed, or with create/deletecollection', () => {
    expectError({ rules: [rule([''], ['configmaps'], ['get'], [])] }, 'rules[0].resourceNames', '[]', 'means every object');
    expectError({ rules: [rule([''], ['configmaps'], ['get'], ['*'])] }, 'rules[0].resourceNames', '"*"', 'not a wildcard');
    expectError({ rules: [rule([''], ['configmaps'], ['get'], ['a/b'])] }, 'rules[0].resourceNames', '"a/b"', 'not an object name');
    expectError({ rules: [rule([''], ['configmaps'], ['get', 'create'], ['a'])] }, 'rules[0].verbs', '["create"]', 'grants no create on it at all', 'move create on configmaps to a rule without resourceNames');
    expectError({ rules: [rule([''], ['configmaps'], ['deletecollection'], ['a'])] }, 'rules[0].verbs', '["deletecollection"]', 'cannot be restricted by resourceNames');
    expectError({ rules: [rule([''], ['pods', 'pods/eviction'], ['create'], ['a'])] }, 'rules[0].verbs', '["create"]', 'on pods cannot be restricted');
  });

  test('create on a subresource of a named object can be restricted by name', () => {
    expect(render({ rules: [rule([''], ['pods/eviction'], ['create'], ['web-0'])] }).roleJson.rules)
      .toEqual([{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'], resourceNames: ['web-0'] }]);
    const token = rule([''], ['serviceaccounts/token'], ['create'], ['worker']);
    expectError({ rules: [token] }, 'rules[0]', '"resourceNames":["worker"]', '(HARDENED-RBAC-TOKEN)');
    expect(render({ rules: [token], acknowledge: [{ ruleId: RbacRisk.TOKEN, reason: 'the broker hands worker tokens to sandboxes' }] }).roleJson.rules).toEqual([token]);
  });

  test('no namespace anywhere', () => {
    const message = errorOf(() => new NamespaceRole(chart(null), 'reader', { rules: [READ_CM], subjects: [Subject.group('shop-developers')] }));
    expect(message).toContain('shop/reader: invalid namespace undefined');
    expect(message).toContain('neither the prop nor the chart names a namespace');
    expect(message).toContain('Fix: set namespace on the chart');
  });

  test('names and namespaces that are not DNS-1123', () => {
    expectError({ name: 'Config_Reader' }, 'name', '"Config_Reader"', 'DNS-1123', 'Fix: use a name such as "config-reader"');
    expectError({ namespace: 'Shop' }, 'namespace', '"Shop"', 'DNS-1123 label');
    const c = chart();
    const sa = new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'Robot' } });
    const message = errorOf(() => new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [Subject.fromServiceAccount(sa)] }));
    expect(message).toContain('invalid subjects[0] (ServiceAccount name) "Robot"');
    expect(message).toContain('Fix:');
  });
});

describe('subjects', () => {
  test.each([
    ['group', 'system:masters', 'bypasses RBAC'],
    ['group', 'system:authenticated', 'every user and every ServiceAccount'],
    ['group', 'system:unauthenticated', 'anyone who can reach the API server'],
    ['user', 'system:anonymous', 'anyone who can reach the API server'],
    ['group', 'system:serviceaccounts', 'every ServiceAccount of every namespace'],
    ['group', 'system:serviceaccounts:shop', 'every ServiceAccount of the namespace shop'],
    ['user', 'system:serviceaccount:shop:web', 'ServiceAccounts through their user or group name'],
    ['group', 'system:nodes', 'belong to Kubernetes itself'],
    ['user', 'system:kube-controller-manager', 'belong to Kubernetes itself'],
  ])('%s %s is refused', (kind, name, why) => {
    const subject = kind === 'group' ? Subject.group(name) : Subject.user(name);
    expectError({ subjects: [Subject.group('ok-group'), subject] }, 'subjects[1]', name, why, 'bind a specific group');
  });

  test('the default ServiceAccount is refused', () => {
    const c = chart();
    const sa = kplus.ServiceAccount.fromServiceAccountName(c, 'default-sa', 'default', { namespaceName: 'shop' });
    const message = errorOf(() => new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [Subject.fromServiceAccount(sa)] }));
    expect(message).toContain('shop/reader: invalid subjects[0] "shop/default"');
    expect(message).toContain('every pod that names no ServiceAccount');
    expect(message).toContain('Fix:');
  });

  test('empty names, no subjects, and objects that are not ServiceAccounts', () => {
    expectError({ subjects: [Subject.user('')] }, 'subjects[0]', '""', 'not a User name');
    expectError({ subjects: [Subject.group(' team')] }, 'subjects[0]', '" team"', 'surrounding spaces');
    expectError({ subjects: [] }, 'subjects', '[]', 'grants nothing');
    expectError({ subjects: [{ kind: 'Group', name: 'x' } as unknown as Subject] }, 'subjects[0]', '"kind":"Group"', 'not a Subject');
    const c = chart();
    const cm = new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'x' } });
    const message = errorOf(() => new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [Subject.fromServiceAccount(cm)] }));
    expect(message).toContain('invalid subjects[0] "ConfigMap/x": not a ServiceAccount');
  });
});

describe('privilege-escalation paths need an acknowledgement', () => {
  const cases: [string, RbacRisk, RoleRule, string][] = [
    ['get on every secret', RbacRisk.SECRETS, rule([''], ['secrets'], ['get']), 'reveals their contents'],
    ['list on secrets', RbacRisk.SECRETS, rule([''], ['secrets'], ['list']), 'reveals their contents'],
    ['watch on named secrets', RbacRisk.SECRETS, rule([''], ['secrets'], ['get', 'watch'], ['db']), 'even with resourceNames'],
    ['list on named secrets', RbacRisk.SECRETS, rule([''], ['secrets'], ['list'], ['db']), 'metadata.name field selector'],
    ['create pods', RbacRisk.WORKLOADS, rule([''], ['pods'], ['create']), 'runs any image as any ServiceAccount'],
    ['create deployments', RbacRisk.WORKLOADS, rule(['apps'], ['deployments'], ['create']), 'runs any image'],
    ['patch statefulsets', RbacRisk.WORKLOADS, rule(['apps'], ['statefulsets'], ['patch']), 'change the pod template'],
    ['update daemonsets', RbacRisk.WORKLOADS, rule(['apps'], ['daemonsets'], ['update']), 'runs any image'],
    ['create replicasets', RbacRisk.WORKLOADS, rule(['apps'], ['replicasets'], ['create']), 'runs any image'],
    ['create jobs', RbacRisk.WORKLOADS, rule(['batch'], ['jobs'], ['create']), 'runs any image'],
    ['create cronjobs', RbacRisk.WORKLOADS, rule(['batch'], ['cronjobs'], ['create']), 'runs any image'],
    ['create replicationcontrollers', RbacRisk.WORKLOADS, rule([''], ['replicationcontrollers'], ['create']), 'runs any image'],
    ['pods/exec', RbacRisk.EXEC, rule([''], ['pods/exec'], ['create']), 'runs commands in'],
    ['pods/exec with get only', RbacRisk.EXEC, rule([''], ['pods/exec'], ['get']), 'get is enough for exec over a WebSocket'],
    ['pods/attach', RbacRisk.EXEC, rule([''], ['pods/attach'], ['create']), 'runs commands in'],
    ['pods/portforward', RbacRisk.EXEC, rule([''], ['pods/portforward'], ['create']), 'opens connections into'],
    ['ephemeral containers', RbacRisk.EXEC, rule([''], ['pods/ephemeralcontainers'], ['patch']), 'pods/ephemeralcontainers'],
    ['pods/proxy', RbacRisk.PROXY, rule([''], ['pods/proxy'], ['get']), 'past their NetworkPolicies'],
    ['services/proxy', RbacRisk.PROXY, rule([''], ['services/proxy'], ['create']), 'past their NetworkPolicies'],
    ['serviceaccounts/token create', RbacRisk.TOKEN, rule([''], ['serviceaccounts/token'], ['create']), 'mints API tokens'],
    ['create roles', RbacRisk.RBAC_WRITE, rule(['rbac.authorization.k8s.io'], ['roles'], ['create']), 'hand its own permissions to anyone'],
    ['patch rolebindings', RbacRisk.RBAC_WRITE, rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['patch']), 'hand its own permissions'],
    ['delete rolebindings', RbacRisk.RBAC_WRITE, rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['delete']), 'remove others'],
  ];

  test.each(cases)('%s is refused without an acknowledgement (%s)', (_name, risk, r, why) => {
    const message = expectError({ rules: [READ_CM, r] }, 'rules[1]', JSON.stringify(r), why, `(${risk})`);
    expect(message).toContain(`acknowledge: [{ ruleId: '${risk}', reason: '<why, at least 10 characters>' }]`);
  });

  test.each(cases)('%s is accepted with an acknowledgement, recorded on the Role (%s)', (_name, risk, r) => {
    const { roleJson } = render({ rules: [READ_CM, r], acknowledge: [{ ruleId: risk, reason: '  the operator\n  really needs this ' }] });
    expect(roleJson.metadata.annotations).toEqual({ [RBAC_ACKNOWLEDGED_ANNOTATION]: `${risk}: the operator really needs this` });
  });

  test('allowed without acknowledgement: get on named secrets, reads, deletes, scaling, events, leases', () => {
    const { roleJson } = render({
      rules: [
        rule([''], ['secrets'], ['get'], ['db']), rule([''], ['pods', 'pods/log'], ['get', 'list', 'watch', 'delete']),
        rule(['apps'], ['deployments/scale'], ['get', 'update', 'patch']), rule(['apps'], ['deployments'], ['get', 'list', 'watch']),
        rule([''], ['configmaps'], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
        rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], ['get', 'list', 'watch']),
        rule([''], ['pods/ephemeralcontainers'], ['get']), rule(['metrics.k8s.io'], ['pods'], ['get', 'list']),
        rule(['example.com'], ['widgets', 'widgets/status'], ['get', 'update']),
        ...RoleRules.leaderElection('leader'), ...RoleRules.emitEvents(),
      ],
    });
    expect(roleJson.metadata.annotations).toBeUndefined();
  });

  test('several acknowledgements are sorted by id in one annotation', () => {
    const { roleJson } = render({
      rules: [rule([''], ['pods/exec'], ['create']), rule([''], ['secrets'], ['list'])],
      acknowledge: [{ ruleId: 'HARDENED-RBAC-SECRETS', reason: 'the reloader watches secrets' }, { ruleId: RbacRisk.EXEC, reason: 'break-glass debugging role' }],
    });
    expect(roleJson.metadata.annotations[RBAC_ACKNOWLEDGED_ANNOTATION])
      .toBe('HARDENED-RBAC-EXEC: break-glass debugging role; HARDENED-RBAC-SECRETS: the reloader watches secrets');
  });

  test('the annotation stays off the RoleBinding', () => {
    const { bindingJson } = render({ rules: [rule([''], ['secrets'], ['list'])], acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'the reloader watches secrets' }] });
    expect(bindingJson.metadata.annotations).toBeUndefined();
  });

  test('an acknowledgement that matches nothing is refused', () => {
    expectError({ acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'just in case we need it' }] }, 'acknowledge[0].ruleId', '"HARDENED-RBAC-SECRETS"',
      'hides nothing', 'Fix: remove the acknowledgement');
    expectError({ rules: RoleRules.readSecrets('db'), acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'named get needs no exception' }] },
      'acknowledge[0].ruleId', '"HARDENED-RBAC-SECRETS"', 'hides nothing');
  });

  test('unknown ids, short reasons and duplicates are refused', () => {
    const r = [rule([''], ['secrets'], ['list'])];
    expectError({ rules: r, acknowledge: [{ ruleId: 'HARDENED-RBAC-SECRET', reason: 'the reloader watches secrets' }] }, 'acknowledge[0].ruleId', '"HARDENED-RBAC-SECRET"', 'no RBAC risk has this id', 'HARDENED-RBAC-SECRETS');
    expectError({ rules: r, acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'needed  ' }] }, 'acknowledge[0].reason', '"needed  "', 'at least 10 characters');
    expectError({ rules: r, acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: undefined as unknown as string }] }, 'acknowledge[0].reason', 'undefined', 'at least 10 characters');
    expectError({
      rules: r,
      acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'the reloader watches secrets' }, { ruleId: RbacRisk.SECRETS, reason: 'and so does the backup' }],
    }, 'acknowledge[1].ruleId', '"HARDENED-RBAC-SECRETS"', 'acknowledged twice');
  });

  test('an acknowledgement of one risk does not cover another', () => {
    expectError({ rules: [rule([''], ['secrets'], ['list']), rule([''], ['pods'], ['create'])], acknowledge: [{ ruleId: RbacRisk.SECRETS, reason: 'the reloader watches secrets' }] },
      'rules[1]', '"create"', '(HARDENED-RBAC-WORKLOADS)');
  });
});

describe('API token of a granted workload', () => {
  function grantedApp(grant: (app: SecureApp) => Subject | undefined, appProps: object = {}) {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE, name: 'web', ...appProps });
    new SecureApp(c, 'other', { image: IMAGE, name: 'other' });
    const subject = grant(web);
    if (subject) new NamespaceRole(c, 'reader', { rules: [READ_CM], subjects: [subject] });
    const manifest = synth(c);
    const pod = (name: string) => podSpec(one(manifest, 'Deployment', name));
    return { manifest, web, pod: pod('web'), otherPod: pod('other') };
  }

  const TOKEN_VOLUME = {
    name: 'kube-api-access',
    projected: {
      defaultMode: 0o440,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };

  test('Subject.fromApp projects a short-lived token where the automounted one would be, read-only', () => {
    const { pod } = grantedApp(app => Subject.fromApp(app));
    expect(pod.volumes).toEqual([TOKEN_VOLUME]);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
    expect(API_TOKEN_MOUNT_PATH).toBe('/var/run/secrets/kubernetes.io/serviceaccount');
  });

  test('automount stays false on the pod and the ServiceAccount; the binding names the pod\'s ServiceAccount', () => {
    const { pod, manifest } = grantedApp(app => Subject.fromApp(app));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(manifest, 'ServiceAccount', 'web').automountServiceAccountToken).toBe(false);
    expect(one(manifest, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'shop' }]);
  });

  test('Subject.fromServiceAccount(app.serviceAccount) does the same', () => {
    expect(grantedApp(app => Subject.fromServiceAccount(app.serviceAccount)).pod.volumes).toEqual([TOKEN_VOLUME]);
  });

  test('an app without a role gets no token at all', () => {
    const { otherPod, manifest } = grantedApp(app => Subject.fromApp(app));
    expect(otherPod.volumes).toBeUndefined();
    expect(otherPod.containers[0].volumeMounts).toBeUndefined();
    expect(otherPod.automountServiceAccountToken).toBe(false);
    expect(one(manifest, 'ServiceAccount', 'other').automountServiceAccountToken).toBe(false);
    const none = grantedApp(() => undefined);
    expect(none.pod.volumes).toBeUndefined();
  });

  test('a role for a group or user gives no app a token', () => {
    const { pod, otherPod } = grantedApp(() => Subject.group('shop-developers'));
    expect(pod.volumes).toBeUndefined();
    expect(otherPod.volumes).toBeUndefined();
  });

  test('the token volume sits beside the app\'s own volumes; two roles give one token', () => {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE, name: 'web', writablePaths: ['/tmp'] });
    new NamespaceRole(c, 'a', { rules: [READ_CM], subjects: [Subject.fromApp(web)] });
    new NamespaceRole(c, 'b', { rules: RoleRules.leaderElection('web'), subjects: [Subject.fromServiceAccount(web.serviceAccount)] });
    const pod = podSpec(one(synth(c), 'Deployment'));
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['writable-tmp', 'kube-api-access']);
    expect(pod.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', API_TOKEN_MOUNT_PATH]);
  });

  test('token lifetime and audience can be chosen; conflicting choices are refused', () => {
    const { pod } = grantedApp(app => Subject.fromApp(app, { token: { expirationSeconds: 600, audience: 'vault' } }));
    expect(pod.volumes[0].projected.sources[0]).toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 600, audience: 'vault' } });

    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE });
    new NamespaceRole(c, 'a', { rules: [READ_CM], subjects: [Subject.fromApp(web)] });
    const message = errorOf(() => new NamespaceRole(c, 'b', { rules: [READ_CM], subjects: [Subject.fromApp(web, { token: { expirationSeconds: 7200 } })] }));
    expect(message).toContain('shop/web: invalid apiToken');
    expect(message).toContain('a pod has one token');
    expect(message).toContain('Fix:');
    for (const bad of [599, 86401, 1.5]) {
      const c2 = chart();
      const app = new SecureApp(c2, 'web', { image: IMAGE });
      const m = errorOf(() => new NamespaceRole(c2, 'a', { rules: [READ_CM], subjects: [Subject.fromApp(app, { token: { expirationSeconds: bad } })] }));
      expect(m).toContain(`shop/web: invalid apiToken.expirationSeconds ${bad}`);
      expect(m).toContain('Fix:');
    }
  });

  test('a writable path on the token\'s mount path is refused', () => {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE, writablePaths: [API_TOKEN_MOUNT_PATH] });
    const message = errorOf(() => new NamespaceRole(c, 'a', { rules: [READ_CM], subjects: [Subject.fromApp(web)] }));
    expect(message).toContain(`shop/web: invalid the API token (granted by shop/a subjects[0]) "${API_TOKEN_MOUNT_PATH}": already mounted by writablePaths[0]`);
  });

  test('a refused role gives no token', () => {
    const c = chart();
    const web = new SecureApp(c, 'web', { image: IMAGE });
    expect(errorOf(() => new NamespaceRole(c, 'a', { rules: [rule([''], ['pods'], ['create'])], subjects: [Subject.fromApp(web)] }))).toContain('HARDENED-RBAC-WORKLOADS');
    expect(podSpec(one(Testing.synth(c), 'Deployment')).volumes).toBeUndefined();
  });

  test('a cdk8s-plus ServiceAccount gets bound but no pod of this library changes', () => {
    const c = chart();
    const sa = new kplus.ServiceAccount(c, 'sa', { metadata: { name: 'ci' } });
    const web = new SecureApp(c, 'web', { image: IMAGE });
    new NamespaceRole(c, 'a', { rules: [READ_CM], subjects: [Subject.fromServiceAccount(sa)] });
    expect(podSpec(one(synth(c), 'Deployment')).volumes).toBeUndefined();
    expect(web.serviceAccount.name).not.toBe('ci');
  });
});

test('every optional prop of the public interfaces documents a default', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'constructs', 'namespace-role.ts'), 'utf8')
    + fs.readFileSync(path.join(__dirname, '..', 'src', 'hardening', 'pod.ts'), 'utf8');
  let checked = 0;
  for (const m of source.matchAll(/export interface (\w+)[^{]*\{((?:\})|[\s\S]*?\n\})/g)) {
    if (/^I[A-Z]/.test(m[1]) || m[1] === 'HardenedPodOptions') continue;
    for (const p of m[2].matchAll(/(\/\*\*[\s\S]*?\*\/)?\s*readonly (\w+)\?:/g)) {
      checked++;
      expect({ prop: `${m[1]}.${p[2]}`, hasDefault: /@default/.test(p[1] ?? '') }).toEqual({ prop: `${m[1]}.${p[2]}`, hasDefault: true });
    }
  }
  expect(checked).toBeGreaterThan(5);
});

test('documented token defaults match the rendered token', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'hardening', 'pod.ts'), 'utf8');
  const c = new Chart(new App(), 'shop', { namespace: 'shop' });
  const web = new SecureApp(c, 'web', { image: IMAGE });
  new NamespaceRole(c, 'a', { rules: [READ_CM], subjects: [Subject.fromApp(web)] });
  const token = podSpec(one(Testing.synth(c), 'Deployment')).volumes[0].projected.sources[0].serviceAccountToken;
  expect(source).toMatch(new RegExp(`@default ${token.expirationSeconds}\\n[^]*readonly expirationSeconds\\?`));
  expect(token.audience).toBeUndefined();
});

describe('inside a HardenedChart (the synth-time policy gate)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HardenedChart } = require('../src');
  function gated(props: Partial<NamespaceRoleProps>) {
    const c = new HardenedChart(Testing.app(), 'shop', { namespace: 'shop', printWarnings: false });
    new NamespaceRole(c, 'ops', { subjects: [Subject.group('shop-oncall')], rules: [READ_CM], ...props } as NamespaceRoleProps);
    return c;
  }

  test('a plain least-privilege role passes the gate', () => {
    const c = gated({});
    expect(() => synth(c)).not.toThrow();
    expect(c.policyReport().errors).toBe(0);
  });

  test('an exception acknowledged on the NamespaceRole is acknowledged in the gate too, with the same reason', () => {
    const c = gated({
      rules: [rule([''], ['pods/exec'], ['create'])],
      acknowledge: [{ ruleId: RbacRisk.EXEC, reason: 'on-call engineers debug production pods' }],
    });
    const role = one(synth(c), 'Role');
    expect(role.metadata.annotations['hardened.cdk8s.io/rbac-acknowledged']).toBe('HARDENED-RBAC-EXEC: on-call engineers debug production pods');
    expect(role.metadata.annotations['hardened.cdk8s.io/acknowledged']).toContain('HARDENED-RBAC-005: HARDENED-RBAC-EXEC: on-call engineers debug production pods');
    expect(c.policyReport().errors).toBe(0);
  });

  test('one risk model: every risk NamespaceRole refuses is a gate finding, acknowledged here and there with the same reason', () => {
    const c = gated({
      rules: [rule(['apps'], ['deployments'], ['patch'])],
      acknowledge: [{ ruleId: RbacRisk.WORKLOADS, reason: 'the deploy bot rolls out new image tags' }],
    });
    expect(() => synth(c)).not.toThrow();
    expect(one(synth(c), 'Role').metadata.annotations['hardened.cdk8s.io/acknowledged']).toBe('HARDENED-RBAC-006: HARDENED-RBAC-WORKLOADS: the deploy bot rolls out new image tags');
  });

  test.each([
    [RbacRisk.SECRETS, rule([''], ['secrets'], ['list'])],
    [RbacRisk.WORKLOADS, rule(['apps'], ['deployments'], ['patch'])],
    [RbacRisk.EXEC, rule([''], ['pods/portforward'], ['create'])],
    [RbacRisk.EXEC, rule([''], ['pods/ephemeralcontainers'], ['patch'])],
    [RbacRisk.PROXY, rule([''], ['services/proxy'], ['get'])],
    [RbacRisk.TOKEN, rule([''], ['secrets'], ['create'])],
    [RbacRisk.RBAC_WRITE, rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['create'])],
  ])('%s: the same rule written as a raw Role fails the gate', (risk, r) => {
    expect(() => gated({ rules: [r] })).toThrow(risk);
    const chart = new HardenedChart(Testing.app(), 'raw', { namespace: 'shop', printWarnings: false });
    new ApiObject(chart, 'role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [r] });
    const report = chart.policyReport();
    expect(report.findings.filter((f: any) => f.severity === 'error').map((f: any) => f.message).join('\n')).toMatch(/rules\[0\]: /);
    expect(report.errors).toBeGreaterThan(0);
  });
});

describe('Secret writes mint tokens', () => {
  test.each(['create', 'update', 'patch'])('%s on secrets needs the TOKEN acknowledgement', (verb) => {
    expectError({ rules: [rule([''], ['secrets'], [verb])] }, 'rules[0]', 'secrets', 'service-account-token', RbacRisk.TOKEN);
  });
  test('acknowledged, it is recorded', () => {
    const { manifest } = render({ rules: [rule([''], ['secrets'], ['create'])], acknowledge: [{ ruleId: RbacRisk.TOKEN, reason: 'the cert-manager shim writes TLS Secrets' }] });
    expect(one(manifest, 'Role').metadata.annotations[RBAC_ACKNOWLEDGED_ANNOTATION]).toBe('HARDENED-RBAC-TOKEN: the cert-manager shim writes TLS Secrets');
  });
  test('names derived from ids with "_" become valid DNS names', () => {
    const c = chart();
    const r = new NamespaceRole(c, 'Config_Reader', { rules: [READ_CM], subjects: [Subject.group('team')] });
    expect(r.name).toMatch(/^shop-config-reader-[0-9a-f]{8}$/);
  });
});
