import { App, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { HardenedChart, HealthCheck, NetworkPeer, SecureApp, Worker, WorkloadClass } from '../../src';

/**
 * Emojivoto (BuoyantIO/emojivoto, kustomize/deployment/), as the platform team would write it
 * with this library. Images, container ports, env names, Service names and ports are the
 * original's, so the services still find each other by DNS (`emoji-svc.emojivoto:8080`,
 * `voting-svc.emojivoto:8080`, `web-svc.emojivoto:80`). See README.md beside this file.
 */

/** The cluster's ingress controller pods, the only peer that may reach web-svc from outside the app. */
export const EMOJIVOTO_INGRESS_CONTROLLER = NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, { namespace: 'ingress-nginx' });

/** The cluster's Prometheus, which scrapes the gRPC services' `prom` port (8801, /metrics). */
export const EMOJIVOTO_PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/**
 * Readiness of a gRPC service: a real call, made with the image's curl over HTTP/2 (the servers
 * do not register grpc.health.v1, so the kubelet's gRPC probe would get Unimplemented). A unary
 * call that succeeds answers with a length-prefixed message (at least 5 bytes); a failed one with
 * headers only, so no bytes.
 */
const grpcCall = (method: string) => ['sh', '-c',
  'test "$(head -c 5 /dev/zero | curl -sf --http2-prior-knowledge --max-time 1 -H "content-type: application/grpc" -H "te: trailers" '
  + `--data-binary @- http://127.0.0.1:8080/${method} | wc -c)" -ge 5`];


/**
 * Builds Emojivoto into a HardenedChart with the namespace `emojivoto` (created by the chart).
 * @returns the chart
 */
export function buildEmojivoto(app: App, id = 'emojivoto'): HardenedChart {
  const chart = new HardenedChart(app, id, { namespace: 'emojivoto', createNamespace: true });
  // The original's pod labels (`app`, `version`), kept beside the library's app.kubernetes.io/* ones
  // so the upstream docs' `kubectl get pods -l app=web-svc` still find the pods.
  const podLabels = (app: string) => ({ app, version: 'v11' });
  const small = {
    cpuResources: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memoryResources: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
  };

  // ---- the gRPC services: gRPC on 8080 (GRPC_PORT), Prometheus metrics on 8801 (PROM_PORT).
  // The images run as root in the original; their Go binaries need no uid, no writable path.
  // The construct id is the container's name (`emoji-svc`); the Deployment and ServiceAccount are
  // `name` (`emoji`), the Service `serviceName` (`emoji-svc`), as in the original.
  const grpcService = (name: string, serviceName: string, image: string, method: string, extra: { replicas?: number }) => new SecureApp(chart, serviceName, {
    name,
    serviceName,
    image,
    ports: [{ name: 'grpc', port: 8080 }],
    podLabels: podLabels(serviceName),
    env: { GRPC_PORT: '8080', PROM_PORT: '8801' },
    // The original's port name `prom`, on the container and the Service.
    metrics: { port: 8801, portName: 'prom', scraper: EMOJIVOTO_PROMETHEUS },
    ingressFrom: [], // only web (connections below)
    // Ready when a real gRPC call succeeds; alive while the process's own Prometheus endpoint
    // answers (a kubelet HTTP GET on 8801: same process, no dependency, no fork per check).
    healthCheck: HealthCheck.exec(grpcCall(method), { liveness: HealthCheck.http('/metrics', { port: 8801 }), timeout: Duration.seconds(2) }),
    workloadClass: WorkloadClass.STANDARD,
    resources: small,
    ...(extra.replicas ? { autoscaling: { enabled: false }, replicas: extra.replicas } : {}),
  });
  const emoji = grpcService('emoji', 'emoji-svc', 'docker.l5d.io/buoyantio/emojivoto-emoji-svc:v11', 'emojivoto.v1.EmojiService/ListAll', {});
  // voting keeps the votes in memory: a second replica would hold a second, different poll.
  const voting = grpcService('voting', 'voting-svc', 'docker.l5d.io/buoyantio/emojivoto-voting-svc:v11', 'emojivoto.v1.VotingService/Results', { replicas: 1 });

  // ---- the web front end and REST API: 8080 in the pod, 80 on the Service (as the original).
  const web = new SecureApp(chart, 'web-svc', {
    name: 'web',
    serviceName: 'web-svc',
    image: 'docker.l5d.io/buoyantio/emojivoto-web:v11',
    port: 8080,
    servicePort: 80,
    podLabels: podLabels('web-svc'),
    env: {
      WEB_PORT: '8080',
      EMOJISVC_HOST: 'emoji-svc.emojivoto:8080',
      VOTINGSVC_HOST: 'voting-svc.emojivoto:8080',
      INDEX_BUNDLE: 'dist/index_bundle.js',
    },
    ingressFrom: [], // vote-bot and the ingress controller only
    // Ready when it can list the emoji (a call to emoji-svc); alive while it serves its index page.
    healthCheck: HealthCheck.http('/api/list', { livenessPath: '/' }),
    workloadClass: WorkloadClass.STANDARD,
    resources: small,
  });
  // The original's Service is ClusterIP (its README reaches it with `minikube service`); a platform
  // team publishes it through the cluster's ingress controller, as the repo's training/ Ingress does.
  web.exposeViaIngress({ host: 'emojivoto.example.com', className: 'nginx', controller: EMOJIVOTO_INGRESS_CONTROLLER });

  // ---- vote-bot: the web image's load generator, voting through web-svc once a second. No port.
  const voteBot = new Worker(chart, 'vote-bot', {
    name: 'vote-bot',
    image: 'docker.l5d.io/buoyantio/emojivoto-web:v11',
    command: ['emojivoto-vote-bot'],
    podLabels: podLabels('vote-bot'),
    env: { WEB_HOST: 'web-svc.emojivoto:80' },
    replicas: 1, // one bot, as the original: a second one would double the votes
    writablePaths: ['/tmp'],
    // Ready while web-svc answers (without it the bot cannot vote). Alive while its vote loop makes
    // progress: each round writes a line (a vote or the error), so the bytes PID 1 has written
    // (/proc/1/io wchar) grow; a request hung for ever (its HTTP client has no timeout) stops them.
    healthCheck: HealthCheck.exec(['sh', '-c', 'curl -sf --max-time 1 -o /dev/null "http://$WEB_HOST/api/list"'], {
      livenessCommand: ['sh', '-c', 'now=$(grep ^wchar /proc/1/io) && last=$(cat /tmp/vote-progress 2>/dev/null); echo "$now" > /tmp/vote-progress && [ "$now" != "$last" ]'],
      timeout: Duration.seconds(2),
      livenessPeriod: Duration.seconds(20),
    }),
    workloadClass: WorkloadClass.STANDARD,
    resources: {
      cpuResources: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
      memoryResources: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
    },
  });

  // ---- who calls whom: web's EMOJISVC_HOST and VOTINGSVC_HOST, vote-bot's WEB_HOST.
  web.connections.allowTo(emoji);
  web.connections.allowTo(voting);
  voteBot.connections.allowTo(web);

  return chart;
}

if (require.main === module) {
  const app = new App();
  buildEmojivoto(app);
  app.synth();
}
