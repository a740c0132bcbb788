import * as path from 'path';
import { App, Duration } from 'cdk8s';
import {
  Capability, EncryptedConfig, HardenedChart, HealthCheck, NetworkPeer, SealingCertificate, SecureApp, StatefulApp, WorkloadClass,
} from '../../src';

/**
 * Sock Shop (Weaveworks microservices-demo, deploy/kubernetes/complete-demo.yaml), as the
 * platform team would write it with this library. Images, container ports, env names, Service
 * names and ports are the original's, so the services still find each other by DNS
 * (`carts-db:27017`, `http://catalogue`, ...). See README.md beside this file for what changed.
 */

/** The cluster's ingress controller pods, the only peer that may reach front-end from outside. */
export const SOCK_SHOP_INGRESS_CONTROLLER = NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, { namespace: 'ingress-nginx' });

/** The cluster's Prometheus, which scrapes the RabbitMQ exporter (the original's prometheus.io annotations). */
export const SOCK_SHOP_PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/** The original's JVM options of the Spring Boot services (carts, orders, queue-master, shipping). */
const JAVA_OPTS = '-Xms64m -Xmx128m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom -Dspring.zipkin.enabled=false';

/**
 * The weaveworksdemos images have one health endpoint: ready when it answers, alive while the
 * port accepts connections (a slow database behind /health takes the pod out of the Service
 * without restarting it).
 */
const webHealth = (path: string) => HealthCheck.http(path, { liveness: HealthCheck.tcp() });

/** Spring Boot 1.x starts in minutes on a small CPU limit: the original waited 300 s before liveness. */
const springHealth = () => HealthCheck.http('/health', { liveness: HealthCheck.tcp(), startupProbe: true, startupTimeoutSeconds: 300 });


/**
 * Builds Sock Shop into a HardenedChart with the namespace `sock-shop` (created by the chart).
 * @returns the chart
 */
export function buildSockShop(app: App, id = 'sock-shop'): HardenedChart {
  const chart = new HardenedChart(app, id, { namespace: 'sock-shop', createNamespace: true });

  // ---- databases: StatefulApps with a volume per replica (the original ran them as
  // Deployments on the container's writable layer, so a restart lost every cart and order).
  const mongo = (name: string, image: string) => new StatefulApp(chart, name, {
    name,
    image,
    ports: [{ name: 'mongo', port: 27017 }],
    replicas: 1,
    peering: false, // one replica: it calls no other member
    ingressFrom: [], // only the callers below (connections.allowTo)
    storage: [{ mountPath: '/data/db', size: '5Gi' }],
    writablePaths: ['/tmp', '/data/configdb'],
    // Ready when it accepts writes (isMaster); alive while it answers a ping.
    healthCheck: HealthCheck.exec(['mongo', '--quiet', '--eval', 'quit(db.isMaster().ismaster ? 0 : 1)'], {
      livenessCommand: ['mongo', '--quiet', '--eval', 'quit(db.adminCommand("ping").ok ? 0 : 1)'],
    }),
    workloadClass: WorkloadClass.CRITICAL,
    resources: { cpu: { request: '500m', limit: '500m' }, memory: { request: '512Mi', limit: '512Mi' } },
  });
  const cartsDb = mongo('carts-db', 'mongo:3.4.24');
  const ordersDb = mongo('orders-db', 'mongo:3.4.24');
  const userDb = mongo('user-db', 'weaveworksdemos/user-db:0.3.0');

  // The catalogue's default DSN (root:<password>@tcp(catalogue-db:3306)/socksdb) is built into
  // its image, so the root password must stay the original's demo value. It is sealed offline
  // (`printf '%s' "$PASSWORD" | cdk8s-hardened seal --cert certs/sealed-secrets-demo.pem
  // --namespace sock-shop --name catalogue-db-credentials`): stable ciphertext, no plain text.
  const catalogueDbCredentials = new EncryptedConfig(chart, 'catalogue-db-credentials', {
    name: 'catalogue-db-credentials',
    certificate: SealingCertificate.fromFile(path.join(__dirname, '..', '..', 'certs', 'sealed-secrets-demo.pem')),
    sealedValues: {
      MYSQL_ROOT_PASSWORD: 'AgCJSwCN0dujnp4KVjk1RO5ehSX/a2A0EurrlX+qW3BL9YA+DgCVW8xmYYvOy95G/gMkXbauR7cDKA/H7ow2p4n74W7eaklpxYUNNgkN1zf0zX1a6xAxaZ0Byb2q/8LL9p4fi+p34FYcREQ60PO01EAPn8w77WlmO9nofUvvEChThv13ZhEgrlwlV+YJXeuaPR3xRtE3LNJgYO4/588b6C8QhrbPhQx05+LOk+LeQDH3DuXnyPEqvYWlj+FSNUw/l4H4RNRL2v+6pd1jtDcvlMWWaZ7313lGDApjmAsf0HudRYgYqf4OI5suKhyUhX5nin4VmqweT++5ac302vDohSwSJqBCOT5cJgiMgIP26puESIAMPf/EFzOSKXpijjf//QxOmOlvrV1SSANHuDMqv7rzzIxKKOloXDNmRD34HhZ7MUyUysDg7insEtyD5Zlw4Z23gTa1mFLaVe0fRNGBWPdiyKlZPBAwreHkjv2zGviSQG1jj5LBtVSetd1OWLubra8qJDcOzzUgn/1ZOH2tohjc6kBFzOlk3/9X1uts2RR2/LYB+3I2FHhTwWe4B/DjCBAO7U1ZR9efWVeEr4sZ65phptfSNvWsENxYWcUt8A2BwyPo45JG8KfA/y4c3dF/hm9DnP9tZFaKNsmiO7lE3KsxQgMG4NaD1WHMgIYvrmwG8XQ5EiK0Muulw23gI5PR1jve0dY8HOwgMQFZqsXS',
    },
  });
  const catalogueDb = new StatefulApp(chart, 'catalogue-db', {
    name: 'catalogue-db',
    image: 'weaveworksdemos/catalogue-db:0.3.0',
    ports: [{ name: 'mysql', port: 3306 }],
    replicas: 1,
    peering: false,
    ingressFrom: [],
    env: { MYSQL_DATABASE: 'socksdb' },
    envVariables: { MYSQL_ROOT_PASSWORD: catalogueDbCredentials.envValue('MYSQL_ROOT_PASSWORD') },
    storage: [{ mountPath: '/var/lib/mysql', size: '5Gi' }],
    writablePaths: ['/tmp', '/var/run/mysqld'],
    // Ready when the catalogue's database is loaded and answers a query; alive while the server answers.
    workloadClass: WorkloadClass.CRITICAL,
    healthCheck: HealthCheck.exec(['sh', '-c', 'mysql --host 127.0.0.1 --user root --password="$MYSQL_ROOT_PASSWORD" --execute "SELECT 1" socksdb'], {
      livenessCommand: ['mysqladmin', 'ping', '--host', '127.0.0.1'],
    }),
    resources: { cpu: { request: '500m', limit: '500m' }, memory: { request: '512Mi', limit: '512Mi' } },
  });

  // ---- stores without persistence in the original: the session cache and the message queue.
  const sessionDb = new SecureApp(chart, 'session-db', {
    name: 'session-db',
    image: 'redis:alpine',
    port: 6379,
    replicas: 1,
    autoscaling: { enabled: false },
    ingressFrom: [],
    workloadClass: WorkloadClass.STANDARD,
    writablePaths: ['/data'],
    // Ready once the dataset is loaded (PONG, not LOADING); alive while it answers at all.
    healthCheck: HealthCheck.exec(['sh', '-c', 'redis-cli ping | grep -q PONG'], { livenessCommand: ['redis-cli', 'ping'] }),
    resources: { cpu: { request: '50m', limit: '200m' }, memory: { request: '64Mi', limit: '128Mi' } },
  });

  const rabbitmq = new SecureApp(chart, 'rabbitmq', {
    name: 'rabbitmq',
    image: 'rabbitmq:3.6.8-management',
    ports: [{ name: 'rabbitmq', port: 5672 }],
    replicas: 1,
    autoscaling: { enabled: false },
    ingressFrom: [],
    workloadClass: WorkloadClass.STANDARD,
    writablePaths: ['/tmp', '/var/lib/rabbitmq', '/var/log/rabbitmq'],
    // Ready when the node passes its health check (alarms, listeners); alive while it reports status.
    healthCheck: HealthCheck.exec(['rabbitmqctl', 'node_health_check'], { livenessCommand: ['rabbitmqctl', 'status'] }),
    resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
    sidecars: [{
      name: 'rabbitmq-exporter',
      image: 'kbudde/rabbitmq-exporter:v0.29.0',
      // The original's port name; metrics below scrapes this sidecar on it.
      ports: [{ name: 'exporter', port: 9090 }],
      // v0.29.0 (main.go) serves a static page on / and /metrics, which queries RabbitMQ's API on
      // every request: ready when its HTTP server answers /, alive while 9090 accepts connections.
      healthCheck: HealthCheck.http('/', { liveness: HealthCheck.tcp() }),
      resources: { cpu: { request: '10m', limit: '100m' }, memory: { request: '16Mi', limit: '64Mi' } },
    }],
    metrics: { port: 9090, scraper: SOCK_SHOP_PROMETHEUS },
  });

  // ---- the services (weaveworksdemos images run as uid 10001, as in the original).
  const service = (name: string, image: string, extra: Partial<ConstructorParameters<typeof SecureApp>[2]>) => new SecureApp(chart, name, {
    name,
    image,
    port: 80,
    runAsUser: 10001,
    runAsGroup: 10001,
    // Port 80 as uid 10001: the original adds NET_BIND_SERVICE (the Go binaries carry the file
    // capability cap_net_bind_service+ep and fail to exec without it). front-end listens on 8079.
    capabilities: (extra.port ?? 80) < 1024 ? [Capability.NET_BIND_SERVICE] : undefined,
    workloadClass: WorkloadClass.STANDARD,
    ingressFrom: [], // only the callers declared at the end
    ...extra,
  });
  const java = { env: { JAVA_OPTS }, writablePaths: ['/tmp'], healthCheck: springHealth(), resources: { cpu: { request: '100m', limit: '300m' }, memory: { request: '300Mi', limit: '500Mi' } } };

  const carts = service('carts', 'weaveworksdemos/carts:0.4.8', java);
  const orders = service('orders', 'weaveworksdemos/orders:0.4.7', java);
  const shipping = service('shipping', 'weaveworksdemos/shipping:0.4.8', { ...java, env: { ZIPKIN: 'zipkin.jaeger.svc.cluster.local', JAVA_OPTS } });
  const queueMaster = service('queue-master', 'weaveworksdemos/queue-master:0.3.1', java);
  const catalogue = service('catalogue', 'weaveworksdemos/catalogue:0.3.5', {
    command: ['/app'],
    args: ['-port=80'],
    healthCheck: webHealth('/health'),
    resources: { cpu: { request: '100m', limit: '200m' }, memory: { request: '100Mi', limit: '200Mi' } },
  });
  const payment = service('payment', 'weaveworksdemos/payment:0.4.3', {
    healthCheck: webHealth('/health'),
    resources: { cpu: { request: '100m', limit: '200m' }, memory: { request: '100Mi', limit: '200Mi' } },
  });
  const user = service('user', 'weaveworksdemos/user:0.4.7', {
    env: { mongo: 'user-db:27017' },
    healthCheck: webHealth('/health'),
    resources: { cpu: { request: '100m', limit: '300m' }, memory: { request: '100Mi', limit: '200Mi' } },
  });
  const frontEnd = service('front-end', 'weaveworksdemos/front-end:0.3.12', {
    port: 8079,
    servicePort: 80,
    env: { SESSION_REDIS: 'true' },
    healthCheck: webHealth('/'),
    terminationGracePeriod: Duration.seconds(30),
    resources: { cpu: { request: '100m', limit: '300m' }, memory: { request: '300Mi', limit: '1000Mi' } },
  });
  // The original published front-end on NodePort 30001; here the cluster's ingress controller does.
  frontEnd.exposeViaIngress({ host: 'socks.example.com', className: 'nginx', controller: SOCK_SHOP_INGRESS_CONTROLLER });

  // ---- who calls whom (front-end's endpoints in its api/ folder, orders' and shipping's
  // Spring configuration, the databases each service's DSN names).
  for (const backend of [catalogue, carts, orders, user, sessionDb]) frontEnd.connections.allowTo(backend);
  for (const backend of [carts, user, payment, shipping, ordersDb]) orders.connections.allowTo(backend);
  carts.connections.allowTo(cartsDb);
  catalogue.connections.allowTo(catalogueDb);
  user.connections.allowTo(userDb);
  shipping.connections.allowTo(rabbitmq);
  queueMaster.connections.allowTo(rabbitmq);

  return chart;
}

if (require.main === module) {
  const app = new App();
  buildSockShop(app);
  app.synth();
}
