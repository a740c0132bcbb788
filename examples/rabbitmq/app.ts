import * as path from 'path';
import { App, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  ConfigAttachment, EncryptedConfig, HardenedChart, HealthCheck, NetworkPeer, SealingCertificate, SharedService, StatefulApp, WorkloadClass,
} from '../../src';

/**
 * RabbitMQ as a 3-node cluster, ported from the Bitnami Helm chart (bitnami/charts,
 * bitnami/rabbitmq 16.0.16 at 5165628ae06697f8f68a670bef7739d93c4b7f44) rendered by hand with
 * release name and namespace `rabbitmq` and the values listed in README.md. Images, container
 * ports, env names, Service names and ports are the chart's, so clients still call
 * `rabbitmq:5672` and the nodes still find each other as
 * `rabbit@rabbitmq-<n>.rabbitmq-headless.rabbitmq.svc.cluster.local`.
 */

/** The namespace, also the chart's release name: object names are the chart's `rabbitmq…`. */
export const RABBITMQ_NAMESPACE = 'rabbitmq';

/**
 * AMQP and management-API clients: pods of the namespace labelled `rabbitmq-client: "true"`,
 * the label the chart's own NetworkPolicy admits (`networkPolicy.addExternalClientAccess`).
 */
export const RABBITMQ_CLIENTS = NetworkPeer.pods({ 'rabbitmq-client': 'true' });

/** The cluster's Prometheus (prometheus-operator), which scrapes the rabbitmq_prometheus plugin. */
export const RABBITMQ_PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/** The chart's image (values.yaml `image`), for the broker and the init container alike. */
const IMAGE = 'docker.io/bitnami/rabbitmq:4.1.3-debian-12-r1';
/** The chart's headless Service: part of every node name and of the seed node's DNS name. */
const HEADLESS = 'rabbitmq-headless';
/** The chart's `auth.username`. */
const USER = 'user';

/**
 * rabbitmq.conf as the chart renders it for these values (`configuration`, templated). Not a
 * secret (the password is set at first boot from RABBITMQ_PASSWORD), so a ConfigMap. The
 * `cluster_formation.k8s.*` keys of the API-based discovery are left out: RabbitMQ 4.1's
 * Kubernetes discovery ignores them (the node with ordinal 0 is the seed, derived from the node
 * name) and makes no API call.
 */
const RABBITMQ_CONF = [
  `default_user = ${USER}`,
  'cluster_name = rabbitmq',
  'cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s',
  'cluster_formation.node_cleanup.interval = 10',
  'cluster_formation.node_cleanup.only_log_warning = true',
  'cluster_partition_handling = autoheal',
  'queue_leader_locator = balanced',
  `loopback_users.${USER} = false`,
  'prometheus.tcp.port = 9419',
  'tcp_listen_options.backlog = 128',
  'tcp_listen_options.nodelay = true',
  'tcp_listen_options.linger.on = true',
  'tcp_listen_options.linger.timeout = 0',
  'tcp_listen_options.keepalive = false',
  '',
].join('\n');

/** The management API's health checks, as the chart's probes call them (bash and curl are in the image). */
const managementCheck = (check: string) => ['/bin/bash', '-ec', `curl -f --user ${USER}:$RABBITMQ_PASSWORD 127.0.0.1:15672/api/health/checks/${check}`];

/**
 * Builds the RabbitMQ cluster into a HardenedChart with the namespace `rabbitmq` (created by the chart).
 * @returns the chart
 */
export function buildRabbitmq(app: App, id = 'rabbitmq'): HardenedChart {
  const chart = new HardenedChart(app, id, { namespace: RABBITMQ_NAMESPACE, createNamespace: true });

  // The chart generates the password (16 characters) and the Erlang cookie (32) at install; here
  // they were generated once and sealed offline, never written down (`head -c … /dev/urandom |
  // tr -dc A-Za-z0-9 | head -c 16 | cdk8s-hardened seal --cert certs/sealed-secrets-demo.pem
  // --namespace rabbitmq --name rabbitmq`): stable ciphertext, no plain text in code or output.
  // RABBITMQ_SECURE_PASSWORD ("yes": set the password with rabbitmqctl at first boot, never in a
  // config file) is no secret, but a plain variable named *PASSWORD* is refused (library, Polaris),
  // so its value is sealed beside the password it governs.
  const credentials = new EncryptedConfig(chart, 'credentials', {
    name: 'rabbitmq',
    certificate: SealingCertificate.fromFile(path.join(__dirname, '..', '..', 'certs', 'sealed-secrets-demo.pem')),
    sealedValues: {
      'rabbitmq-password': 'AgAcIMOLz5DUNXKaSTDxwprqBpG7r0AVDK/xA/ZqVjz5e1FexlRoBP97J+oEpqW6eutm+/ITUe11cuUKPFUPCdstpiVSuJncx7zBIdGSVA0Fg54VXu+lN+Yokcd+k1BP8grblSmk7/j/O2wNU3/mTXF7o0Vo95tU154O6LiFnyV1va8JLXlWyXlSni5ImBbp6BZxRKD1xNbTjPhnnISFK+xPfBjr4L38RVz9SZK9nUJqJ2LFVE40/2ZHP0ToC3ynn/pTtJGfRsV1u2kuorTNNdqJewildtxGUh+k62ZBThWJX99j6natXFUbkZEj2hkvbAPW7MMokduP4+Z5b439Pr5AR1YVbIfR73JO2GxDgeYMQWfx0PpSdCnyEJaOaQY7VdnRW8+p0ZCzfVz6LvhHI9HnbIhLB+2wwJDfn3pDl+ngjcSR1WDY0uVTawA22JzqEU3JgHWT+vqHQBAfMbE9/SwQW/ym+DKaAENi+RZmX3vMm1rACYn+PF4bzOAxZeOmDQmKDtL7RmWAE+lUSy50QtcX7fXULaefYpXWy3261jMhTyeI5IQvHN+ci2vObbM6Wr0D7pY7PAUAhZUfCr6FZKNUyKkb+8w7wgcKC8A1UyB8RRFvsvVS09zMbiciGeOJBlzg9kUR5aW8KTjSstepsRwfyiqdl1oPiV0l/woBFNDov2GfMlaZbSsea0X1GGM8H8ECwRu6NRHi/bXuny8=',
      'rabbitmq-erlang-cookie': 'AgAorANrzl33f77IG+u8DtktBumDsvofwBXalVVhhyQiXUgq0epnVfNeJf9iGPmd+l5xonBU1fWflFt1BQhsINBF4ufhF+/THKBp17BrNSismL2f969Azhk8S3CuHWAFlmTMNElO7IOK631BOY0l4T6ja4N3qnxIyUQO48oKGf5bnSo5vUr7phYqirloEkMpOF0oF5eB90tTehgkLxBICpVF6krJL2AQ7q5BqJbMOyDsRWaapNhP61w+l4aQCS70oPCl2cmJn2yjkKsAtq3bWS8T5MtnMcB45GsCxhadTkPbYgDDhhXobvHN6u7X9oG0NGTUZKtKLdKBt/cRjTUJEIPvnvjcZkuh9BTNy92YUXPkSbcoJpt8rXSK3ouoB63xe48jQv3GMwB4qHdE5a69pLrq0LMr7iqIN0+AN5fM6uvJXyFwy9JlPNwFbrt8UZGfiJXaRWMnPA2g0ojY9Wwvd9s8QELlWSPA9u2TK+PG0M7zdaipMKH6r4MJ6F2pKdOtWtZ/lLt1HFDxKqSCoxqcQMF6zN3eHq/RjA+4cNnUQkN9I5sJRvS1C1JT/2T/yuH0dD9r7zbi17lRvVmu4mBVOIEEKJbTPVRu3koIFREAL6csZhA2FTk8+fm2xpQchzODh1c6SVvh+l1WNHGOyHJhW+e6jZMByCriEE+AfU8nenR/9FlSYoEb5ejbOaLi53t6aZjIshOtOfazoXfxlA9kzLoROCMEP3LIvKIUE3/4bpL5nw==',
      'rabbitmq-secure-password': 'AgAKAodJOgUbHu60+EWd4Ue3g4xZKVUrT3yvz+npIQk9fDXwW+2Ih8x2zXzOQfLniG4qNi2X8foWvREKCpGVhZmq8fOMGErFtXRt6FGXmI9x91KvmhlQXbAv9QbZfp0odNjDzYQMihSb9wIwW1dCjp6/KmODXq8P68EAHyZp54Smgr/NN4jDeYfCPG4hqbu90Ris9k0tLoN/3VBdTLCTTjjY7n/vR11KiuwRRd29iolkgQm+bpdSToQT+dFeIAxxUNVAU8mySlInyG4aoOfI/aKqn3th3sTFh5FqhV3UXK22R9AKCvR2xArsFmZQJDXekmSkPFLsjm2IVD1WTld6E1vQ1yaqxiPes6G7qqTi36gG2yi5jaDYcPufMb0YhthAe9lszQIQZRMy8Kl5iRUtCC4UHHxKCKnz4yCxMpSowcrg7peZz/iJN2pKscOEZbO6/uvFpSwcQl8V+pruhBjVe8KXwzH59C2wgiNLGlksZCnYcuMtwj1/SnSlREAupWR3boHLDnM9wGwmT72v1EptsfwhFWdv523d3E92W1EDSqb1lo9kd1icTK+/hb/hp7W2sCZxL7r2SJsvzDK19rmJg1+Swy5yg+HlCAdGrORQE+swPyQX4I21qP5nTtTnM7dqIiMA+Ct4RDf004G+EDjlVfYnjWJkKTqncjKwEFXfI0NGpVHYLcerGXoIZ+99ZczBa9mGg5I=',
    },
  });

  const config = new kplus.ConfigMap(chart, 'config', {
    metadata: { name: 'rabbitmq-config' },
    data: { 'rabbitmq.conf': RABBITMQ_CONF },
  });

  const rabbitmq = new StatefulApp(chart, 'rabbitmq', {
    name: 'rabbitmq',
    serviceName: HEADLESS,
    image: IMAGE,
    replicas: 3,
    // Clients reach AMQP and the management API; the Erlang ports only the other nodes (cluster
    // peers), which reach each other on those two ports alone (epmd, then the node's dist port).
    ingressFrom: [],
    ports: [
      { name: 'amqp', port: 5672, ingressFrom: [RABBITMQ_CLIENTS] },
      { name: 'epmd', port: 4369 },
      { name: 'dist', port: 25672 },
      { name: 'http-stats', port: 15672, ingressFrom: [RABBITMQ_CLIENTS] },
    ],
    peerPorts: ['epmd', 'dist'],
    metrics: { port: 9419, scraper: RABBITMQ_PROMETHEUS },
    storage: [{ mountPath: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia', size: '8Gi' }],
    // The directories the chart mounts from its emptyDir (the entrypoint writes the merged
    // rabbitmq.conf and enabled_plugins, the Erlang cookie under HOME, logs and state).
    writablePaths: [
      '/tmp',
      '/opt/bitnami/rabbitmq/etc/rabbitmq',
      '/opt/bitnami/rabbitmq/var/lib/rabbitmq',
      '/opt/bitnami/rabbitmq/.rabbitmq',
      '/opt/bitnami/rabbitmq/var/log/rabbitmq',
    ],
    // The plugins directory, writable as in the chart (community plugins are downloaded into it):
    // the init container fills it from the image's own copy, which it reads at the original path.
    writableVolumes: [{ path: '/opt/bitnami/rabbitmq/plugins', sizeLimit: Size.mebibytes(128) }],
    initContainers: [{
      name: 'prepare-plugins-dir',
      image: IMAGE,
      command: ['/bin/bash', '-ec', 'cp -r --preserve=mode /opt/bitnami/rabbitmq/plugins/. /emptydir/app-plugins-dir/'],
      writableVolumes: [{ path: '/emptydir/app-plugins-dir', sharedWith: '/opt/bitnami/rabbitmq/plugins' }],
      resources: {
        cpuResources: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(100) },
        memoryResources: { request: Size.mebibytes(64), limit: Size.mebibytes(64) },
        ephemeralStorageResources: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
      },
    }],
    env: {
      BITNAMI_DEBUG: 'false',
      RABBITMQ_FORCE_BOOT: 'no',
      RABBITMQ_NODE_NAME: `rabbit@$(MY_POD_NAME).${HEADLESS}.$(MY_POD_NAMESPACE).svc.cluster.local`,
      RABBITMQ_MNESIA_DIR: '/opt/bitnami/rabbitmq/.rabbitmq/mnesia/$(RABBITMQ_NODE_NAME)',
      RABBITMQ_LDAP_ENABLE: 'no',
      RABBITMQ_LOGS: '-',
      RABBITMQ_ULIMIT_NOFILES: '65535',
      RABBITMQ_USE_LONGNAME: 'true',
      RABBITMQ_LOAD_DEFINITIONS: 'no',
      RABBITMQ_DEFINITIONS_FILE: '/app/load_definition.json',
      RABBITMQ_USERNAME: USER,
      RABBITMQ_PLUGINS: 'rabbitmq_management, rabbitmq_peer_discovery_k8s, rabbitmq_auth_backend_ldap, rabbitmq_prometheus',
    },
    envVariables: {
      MY_POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP),
      MY_POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
      MY_POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      RABBITMQ_PASSWORD: credentials.envValue('rabbitmq-password'),
      RABBITMQ_ERL_COOKIE: credentials.envValue('rabbitmq-erlang-cookie'),
      RABBITMQ_SECURE_PASSWORD: credentials.envValue('rabbitmq-secure-password'),
    },
    // The chart's rabbitmq.conf, where its entrypoint looks for mounted configuration.
    config: [ConfigAttachment.files(config, { mountPath: '/bitnami/rabbitmq/conf' })],
    // Ready while the node raises no resource alarm; alive while its virtual hosts run (the
    // chart's two checks). Boot and cluster join take minutes: a startup probe instead of the
    // chart's 120 s initial delay.
    healthCheck: HealthCheck.exec(managementCheck('local-alarms'), {
      livenessCommand: managementCheck('virtual-hosts'),
      period: Duration.seconds(30),
      timeout: Duration.seconds(20),
      startupProbe: true,
      startupTimeout: Duration.minutes(10),
    }),
    // The chart's: a node drains its queues' leaders before it stops.
    terminationGracePeriod: Duration.seconds(120),
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpuResources: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(500) },
      memoryResources: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      ephemeralStorageResources: { request: Size.mebibytes(512), limit: Size.mebibytes(512) },
    },
  });

  // The chart's ClusterIP Service `rabbitmq`, the one clients use (`rabbitmq:5672`), with all its ports.
  new SharedService(chart, 'rabbitmq-service', {
    name: 'rabbitmq',
    ports: [
      { name: 'amqp', port: 5672 },
      { name: 'epmd', port: 4369 },
      { name: 'dist', port: 25672 },
      { name: 'http-stats', port: 15672 },
      { name: 'metrics', port: 9419 },
    ],
    members: [rabbitmq],
  });

  return chart;
}

if (require.main === module) {
  const app = new App();
  buildRabbitmq(app);
  app.synth();
}
