import { ApiObject, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  BatchJob, BatchJobProps, CompletionMode, ConcurrencyPolicy, CONFIG_CHECKSUM_ANNOTATION, ConfigAttachment, JobRestartPolicy,
  NetworkPeer, PodFailureRule, SecureApp, WorkloadClass,
} from '../src';
import { one, podSpec, schemaErrors, synth } from './helpers/k8s';

const IMAGE = 'ghcr.io/acme/report:2.0.0';
const NIGHTLY = '0 3 * * *';

function chart(namespace: string | undefined = 'shop'): Chart {
  return new Chart(Testing.app(), 'shop', { namespace });
}

function render(props: Partial<BatchJobProps> = {}) {
  const c = chart();
  const job = new BatchJob(c, 'report', { image: IMAGE, ...props });
  const manifest = synth(c);
  const workload = one(manifest, props.schedule === undefined ? 'Job' : 'CronJob');
  const jobSpec = workload.spec.jobTemplate ? workload.spec.jobTemplate.spec : workload.spec;
  return { chart: c, job, manifest, workload, jobSpec, pod: podSpec(workload), container: podSpec(workload).containers[0] };
}

function errorOf(props: Partial<BatchJobProps>): string {
  try {
    new BatchJob(chart(), 'report', { image: IMAGE, ...props } as BatchJobProps);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/** The error names the construct path, the prop, the value (when given) and a fix. */
function expectError(props: Partial<BatchJobProps>, ...fragments: (string | RegExp)[]) {
  const message = errorOf(props);
  expect(message).toContain('shop/report: invalid ');
  for (const f of fragments) {
    if (typeof f === 'string') expect(message).toContain(f);
    else expect(message).toMatch(f);
  }
  expect(message).toContain('Fix:');
}

describe('BatchJob output', () => {
  test('without a schedule: exactly ServiceAccount, Job and NetworkPolicy', () => {
    const { manifest, job } = render();
    expect(manifest.map(o => o.kind).sort()).toEqual(['Job', 'NetworkPolicy', 'ServiceAccount']);
    expect(one(manifest, 'Job').apiVersion).toBe('batch/v1');
    expect(job.job).toBeDefined();
    expect(job.cronJob).toBeUndefined();
    expect(job.serviceAccount).toBeDefined();
    expect(job.networkPolicy).toBeDefined();
  });

  test('with a schedule: exactly ServiceAccount, CronJob and NetworkPolicy', () => {
    const { manifest, job } = render({ schedule: NIGHTLY });
    expect(manifest.map(o => o.kind).sort()).toEqual(['CronJob', 'NetworkPolicy', 'ServiceAccount']);
    expect(one(manifest, 'CronJob').apiVersion).toBe('batch/v1');
    expect(job.cronJob).toBeDefined();
    expect(job.job).toBeUndefined();
  });

  test('snapshot of the default Job', () => {
    expect(render().manifest).toMatchSnapshot();
  });

  test('snapshot of a nightly CronJob in the BATCH class', () => {
    expect(render({ schedule: NIGHTLY, workloadClass: WorkloadClass.BATCH }).manifest).toMatchSnapshot();
  });

  test('every object validates against the Kubernetes schemas', () => {
    const c = chart();
    const settings = new kplus.ConfigMap(c, 'settings', { data: { MODE: 'full' } });
    new BatchJob(c, 'one-off', {
      image: IMAGE, config: [settings], writablePaths: ['/tmp'], backoffLimit: 0,
      podFailurePolicy: [PodFailureRule.failJobOnExitCodes([42]), PodFailureRule.ignoreExitCodes([75]), PodFailureRule.ignoreDisruptions()],
      parallelism: 2, completions: 4, completionMode: CompletionMode.INDEXED, suspend: true,
      egressTo: [NetworkPeer.ipBlock('10.20.0.0/24', { ports: [5432] })],
    });
    new BatchJob(c, 'nightly', {
      image: IMAGE, schedule: NIGHTLY, timeZone: 'Europe/Berlin', workloadClass: WorkloadClass.BATCH,
      concurrencyPolicy: ConcurrencyPolicy.REPLACE, restartPolicy: JobRestartPolicy.ON_FAILURE, config: [ConfigAttachment.env(settings)],
    });
    const manifest = synth(c);
    expect(manifest.filter(o => o.kind === 'Job' || o.kind === 'CronJob')).toHaveLength(2);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('every object carries the recommended labels with component "job"; names match the instance label', () => {
    const { manifest } = render({ name: 'report', schedule: NIGHTLY });
    const labels = {
      'app.kubernetes.io/name': 'report',
      'app.kubernetes.io/instance': 'report',
      'app.kubernetes.io/component': 'job',
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': '2.0.0',
      'app.kubernetes.io/managed-by': 'cdk8s-hardened',
    };
    for (const obj of manifest) {
      expect(obj.metadata.name).toBe('report');
      expect(obj.metadata.labels).toEqual(labels);
    }
    const cron = one(manifest, 'CronJob');
    // The Jobs the CronJob creates, and their pods, carry the same labels.
    expect(cron.spec.jobTemplate.metadata.labels).toEqual(labels);
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toEqual(labels);
  });

  test('name defaults to a DNS label from the construct path; a CronJob\'s fits in 52 characters', () => {
    const { job, workload } = render();
    expect(job.name).toMatch(/^shop-report-[0-9a-f]{8}$/);
    expect(workload.metadata.name).toBe(job.name);
    const c = new Chart(Testing.app(), 'a-rather-long-chart-name-for-scheduled-reports', { namespace: 'shop' });
    const long = new BatchJob(c, 'nightly-revenue-report-for-all-regions', { image: IMAGE, schedule: NIGHTLY });
    expect(long.name.length).toBeLessThanOrEqual(52);
    expect(one(synth(c), 'CronJob').metadata.name).toBe(long.name);
    const standalone = new BatchJob(c, 'nightly-revenue-report-for-all-regions-once', { image: IMAGE });
    expect(standalone.name.length).toBeGreaterThan(52);
    expect(standalone.name.length).toBeLessThanOrEqual(63);
  });

  test('escape hatch: JSON patches on the Job and the CronJob survive', () => {
    const c = chart();
    const once = new BatchJob(c, 'once', { image: IMAGE });
    const nightly = new BatchJob(c, 'nightly', { image: IMAGE, schedule: NIGHTLY });
    ApiObject.of(once.job!).addJsonPatch(JsonPatch.add('/spec/backoffLimitPerIndex', 1));
    ApiObject.of(nightly.cronJob!).addJsonPatch(JsonPatch.add('/spec/jobTemplate/spec/template/spec/hostname', 'report'));
    const manifest = synth(c);
    expect(one(manifest, 'Job').spec.backoffLimitPerIndex).toBe(1);
    expect(one(manifest, 'CronJob').spec.jobTemplate.spec.template.spec.hostname).toBe('report');
  });
});

describe('the hardened pod, shared with SecureApp', () => {
  test('pod and container security contexts are exactly SecureApp\'s', () => {
    const c = chart();
    new BatchJob(c, 'report', { image: IMAGE });
    new SecureApp(c, 'web', { image: IMAGE });
    const manifest = synth(c);
    const job = podSpec(one(manifest, 'Job'));
    const app = podSpec(one(manifest, 'Deployment'));
    expect(job.securityContext).toEqual(app.securityContext);
    expect(job.containers[0].securityContext).toEqual(app.containers[0].securityContext);
    expect(job.containers[0].resources).toEqual(app.containers[0].resources);
    for (const field of ['automountServiceAccountToken', 'enableServiceLinks']) expect(job[field]).toEqual(app[field]);
    expect(job.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532,
      fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(job.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('dedicated ServiceAccount without a token; no probes, no ports; restartPolicy Never', () => {
    const { manifest, pod, container } = render();
    const sa = one(manifest, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe('Never');
    expect(container.readinessProbe).toBeUndefined();
    expect(container.livenessProbe).toBeUndefined();
    expect(container.startupProbe).toBeUndefined();
    expect(container.ports).toBeUndefined();
  });

  test('requests and limits for cpu, memory and ephemeral storage; the image pinned and pulled Always', () => {
    const { container } = render({ image: 'ghcr.io/acme/report@sha256:' + 'a'.repeat(64) });
    expect(container.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '256Mi' },
    });
    expect(container.image).toBe('ghcr.io/acme/report@sha256:' + 'a'.repeat(64));
    expect(container.imagePullPolicy).toBe('Always');
  });

  test('writable paths, env, command and args', () => {
    const { pod, container } = render({ writablePaths: ['/tmp'], env: { MODE: 'full' }, command: ['/report'], args: ['--since', '24h'] });
    expect(pod.volumes).toEqual([{ name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'writable-tmp', mountPath: '/tmp' }]);
    expect(container.env).toEqual([{ name: 'MODE', value: 'full' }]);
    expect(container.command).toEqual(['/report']);
    expect(container.args).toEqual(['--since', '24h']);
  });

  test('config: mounted read-only, with the checksum annotation that changes with the data', () => {
    const checksum = (value: string, schedule?: string) => {
      const c = chart();
      const settings = new kplus.ConfigMap(c, 'settings', { data: { MODE: value } });
      new BatchJob(c, 'report', { image: IMAGE, schedule, config: [settings] });
      const manifest = synth(c);
      const workload = one(manifest, schedule ? 'CronJob' : 'Job');
      const template = workload.spec.jobTemplate ? workload.spec.jobTemplate.spec.template : workload.spec.template;
      const cm = one(manifest, 'ConfigMap');
      expect(template.spec.volumes[0].configMap.name).toBe(cm.metadata.name);
      expect(template.spec.containers[0].volumeMounts[0]).toMatchObject({ mountPath: `/etc/config/${cm.metadata.name}`, readOnly: true });
      return template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    };
    expect(checksum('full')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum('full')).toBe(checksum('full'));
    expect(checksum('full')).not.toBe(checksum('delta'));
    expect(checksum('full', NIGHTLY)).toBe(checksum('full'));
  });

  test('config as environment variables', () => {
    const c = chart();
    const settings = new kplus.ConfigMap(c, 'settings', { data: { MODE: 'full' } });
    new BatchJob(c, 'report', { image: IMAGE, config: [ConfigAttachment.env(settings, { keys: ['MODE'] })] });
    const container = podSpec(one(synth(c), 'Job')).containers[0];
    expect(container.env[0]).toMatchObject({ name: 'MODE', valueFrom: { configMapKeyRef: { key: 'MODE' } } });
  });

  test('no class: no priorityClassName; BATCH names hardened-batch; an explicit name wins', () => {
    expect(render().pod.priorityClassName).toBeUndefined();
    expect(render({ schedule: NIGHTLY }).pod.priorityClassName).toBeUndefined();
    expect(render({ workloadClass: WorkloadClass.BATCH }).pod.priorityClassName).toBe('hardened-batch');
    expect(render({ schedule: NIGHTLY, workloadClass: WorkloadClass.BATCH }).pod.priorityClassName).toBe('hardened-batch');
    expect(render({ workloadClass: WorkloadClass.BATCH, priorityClassName: 'nightly' }).pod.priorityClassName).toBe('nightly');
  });

  test('CRITICAL: Guaranteed QoS as for SecureApp', () => {
    const { container, pod } = render({ workloadClass: WorkloadClass.CRITICAL });
    expect(pod.priorityClassName).toBe('hardened-critical');
    expect(container.resources.requests).toEqual(container.resources.limits);
  });
});

describe('Job settings', () => {
  test('defaults: 3 retries, 1 h deadline, deleted 1 day after it finishes, Never, one pod', () => {
    const { jobSpec, pod } = render();
    expect(jobSpec.backoffLimit).toBe(3);
    expect(jobSpec.activeDeadlineSeconds).toBe(3600);
    expect(jobSpec.ttlSecondsAfterFinished).toBe(86400);
    expect(pod.restartPolicy).toBe('Never');
    expect(jobSpec.parallelism).toBe(1);
    expect(jobSpec.completions).toBeUndefined();
    expect(jobSpec.completionMode).toBe('NonIndexed');
    expect(jobSpec.podFailurePolicy).toBeUndefined();
    expect(jobSpec.suspend).toBeUndefined();
    // Kubernetes generates the selector; a manual one could match other Jobs' pods.
    expect(jobSpec.selector).toBeUndefined();
    expect(jobSpec.manualSelector).toBeUndefined();
  });

  test('durations are cdk8s Durations, rendered as whole seconds', () => {
    const { jobSpec } = render({ activeDeadline: Duration.minutes(30), ttlAfterFinished: Duration.hours(6), backoffLimit: 0 });
    expect(jobSpec.activeDeadlineSeconds).toBe(1800);
    expect(jobSpec.ttlSecondsAfterFinished).toBe(21600);
    expect(jobSpec.backoffLimit).toBe(0);
  });

  test('OnFailure restarts in place', () => {
    expect(render({ restartPolicy: JobRestartPolicy.ON_FAILURE }).pod.restartPolicy).toBe('OnFailure');
  });

  test('parallel indexed work', () => {
    const { jobSpec } = render({ parallelism: 4, completions: 16, completionMode: CompletionMode.INDEXED });
    expect(jobSpec).toMatchObject({ parallelism: 4, completions: 16, completionMode: 'Indexed' });
  });

  test('a work queue: parallelism without completions', () => {
    const { jobSpec } = render({ parallelism: 5 });
    expect(jobSpec.parallelism).toBe(5);
    expect(jobSpec.completions).toBeUndefined();
  });

  test('pod failure policy: fail fast on exit codes (sorted, once each), ignore disruptions', () => {
    const { jobSpec } = render({
      podFailurePolicy: [PodFailureRule.failJobOnExitCodes([42, 3, 42]), PodFailureRule.ignoreExitCodes([75]), PodFailureRule.ignoreDisruptions()],
    });
    expect(jobSpec.podFailurePolicy).toEqual({
      rules: [
        { action: 'FailJob', onExitCodes: { operator: 'In', values: [3, 42] }, onPodConditions: [] },
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [75] }, onPodConditions: [] },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    });
  });

  test('suspend: a standalone Job is created suspended', () => {
    expect(render({ suspend: true }).jobSpec.suspend).toBe(true);
  });
});

describe('CronJob settings', () => {
  test('defaults: no overlapping runs, 5 min starting deadline, history 3/1, not suspended, no TTL', () => {
    const { workload, jobSpec, pod } = render({ schedule: NIGHTLY });
    expect(workload.spec).toMatchObject({
      schedule: NIGHTLY, concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, suspend: false,
    });
    expect(workload.spec.timeZone).toBeUndefined();
    // The history limits clean up; a TTL would delete the Jobs they keep (kube-linter job-ttl-seconds-after-finished).
    expect(jobSpec.ttlSecondsAfterFinished).toBeUndefined();
    expect(jobSpec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 3600, parallelism: 1, completionMode: 'NonIndexed' });
    expect(pod.restartPolicy).toBe('Never');
  });

  test('the job template carries the Job settings', () => {
    const { jobSpec } = render({
      schedule: NIGHTLY, backoffLimit: 1, activeDeadline: Duration.minutes(20), parallelism: 2, completions: 2,
      podFailurePolicy: [PodFailureRule.failJobOnExitCodes([2])],
    });
    expect(jobSpec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 1200, parallelism: 2, completions: 2 });
    expect(jobSpec.podFailurePolicy.rules[0].action).toBe('FailJob');
    expect(jobSpec.suspend).toBeUndefined();
  });

  test('time zone, concurrency, deadline, history limits and suspend', () => {
    const { workload } = render({
      schedule: '*/15 9-17 * * mon-fri', timeZone: 'Europe/Berlin', concurrencyPolicy: ConcurrencyPolicy.REPLACE,
      startingDeadline: Duration.minutes(2), successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5, suspend: true,
    });
    expect(workload.spec).toMatchObject({
      schedule: '*/15 9-17 * * mon-fri', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Replace', startingDeadlineSeconds: 120,
      successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5, suspend: true,
    });
  });

  test.each(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])('macro %s is accepted', (schedule) => {
    expect(render({ schedule }).workload.spec.schedule).toBe(schedule);
  });

  test.each(['0 3 * * *', '*/5 * * * *', '0 3 * * 1-5', '0 3 1,15 * *', '0 0 1 JAN,jul *', '30 2 ? * SUN', '0 0 29 2 *', '5/10 * * * *', ' 0 3 * * * '])(
    'schedule %j is accepted', (schedule) => {
      expect(render({ schedule }).workload.spec.schedule).toBe(schedule.trim());
    });

  test.each(['Etc/UTC', 'UTC', 'America/New_York', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])('time zone %s is accepted', (timeZone) => {
    expect(render({ schedule: NIGHTLY, timeZone }).workload.spec.timeZone).toBe(timeZone);
  });
});

describe('NetworkPolicy', () => {
  test('selects the pods by the instance label; both policy types; no ingress rule at all; egress DNS only', () => {
    const { manifest, job } = render();
    const np = one(manifest, 'NetworkPolicy');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': job.name } });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec).not.toHaveProperty('ingress');
    expect(np.spec.egress).toHaveLength(1);
    expect(np.spec.egress[0].to[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    });
    expect(np.spec.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
  });

  test('declared egress destinations; a SecureApp as destination on its port', () => {
    const c = chart();
    const api = new SecureApp(c, 'api', { image: IMAGE, port: 9090 });
    new BatchJob(c, 'report', { image: IMAGE, schedule: NIGHTLY, egressTo: [NetworkPeer.ipBlock('10.20.0.0/24', { ports: [5432] }), NetworkPeer.workload(api)] });
    const np = synth(c).filter(o => o.kind === 'NetworkPolicy').find(o => o.metadata.labels['app.kubernetes.io/component'] === 'job');
    expect(np.spec.ingress).toBeUndefined();
    expect(np.spec.egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '10.20.0.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: api.podSelectorLabels }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
  });

  test('a BatchJob can be named as an ingress peer of a SecureApp', () => {
    const c = chart();
    const report = new BatchJob(c, 'report', { image: IMAGE, schedule: NIGHTLY });
    new SecureApp(c, 'api', { image: IMAGE, ingressFrom: [NetworkPeer.workload(report)] });
    const np = synth(c).filter(o => o.kind === 'NetworkPolicy').find(o => o.metadata.labels['app.kubernetes.io/component'] === 'server');
    expect(np.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(report.podSelectorLabels);
  });
});

describe('bad input is refused at construct time with path, prop, value and fix', () => {
  test('no image', () => expectError({ image: undefined as any }, 'image'));
  test('latest image', () => expectError({ image: 'ghcr.io/acme/report:latest' }, 'image', '"ghcr.io/acme/report:latest"', 'latest'));
  test('untagged image', () => expectError({ image: 'ghcr.io/acme/report' }, 'image'));

  describe('schedule', () => {
    test('out of range', () => expectError({ schedule: '61 * * * *' }, 'schedule', '"61 * * * *"', 'not a valid schedule'));
    test('six fields (seconds)', () => expectError({ schedule: '0 0 3 * * *' }, 'schedule', '"0 0 3 * * *"', '6 fields', 'no seconds', '"0 3 * * *"'));
    test('too few fields', () => expectError({ schedule: '0 3 *' }, 'schedule', '"0 3 *"', 'has 3 fields'));
    test('TZ= prefix points to timeZone', () => expectError({ schedule: 'TZ=Europe/Berlin 0 3 * * *' }, 'schedule', 'TZ=', 'timeZone: "Europe/Berlin"', 'schedule: "0 3 * * *"'));
    test('CRON_TZ= prefix points to timeZone', () => expectError({ schedule: 'CRON_TZ=UTC 0 3 * * *' }, 'schedule', 'CRON_TZ=', 'timeZone'));
    test('unknown macro', () => expectError({ schedule: '@reboot' }, 'schedule', '"@reboot"', '@daily', '@midnight'));
    test('@every', () => expectError({ schedule: '@every 5m' }, 'schedule', '"@every 5m"', '*/5 * * * *'));
    test('L, W, # and H extensions', () => {
      expectError({ schedule: '0 3 L * *' }, 'schedule', '"L"');
      expectError({ schedule: '0 3 15W * *' }, 'schedule', '"15W"');
      expectError({ schedule: '0 3 * * 1#2' }, 'schedule', '"#"');
      expectError({ schedule: 'H 3 * * *' }, 'schedule', '"H"');
    });
    test('day of week 7', () => expectError({ schedule: '0 3 * * 7' }, 'schedule', '0-6', 'Sunday'));
    test('day of week range to 7', () => expectError({ schedule: '0 3 * * 5-7' }, 'schedule', '0-6'));
    test('a month name in the day-of-week field', () => expectError({ schedule: '0 3 * * jan' }, 'schedule', '"jan"', 'sun, mon'));
    test('a date that never comes', () => expectError({ schedule: '0 0 30 2 *' }, 'schedule', '"0 0 30 2 *"'));
    test('empty', () => expectError({ schedule: '' }, 'schedule', 'cron expression'));
    test('descending range', () => expectError({ schedule: '0 5-1 * * *' }, 'schedule', '"0 5-1 * * *"'));
  });

  describe('time zone', () => {
    test('unknown', () => expectError({ schedule: NIGHTLY, timeZone: 'Mars/Olympus_Mons' }, 'timeZone', '"Mars/Olympus_Mons"', 'IANA'));
    test('Local', () => expectError({ schedule: NIGHTLY, timeZone: 'Local' }, 'timeZone', '"Local"'));
    test('wrong case', () => expectError({ schedule: NIGHTLY, timeZone: 'europe/berlin' }, 'timeZone', '"europe/berlin"', 'case-sensitive', '"Europe/Berlin"'));
    test('a UTC offset', () => expectError({ schedule: NIGHTLY, timeZone: '+02:00' }, 'timeZone', '"+02:00"'));
    test('lower-case alias', () => expectError({ schedule: NIGHTLY, timeZone: 'utc' }, 'timeZone', '"utc"'));
  });

  describe('CronJob-only props without a schedule', () => {
    test.each([
      ['timeZone', { timeZone: 'Etc/UTC' }, '"Etc/UTC"'],
      ['concurrencyPolicy', { concurrencyPolicy: ConcurrencyPolicy.ALLOW }, '"Allow"'],
      ['startingDeadline', { startingDeadline: Duration.minutes(1) }, '"1 minute"'],
      ['successfulJobsHistoryLimit', { successfulJobsHistoryLimit: 2 }, '2'],
      ['failedJobsHistoryLimit', { failedJobsHistoryLimit: 2 }, '2'],
    ] as [string, Partial<BatchJobProps>, string][])('%s', (prop, props, value) => expectError(props, `invalid ${prop} ${value}`, 'only to a scheduled job', 'set schedule'));
  });

  test('ttlAfterFinished on a CronJob', () => expectError({ schedule: NIGHTLY, ttlAfterFinished: Duration.days(1) }, 'ttlAfterFinished', '"1 day"', 'history limits', 'successfulJobsHistoryLimit'));

  describe('counts, deadlines and limits', () => {
    test('negative backoffLimit', () => expectError({ backoffLimit: -1 }, 'backoffLimit -1'));
    test('fractional backoffLimit', () => expectError({ backoffLimit: 1.5 }, 'backoffLimit 1.5'));
    test('zero activeDeadline', () => expectError({ activeDeadline: Duration.seconds(0) }, 'activeDeadline', '"0 seconds"'));
    test('activeDeadline not in whole seconds', () => expectError({ activeDeadline: Duration.millis(1500) }, 'activeDeadline', 'whole number of seconds'));
    test('activeDeadline as a plain number', () => expectError({ activeDeadline: 3600 as any }, 'activeDeadline 3600', 'Duration'));
    test('zero ttlAfterFinished', () => expectError({ ttlAfterFinished: Duration.seconds(0) }, 'ttlAfterFinished', '"0 seconds"', 'logs'));
    test('startingDeadline below 10 s', () => expectError({ schedule: NIGHTLY, startingDeadline: Duration.seconds(5) }, 'startingDeadline', '"5 seconds"', '10 seconds'));
    test('zero successfulJobsHistoryLimit', () => expectError({ schedule: NIGHTLY, successfulJobsHistoryLimit: 0 }, 'successfulJobsHistoryLimit 0'));
    test('negative failedJobsHistoryLimit', () => expectError({ schedule: NIGHTLY, failedJobsHistoryLimit: -1 }, 'failedJobsHistoryLimit -1'));
    test('zero parallelism', () => expectError({ parallelism: 0 }, 'parallelism 0'));
    test('zero completions', () => expectError({ completions: 0 }, 'completions 0'));
    test('completions below parallelism', () => expectError({ parallelism: 4, completions: 2 }, 'completions 2', 'parallelism 4', 'at most 2'));
    test('completions below parallelism, Indexed', () => expectError({ parallelism: 4, completions: 2, completionMode: CompletionMode.INDEXED }, 'completions 2'));
    test('Indexed without completions', () => expectError({ completionMode: CompletionMode.INDEXED }, 'completionMode "Indexed"', 'set completions'));
  });

  test('restartPolicy Always', () => expectError({ restartPolicy: 'Always' as JobRestartPolicy }, 'restartPolicy "Always"', 'Never and OnFailure', 'JobRestartPolicy.NEVER'));
  test('unknown concurrency policy', () => expectError({ schedule: NIGHTLY, concurrencyPolicy: 'Sometimes' as ConcurrencyPolicy }, 'concurrencyPolicy "Sometimes"'));
  test('unknown completion mode', () => expectError({ completionMode: 'Sharded' as CompletionMode }, 'completionMode "Sharded"'));

  describe('podFailurePolicy', () => {
    test('with OnFailure', () => expectError({ restartPolicy: JobRestartPolicy.ON_FAILURE, podFailurePolicy: [PodFailureRule.ignoreDisruptions()] },
      'podFailurePolicy', 'ignoreDisruptions()', 'restartPolicy Never', 'JobRestartPolicy.NEVER'));
    test('exit code 0', () => expectError({ podFailurePolicy: [PodFailureRule.failJobOnExitCodes([0])] }, 'podFailurePolicy[0] exit code 0', '1 to 255'));
    test('exit code above 255', () => expectError({ podFailurePolicy: [PodFailureRule.failJobOnExitCodes([1, 256])] }, 'podFailurePolicy[0] exit code 256'));
    test('no exit codes', () => expectError({ podFailurePolicy: [PodFailureRule.ignoreExitCodes([])] }, 'podFailurePolicy[0] []', 'at least one'));
    test('an exit code in two rules', () => expectError({ podFailurePolicy: [PodFailureRule.failJobOnExitCodes([42]), PodFailureRule.ignoreExitCodes([1, 42])] },
      'podFailurePolicy[1]', 'exit code 42', 'failJobOnExitCodes([42])'));
    test('no rules', () => expectError({ podFailurePolicy: [] }, 'podFailurePolicy []', 'from 1 to 20'));
    test('more than 20 rules', () => expectError({ podFailurePolicy: Array.from({ length: 21 }, (_, i) => PodFailureRule.ignoreExitCodes([i + 1])) }, 'podFailurePolicy', 'from 1 to 20'));
  });

  test('CronJob name longer than 52 characters', () => expectError({ schedule: NIGHTLY, name: 'a'.repeat(53) }, `name "${'a'.repeat(53)}"`, 'longer than 52'));
  test('a 63-character name is fine for a standalone Job', () => expect(render({ name: 'a'.repeat(63) }).job.name).toHaveLength(63));

  describe('and everything the shared pod refuses', () => {
    test('user ID below 10000', () => expectError({ runAsUser: 1000 }, 'runAsUser 1000'));
    test('secret-looking env, without echoing the value', () => {
      const message = errorOf({ env: { DB_PASSWORD: 'hunter2' } });
      expect(message).toContain('env.DB_PASSWORD');
      expect(message).not.toContain('hunter2');
    });
    test('relative writable path', () => expectError({ writablePaths: ['tmp'] }, 'writablePaths[0] "tmp"'));
    test('limit below request', () => expectError({ resources: { memory: { request: '1Gi', limit: '512Mi' } } }, 'resources.memory', 'limit is below the request'));
    test('CRITICAL with requests below limits', () => expectError({ workloadClass: WorkloadClass.CRITICAL, resources: { cpu: { request: '100m', limit: '1' } } }, 'resources.cpu', 'Guaranteed'));
    test('bad egress CIDR', () => expectError({ egressTo: [NetworkPeer.ipBlock('10.0.0.0/33')] }, 'NetworkPeer.ipBlock', '"10.0.0.0/33"'));
    test('bad name', () => expectError({ name: 'Nightly_Report' }, 'name "Nightly_Report"'));
  });
});

describe('the batch class by default when its PriorityClass is deployed', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WorkloadPriorityClasses, WorkloadClass: WC } = require('../src');
  test('no class chosen and no WorkloadPriorityClasses in the app: no priorityClassName', () => {
    expect(podSpec(one(render().manifest, 'Job')).priorityClassName).toBeUndefined();
  });
  test('WorkloadPriorityClasses in the app (even defined later): hardened-batch', () => {
    const app = Testing.app();
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    new BatchJob(c, 'report', { image: IMAGE });
    new WorkloadPriorityClasses(new Chart(app, 'platform'), 'classes');
    expect(podSpec(one(synth(c), 'Job')).priorityClassName).toBe('hardened-batch');
  });
  test('a chosen class or name still wins', () => {
    const app = Testing.app();
    new WorkloadPriorityClasses(new Chart(app, 'platform'), 'classes');
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    new BatchJob(c, 'a', { image: IMAGE, workloadClass: WC.STANDARD });
    new BatchJob(c, 'b', { image: IMAGE, priorityClassName: 'team-nightly' });
    expect(synth(c).filter(o => o.kind === 'Job').map(o => podSpec(o).priorityClassName)).toEqual(['hardened-standard', 'team-nightly']);
  });
  test('SecureApp does not default to a class', () => {
    const app = Testing.app();
    new WorkloadPriorityClasses(new Chart(app, 'platform'), 'classes');
    const c = new Chart(app, 'shop', { namespace: 'shop' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    new (require('../src').SecureApp)(c, 'web', { image: IMAGE });
    expect(podSpec(one(synth(c), 'Deployment')).priorityClassName).toBeUndefined();
  });
});

describe('init containers and sidecars', () => {
  test('init containers run before the job, hardened and sharing a writable path', () => {
    const { manifest } = render({
      writablePaths: ['/work'],
      initContainers: [{ name: 'fetch-input', image: 'ghcr.io/acme/fetch:1.0.0', args: ['--to', '/work'], writablePaths: ['/work'] }],
    });
    const pod = podSpec(one(manifest, 'Job'));
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].securityContext).toEqual(pod.containers[0].securityContext);
    expect(pod.initContainers[0].volumeMounts[0].name).toBe(pod.containers[0].volumeMounts[0].name);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  test('refuses sidecars: the Job would never complete', () => {
    expectError({ sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0' }] }, 'sidecars', 'never complete', 'nativeSidecars: true');
  });

  test('native sidecars are accepted: init containers with restartPolicy Always, after the other init containers', () => {
    const { manifest } = render({
      nativeSidecars: true,
      initContainers: [{ name: 'fetch-input', image: 'ghcr.io/acme/fetch:1.0.0' }],
      sidecars: [{ name: 'proxy', image: 'ghcr.io/acme/proxy:1.0.0' }],
    });
    const pod = podSpec(one(manifest, 'Job'));
    expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['fetch-input', undefined], ['proxy', 'Always']]);
    expect(pod.containers).toHaveLength(1);
    expect(schemaErrors(manifest)).toEqual([]);
  });
});
