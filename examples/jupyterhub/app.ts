import * as path from 'path';
import { App, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  ConfigAttachment, EncryptedConfig, HardenedChart, HealthCheck, NamespaceRole, NetworkPeer, RbacRisk, RolloutStrategy,
  SealingCertificate, SecureApp, SharedService, SpawnedPods, Subject, WorkloadClass,
} from '../../src';

/**
 * JupyterHub as the Zero to JupyterHub Helm chart deploys it (jupyterhub/zero-to-jupyterhub-k8s,
 * chart jupyterhub/ at 48ea50e34daddde55d76e30df6ecd47e4abd4d8e), rendered by hand with release
 * name and namespace `jupyterhub` and the values listed in README.md: the hub (JupyterHub with
 * KubeSpawner) and the proxy (configurable-http-proxy). Images, container ports, env names,
 * Service names and ports are the chart's, so the hub still calls `http://proxy-api:8001`, the
 * proxy `http://hub:8081`, and users' servers `http://hub:8081/hub/api`.
 */

/** The namespace, also the chart's release name (the `release` label of every pod). */
export const JUPYTERHUB_NAMESPACE = 'jupyterhub';

/** The host users open (the chart's `ingress.hosts[0]` in README.md's values). */
export const JUPYTERHUB_HOST = 'jupyter.example.com';

/** The cluster's ingress controller pods, the only peer that may reach the proxy's public port. */
export const JUPYTERHUB_INGRESS_CONTROLLER = NetworkPeer.pods({ 'app.kubernetes.io/name': 'ingress-nginx' }, { namespace: 'ingress-nginx' });

/** The cluster's Prometheus (prometheus-operator), which scrapes the hub's /hub/metrics on its API port. */
export const JUPYTERHUB_PROMETHEUS = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, { namespace: 'monitoring' });

/**
 * The API server endpoint the hub's KubeSpawner calls (`kubectl get endpointslices -n default -l
 * kubernetes.io/service-name=kubernetes`): the example cluster's, ports 443 and 6443. Set yours.
 */
export const JUPYTERHUB_API_SERVER = NetworkPeer.apiServer('10.0.0.10');

/**
 * The labels KubeSpawner puts on every user server pod with the chart's configuration:
 * `component: singleuser-server` (KubeSpawner's component label) and the chart's common labels
 * `app` and `release`; the chart's NetworkPolicies select user pods by exactly these.
 */
export const SINGLEUSER_POD_LABELS = { component: 'singleuser-server', app: 'jupyterhub', release: JUPYTERHUB_NAMESPACE };

/** The user servers' own egress to the internet: not the cluster's private ranges, nor the cloud metadata server. */
export const SINGLEUSER_INTERNET = NetworkPeer.ipBlock('0.0.0.0/0', { except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.169.254/32'] });

/** The chart's hub image (tag: the chart release 4.4.0, whose JupyterHub is Chart.yaml's appVersion 5.5.0). */
const HUB_IMAGE = 'quay.io/jupyterhub/k8s-hub:4.4.0';
/** The chart's proxy image (values.yaml `proxy.chp.image`). */
const PROXY_IMAGE = 'quay.io/jupyterhub/configurable-http-proxy:5.3.0';
/** The user server image KubeSpawner starts (values.yaml `singleuser.image`, same release). */
const SINGLEUSER_IMAGE = 'quay.io/jupyterhub/k8s-singleuser-sample:4.4.0';
/** Where the chart mounts the hub's Secret, read by jupyterhub_config.py. */
const SECRET_DIR = '/usr/local/etc/jupyterhub/secret';
/** Where the chart mounts the hub's ConfigMap as a directory. */
const CONFIG_DIR = '/usr/local/etc/jupyterhub/config';

/**
 * The hub's configuration: the chart's defaults for these values, written for this port (the
 * chart's own jupyterhub_config.py reads its values.yaml through z2jh.py; here the few settings
 * are written out). KubeSpawner's user pods must pass Pod Security `restricted` (the namespace
 * enforces it), so their security context says so, and the chart's iptables init container that
 * blocks the cloud metadata server (NET_ADMIN, root) is replaced by the user pods' NetworkPolicy.
 */
const JUPYTERHUB_CONFIG = `import os

c = get_config()  # noqa: F821


def secret(key):
    with open(os.path.join("${SECRET_DIR}", key)) as f:
        return f.read().strip()


# The hub listens on 8081 in the pod; the proxy and users' servers reach it as the Service hub.
c.JupyterHub.hub_bind_url = "http://:8081"
c.JupyterHub.hub_connect_url = "http://hub:8081"

# The proxy runs in its own pod; the hub manages its routes through the Service proxy-api.
# The token comes from CONFIGPROXY_AUTH_TOKEN (the hub's env, from the Secret hub).
c.ConfigurableHTTPProxy.api_url = "http://proxy-api:8001"
c.ConfigurableHTTPProxy.should_start = False

# Sessions and encrypted auth state survive restarts: the keys come from the Secret hub
# (the hub refuses a cookie secret file that others may read: it is mounted 0440).
c.JupyterHub.cookie_secret_file = os.path.join("${SECRET_DIR}", "hub.config.JupyterHub.cookie_secret")
c.CryptKeeper.keys = secret("hub.config.CryptKeeper.keys").split(";")

# The database on the hub-db-dir volume (hub.db.type sqlite-pvc).
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"

# hub.config: the chart's default authenticator (for trials; see README.md).
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.admin_access = True
c.JupyterHub.concurrent_spawn_limit = 64
c.Spawner.consecutive_failure_limit = 5
# /hub/metrics for the cluster's Prometheus (only it and the hub's callers reach port 8081).
c.JupyterHub.authenticate_prometheus = False

# Users' servers: one pod and one 10Gi PVC per user in this namespace.
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.KubeSpawner.namespace = os.environ["POD_NAMESPACE"]
release = os.environ["HELM_RELEASE_NAME"]
c.KubeSpawner.common_labels = {
    "app": "jupyterhub",
    "release": release,
    "app.kubernetes.io/name": "jupyterhub",
    "app.kubernetes.io/instance": release,
    "app.kubernetes.io/managed-by": "kubespawner",
}
c.KubeSpawner.extra_labels = {"hub.jupyter.org/network-access-hub": "true"}
c.KubeSpawner.image = "${SINGLEUSER_IMAGE}"
c.KubeSpawner.port = 8888
c.KubeSpawner.cmd = ["jupyterhub-singleuser"]
c.KubeSpawner.start_timeout = 300
c.KubeSpawner.events_enabled = True
c.KubeSpawner.mem_guarantee = "1G"
c.KubeSpawner.uid = 1000
c.KubeSpawner.fs_gid = 100
c.KubeSpawner.allow_privilege_escalation = False
c.KubeSpawner.pod_security_context = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
c.KubeSpawner.container_security_context = {"capabilities": {"drop": ["ALL"]}}
c.KubeSpawner.storage_pvc_ensure = True
c.KubeSpawner.storage_capacity = "10Gi"
c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
c.KubeSpawner.volumes = [{"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
c.KubeSpawner.volume_mounts = [{"name": "volume-{user_server}", "mountPath": "/home/jovyan"}]

# Users' servers keep running while the hub restarts (a Recreate rollout stops the hub first).
c.JupyterHub.cleanup_servers = False

# cull: stop servers idle for an hour, checked every 10 minutes (a hub-managed service with
# only the scopes it needs; it calls the hub on localhost).
c.JupyterHub.services = [{
    "name": "jupyterhub-idle-culler",
    "command": ["python3", "-m", "jupyterhub_idle_culler", "--url=http://localhost:8081/hub/api",
                "--timeout=3600", "--cull-every=600", "--concurrency=10"],
}]
c.JupyterHub.load_roles = [{
    "name": "jupyterhub-idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["jupyterhub-idle-culler"],
}]
`;

/**
 * Builds JupyterHub into a HardenedChart with the namespace `jupyterhub` (created by the chart).
 * @returns the chart
 */
export function buildJupyterhub(app: App, id = 'jupyterhub'): HardenedChart {
  const chart = new HardenedChart(app, id, { namespace: JUPYTERHUB_NAMESPACE, createNamespace: true });

  // The chart generates the proxy's auth token (64 letters and digits), the cookie secret and the
  // CryptKeeper key (64 hex digits each) at install; here they were generated once and sealed
  // offline, never written down (`... | cdk8s-hardened seal --cert certs/sealed-secrets-demo.pem
  // --namespace jupyterhub --name hub`): stable ciphertext, no plain text in code or output.
  // The keys are the chart's, so the proxy reads the same token the hub presents.
  const secret = new EncryptedConfig(chart, 'hub-secret', {
    name: 'hub',
    certificate: SealingCertificate.fromFile(path.join(__dirname, '..', '..', 'certs', 'sealed-secrets-demo.pem')),
    sealedValues: {
      'hub.config.ConfigurableHTTPProxy.auth_token': 'AgA4Q2W2TsuIEdqiLzrJeSL4ds9NlVhtL6DZVGitPwUYf4DXxIEmjeoMNkFKrRtRNl73ptpTJ9aB6vyLe4WD/LZY3xOKPrVhngE+yz/9nNO3Y5GdgQgo79M7E8ta56X+d9iq7AzOB751V7JG9130r2cwFWmEgGPsjmlah7B0X7ANSruUdGFM/dUsc5tCJlmO8bKRRkoB+bnx7gY5An/vVcrlo5+SpI5HKuBy2Zu4jYa5QN3R6Z4fVGbVQIt/BAvzP46UJa1Le7DqCBkVpn0sZ5CrW7rxBkH7EPNIZoqWkcjKKmvxrHnIyLGBZ2oXRFInFhW/5FUbcv18HJYWNZNU7mJY38m/W+I6jI8DgRgVa6nzLnDw69WwUuGaDi6kS7ELhfc50dcJpaMw8jtc7roU4hHlFod3v8CQHBU+JR2mzEKaKD4HKa8qNsLPyxN+augMmCHpJf7nc7WXnbxP/QsG5w+Hz/soWViiFZeQ+M4GAgxWAvJMLWYv4gLx+5p9H04h7JaTO7dzwnt+bsKPDS4oDjQ/JszqeMIEaaslWdjSGwiRKboxYxyV3frgBmdrmpc9TUiy40OY8NEmGjEfu08VAHG3+7c8aeLmtENGkfT4W/f4uBMg8h/cqEULSGlIqYrPVwKnngWeVze47W0PKpJ/UBQFYCr5KHazrLyTJARgr/qenVrMIbcbSYk7tG6YMzXJrxhsy38gPP/771URw/FbCAOn7M1FuykOyYTL4WV8oaXNPA2pZhZ9eIy7lhetHIKRaLO1yVI/3M8qp0JXyV1brVl0',
      'hub.config.JupyterHub.cookie_secret': 'AgAfS3fjGZCbXwZiS7MGzBkNxF6ZBSf0XQvZ6FiKu9VWQUvYR+IPg8bFZg+QGBkSTXLhLuFTjcp9mLRm4YpaL4AH9KNyAZdGjaDNLNzP7i4H19OqArBN5uAAeaXe4qa1zbIMKwQph5aIR2yWfQfBfp6FE2s+fITk8x8v93yeVCPBkOlvatZwOl/OzpZS23iGenbXP4+sQ2MkHc1jNvtVnHWUBl8dcLRtgF7ojli0eE+9R2zVxPWTGsBlYuhK64LaTmSA9AmM6CONunhE8K+IxxyEwHbbhVa95lHDw+/YFDYQqutxpGWunnf5KZWFdvhvYbL5jKrGzzrXzKhYlBjcRpQ65yPyn/4u68TVVkZj0+la7gH/tyD2z90jDVNwIh+tTWaREYs+OaEPMlPmnvofpzXe3aTFDP8vthGYf+w8aj5ZeqSLEX5NrL+yhwiDH+EWhLTYbxXqAoWvDA6PGXNx6GR0U7yT3rfgDwmtE73gl7fpWZybPFU3XaL1A2PvDkJErOi6tua5EraCzhVxazdWuLP03ghLL+fF0K4SY6qcQKykAAG+UnBR7m34/QGxYuSinlI2R3rn39uh5YV84r8Cu3XNYIjX99xepEVZG+ITZmGO2OSl8SghKolL2P3TrS6xg50UA/TYbuNHBvUWclMwzlWI+ZL9aH1XoWJEdzfGoDmI9vhvdFWgl8cuNpI6pArB4JsM1c4bRk3TNRps2WV7Ionk76vTmjQKwFCwnMTHQY1jvpIedHz4TpqHb4/aPZQE3E21b6DsW4OK3KULOmzJk7o+',
      'hub.config.CryptKeeper.keys': 'AgAFAfQOFryVAtJ+eKquM/6UOTQ7rKMm7mKkwmQep48T5UCzzf91NTIP4jGuwW4tCy431dE4Clv9eoMwGQMOF2Ga4sCkz0lyE1vFx8+grnUd+TAysoFP5TMoslALC7SiXDM2XF4KKbNFe0UoHgFieaWS5pZTL2wNNe0wrGQH0p1nEN3+B1wOZhL+OxxX/7Z2EWbqrF6sf10dcEOt2cqx7oHajjfPiJw9hZXhv9FxNqc5HWeI5/HoAbk3PksPTX+u8gYhtUt19BMDkiZuVyK85GgFHqj2f3yhg4YTUpdRdmNz9HK9nHdf5Y+khWVB/jj5PIg8g509JpGHgGLs8H6Fq6stN8sstzON8ERtKwLbQMev5TbyhK/W5ueNPFZeEaPv1yL642HU4QL82lZ2Jp3k1Lbvd9rUQLwmIVjE9BPfNH8EVAJlStPpGArsD4rocA0KI9UASiVl92NtSe6WSh0bczXCU3x4uoE8Z6rCKDN+OdZbYG5EKQKXo0D+DAoLUNkoebh29ctpDB0Eb9KUKv32zT40e+mV63BAnPx/DzzCzWf+Sog8PAe8P9xbgkKMAHVMuA6V23LVc+2oUH9sexR17cznRyG+Wl3WAioopMMPvfugbPaSvsTjb1drBEOpbbs1ZmKN6iI3UyDBO1NqwWORqTuY/TGGIavD/lcp2fUow1dmq7MtLdYfKGlO/rS4lZVcYAFvkir9+xBKoVpt/d7zlNArEP7CG8bGoegW/gVTAClNB9p+wtwhc0k5Vzfn9ZW0/s9NCcBZ1b1QKgAR2ooVJjp3',
    },
  });
  const config = new kplus.ConfigMap(chart, 'hub-config', {
    metadata: { name: 'hub' },
    data: { 'jupyterhub_config.py': JUPYTERHUB_CONFIG },
  });

  // ---- the hub: one replica (JupyterHub cannot run two), its sqlite database on the chart's
  // hub-db-dir volume (ReadWriteOnce: the rollout is Recreate, as in the chart).
  const hub = new SecureApp(chart, 'hub', {
    name: 'hub',
    image: HUB_IMAGE,
    args: ['jupyterhub', '--config', `${CONFIG_DIR}/jupyterhub_config.py`, '--upgrade-db'],
    port: 8081,
    autoscaling: { enabled: false },
    replicas: 1,
    ingressFrom: [], // only the callers declared below
    storage: [{ name: 'db-dir', mountPath: '/srv/jupyterhub', size: '1Gi' }],
    writablePaths: ['/tmp'],
    config: [
      ConfigAttachment.files(config, { mountPath: CONFIG_DIR }),
      ConfigAttachment.files(secret, { mountPath: SECRET_DIR }),
    ],
    env: { PYTHONUNBUFFERED: '1', HELM_RELEASE_NAME: JUPYTERHUB_NAMESPACE },
    envVariables: {
      POD_NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
      CONFIGPROXY_AUTH_TOKEN: secret.envValue('hub.config.ConfigurableHTTPProxy.auth_token'),
    },
    // Ready when /hub/health answers; alive while it accepts connections on 8081 (its one health
    // endpoint is the readiness check). A database upgrade at start may take minutes (the chart
    // waits 300 s before liveness): a startup probe of up to 5 minutes instead.
    healthCheck: HealthCheck.http('/hub/health', { liveness: HealthCheck.tcp(), startupProbe: true, startupTimeout: Duration.minutes(5) }),
    // /hub/metrics on the API port (the chart's prometheus.io annotations): a ServiceMonitor, and
    // Prometheus let in on 8081 beside the hub's callers.
    metrics: { port: 8081, path: '/hub/metrics', scraper: JUPYTERHUB_PROMETHEUS },
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpuResources: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(500) },
      memoryResources: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      ephemeralStorageResources: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
    },
  });

  // ---- the hub's Role (templates/hub/rbac.yaml): KubeSpawner manages users' servers through
  // the API. Each risk the library flags is the hub's job, acknowledged with the reason.
  new NamespaceRole(chart, 'hub-role', {
    name: 'hub',
    rules: [
      { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'secrets', 'services'], verbs: ['get', 'watch', 'list', 'create', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'watch', 'list'] },
    ],
    subjects: [Subject.fromApp(hub)],
    acknowledge: [
      { ruleId: RbacRisk.WORKLOADS, reason: 'KubeSpawner in the hub creates (and deletes) one pod per user server in this namespace' },
      { ruleId: RbacRisk.SECRETS, reason: 'KubeSpawner in the hub reads and watches the per-user Secrets of the user servers it spawns (their internal TLS certificates)' },
      { ruleId: RbacRisk.TOKEN, reason: 'KubeSpawner in the hub creates (and deletes) a per-user Secret for each user server it spawns' },
    ],
  });
  hub.connections.allowTo(JUPYTERHUB_API_SERVER);

  // ---- the proxy: one replica (the hub keeps one routing table in it), Recreate as in the chart.
  const proxy = new SecureApp(chart, 'proxy', {
    name: 'proxy',
    image: PROXY_IMAGE,
    command: ['configurable-http-proxy'],
    args: [
      '--ip=',
      '--api-ip=',
      '--api-port=8001',
      '--default-target=http://hub:8081',
      '--error-target=http://hub:8081/hub/error',
      '--port=8000',
    ],
    ports: [{ name: 'http', port: 8000, servicePort: 80 }, { name: 'api', port: 8001 }],
    autoscaling: { enabled: false },
    replicas: 1,
    rolloutStrategy: RolloutStrategy.RECREATE,
    ingressFrom: [],
    envVariables: { CONFIGPROXY_AUTH_TOKEN: secret.envValue('hub.config.ConfigurableHTTPProxy.auth_token') },
    // Ready when /_chp_healthz answers; alive while it accepts connections on 8000.
    healthCheck: HealthCheck.http('/_chp_healthz', { liveness: HealthCheck.tcp() }),
    terminationGracePeriod: Duration.seconds(60),
    workloadClass: WorkloadClass.CRITICAL,
    resources: {
      cpuResources: { request: kplus.Cpu.millis(200), limit: kplus.Cpu.millis(200) },
      memoryResources: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
      ephemeralStorageResources: { request: Size.mebibytes(64), limit: Size.mebibytes(64) },
    },
  });
  // The chart's two Services in front of the proxy: users' traffic and the hub's route API.
  new SharedService(chart, 'proxy-public', { name: 'proxy-public', ports: [{ name: 'http', port: 80 }], members: [proxy] });
  new SharedService(chart, 'proxy-api', { name: 'proxy-api', ports: [{ name: 'api', port: 8001 }], members: [proxy] });
  proxy.exposeViaIngress({ host: JUPYTERHUB_HOST, className: 'nginx', controller: JUPYTERHUB_INGRESS_CONTROLLER });

  // ---- users' servers: pods KubeSpawner in the hub creates at runtime, selected by the labels it
  // puts on them (the chart's singleuser NetworkPolicy): default-deny, DNS, and the calls below.
  const users = new SpawnedPods(chart, 'singleuser', {
    name: 'singleuser',
    selector: SINGLEUSER_POD_LABELS,
    spawnedBy: hub,
    reason: 'KubeSpawner in the hub creates one pod per user server',
    ports: [{ name: 'http', port: 8888 }], // c.KubeSpawner.port
  });

  // ---- who calls whom (the chart's NetworkPolicies, minus their egress to anywhere).
  hub.connections.allowTo(proxy, { portName: 'api' }); // route API
  proxy.connections.allowTo(hub); // default target: login, spawn pages, the hub's API
  hub.connections.allowTo(users, { port: 8888 }); // spawn checks, stop
  proxy.connections.allowTo(users, { port: 8888 }); // users' traffic
  users.connections.allowTo(hub, { port: 8081 }); // jupyterhub-singleuser: auth, activity
  users.connections.allowTo(proxy, { port: 8000 }); // user code calling proxy-public (the chart allows it)
  users.connections.allowTo(SINGLEUSER_INTERNET); // pip, git, datasets: the internet, not the cluster

  return chart;
}

if (require.main === module) {
  const app = new App();
  buildJupyterhub(app);
  app.synth();
}
