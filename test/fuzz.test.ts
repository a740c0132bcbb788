/*
 * Property-based tests (seeded, bounded): for every construct and option struct, any input
 * either synthesizes output that passes the policy gate, the Kubernetes schemas and the API
 * server's name/label/namespace rules, or is refused with the library's error. Never a
 * TypeError, a serializer error or an accepted object the API server would refuse.
 * The long run is `npm run fuzz` (scripts/fuzz.ts).
 */
import { App, Chart, Duration } from 'cdk8s';
import { BatchJob, EncryptedConfig, NamespaceRole, SecretType, SecureApp, Subject } from '../src';
import { apiServerProblems, fuzz, isLibraryError, rng, TARGETS, tally, withSchemaValidation } from './helpers/fuzz';

const PER_TARGET = 15;

describe('property: every input is refused clearly or accepted valid', () => {
  const results = fuzz(PER_TARGET, 15);
  const counts = tally(results);

  test.each(TARGETS.map((t) => t.name))('%s', (name) => {
    const bad = results.filter((r) => r.target === name && (r.outcome === 'internal error' || r.outcome === 'accepted invalid'));
    expect(bad.map((b) => `${b.outcome}: ${b.detail}`)).toEqual([]);
    expect(counts[name]['refused clearly'] + counts[name]['accepted valid']).toBe(PER_TARGET);
  });

  test('the generator reaches both outcomes for the constructs with props', () => {
    for (const t of TARGETS.filter((x) => x.name !== 'WorkloadPriorityClasses')) {
      expect(counts[t.name]['refused clearly']).toBeGreaterThan(0);
      expect(counts[t.name]['accepted valid']).toBeGreaterThan(0);
    }
  });

  test('the oracle refuses what the API server refuses (so an accepted-invalid case would be seen)', () => {
    expect(apiServerProblems([{ kind: 'Role', metadata: { name: 'r', namespace: 'shop', labels: { 'app.kubernetes.io/instance': 'a'.repeat(64) } } }])).toHaveLength(1);
    expect(apiServerProblems([{ kind: 'CronJob', metadata: { name: 'a'.repeat(53), namespace: 'Bad_Namespace!' } }])).toHaveLength(2);
    const [r] = withSchemaValidation([{ target: 'x', outcome: 'accepted valid', objects: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: 5 } }] }]);
    expect(r.outcome).toBe('accepted invalid');
  });

  test('the generator is seeded: the same seed gives the same cases', () => {
    const a = rng(7);
    const b = rng(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('the inputs of the issue get the library\'s error, not a TypeError', () => {
  const chart = () => new Chart(new App(), 'shop', { namespace: 'shop' });
  const thrown = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (e) {
      return e as Error;
    }
    throw new Error('did not throw');
  };

  test.each<[string, () => unknown, RegExp]>([
    ['env as a number', () => new SecureApp(chart(), 'web', { image: 'a/b:1', env: 5 as any }), /shop\/web: invalid env 5: is a number, not an object .*Fix: /],
    ['config as a string', () => new SecureApp(chart(), 'web', { image: 'a/b:1', config: 'x' as any }), /invalid config "x": is a string, not an array/],
    ['a Date as command', () => new SecureApp(chart(), 'web', { image: 'a/b:1', command: new Date(0) as any }), /invalid command "<a Date>": is a Date, not an array/],
    ['a String object as name', () => new SecureApp(chart(), 'web', { image: 'a/b:1', name: new String('web') as any }), /invalid name "<a String object>": is a String object, not a string/],
    ['a function as a label value', () => new EncryptedConfig(chart(), 'db', { sealedValues: { a: 'AgB'.repeat(50) }, labels: { team: (() => 1) as any } }), /invalid labels.team "<a function>": is a function, not a string/],
    ['a Buffer as rules', () => new NamespaceRole(chart(), 'r', { rules: Buffer.from('x') as any, subjects: [Subject.group('devs')] }), /invalid rules "<a Buffer>": is a Buffer, not an array/],
    ['a Map as subjects', () => new NamespaceRole(chart(), 'r', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], subjects: new Map() as any }), /invalid subjects "<a Map>": is a Map, not an array/],
    ['null as rules[0]', () => new NamespaceRole(chart(), 'r', { rules: [null as any], subjects: [Subject.group('devs')] }), /invalid rules\[0\] null: is null, not RoleRule/],
    ['immutable "yes"', () => new EncryptedConfig(chart(), 'db', { sealedValues: { a: 'AgB'.repeat(50) }, immutable: 'yes' as any }), /invalid immutable "yes": is a string, not a boolean/],
    ['SecretType.of(5)', () => new EncryptedConfig(chart(), 'db', { sealedValues: { a: 'AgB'.repeat(50) }, type: SecretType.of(5 as any) }), /invalid type "5": is not a Secret type/],
    ['NaN Duration', () => new BatchJob(chart(), 'job', { image: 'a/b:1', activeDeadline: Duration.seconds(NaN) }), /invalid activeDeadline "<a Duration>": is not a finite, non-negative length of time/],
    ['duck-typed Duration', () => new BatchJob(chart(), 'job', { image: 'a/b:1', activeDeadline: { toSeconds: () => NaN } as any }), /invalid activeDeadline .*: must be a cdk8s Duration \(it is an object\)/],
    ['NaN port', () => new SecureApp(chart(), 'web', { image: 'a/b:1', port: NaN }), /invalid port "NaN": must be a whole number from 1 to 65535/],
    ['Infinity replicas', () => new SecureApp(chart(), 'web', { image: 'a/b:1', replicas: Infinity, autoscaling: { enabled: false } }), /invalid replicas "Infinity"/],
    ['an invalid access mode', () => new SecureApp(chart(), 'web', { image: 'a/b:1', storage: [{ mountPath: '/data', size: '1Gi', accessMode: 'WriteOnly' as any }] }), /invalid storage\[0\].accessMode "WriteOnly": is not a StorageAccessMode/],
    ['null props', () => new SecureApp(chart(), 'web', null as any), /shop\/web: invalid props null: is null, not SecureAppProps/],
  ])('%s', (_name, fn, message) => {
    const e = thrown(fn);
    expect(e.constructor).toBe(Error);
    expect(e.message).toMatch(message);
    expect(isLibraryError(e)).toBe(true);
  });

  test('a 64-character label derived from a long NamespaceRole name names the prop to shorten', () => {
    const e = thrown(() => new NamespaceRole(chart(), 'r', { name: `${'a'.repeat(60)}.example`, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], subjects: [Subject.group('devs')] }));
    expect(e.message).toMatch(/invalid name "a{60}\.example": becomes the value of the label app.kubernetes.io\/instance, .* Fix: shorten name to at most 63 characters/);
  });

  test('the namespace from a plain cdk8s Chart is checked', () => {
    const plain = new Chart(new App(), 'shop', { namespace: 'Bad_Namespace!' });
    const e = thrown(() => new SecureApp(plain, 'web', { image: 'a/b:1' }));
    expect(e.message).toMatch(/^shop\/web: invalid namespace "Bad_Namespace!": is not a DNS-1123 label .*\(taken from the chart\).*Fix: set the chart's namespace/);
  });
});
