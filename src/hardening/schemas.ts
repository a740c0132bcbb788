/*
 * Runtime schemas of the props shared by several constructs and of the nested option structs
 * (see props.ts for the schema language). Each construct's own schema lives next to its props
 * interface and spreads these fields; a prop added to an interface gets its entry here (shared)
 * or in the construct's schema (its own).
 */
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { HealthCheck } from './health-check';
import { NetworkPeer, NetworkProtocol } from './network';
import { ServiceType } from './ports';
import {
  arrayOf, bool, construct, duration, enumOf, Fields, instanceOf, int, labelMap, mapOf, optional, str, struct, withMethods,
} from './props';
import { StorageAccessMode } from './storage';
import { WorkloadClass } from './workload-class';

/** A TCP/UDP port number. */
export const PORT = int(1, 65535);

const PEER_FIX = 'use NetworkPeer.pods(...), NetworkPeer.namespace(...), NetworkPeer.ipBlock(...) or another NetworkPeer factory';
/** A `NetworkPeer` (NetworkPeer-typed props: ingressFrom, egressTo). */
export const NETWORK_PEER = instanceOf(NetworkPeer, 'NetworkPeer', PEER_FIX);
/** An `INetworkPeer`: a NetworkPeer, a workload of this library or a SharedService. */
export const INETWORK_PEER = withMethods(['toNetworkPeer'], 'a network peer (INetworkPeer)', `${PEER_FIX}, or pass a workload of this library`);

/** A HealthCheck. */
export const HEALTH_CHECK = instanceOf(HealthCheck, 'HealthCheck', 'use HealthCheck.http(...), HealthCheck.tcp(), HealthCheck.grpc(...) or HealthCheck.exec(...)');

/** `ResourceRange`: a request and a limit. */
export const RESOURCE_RANGE = struct({
  request: str(),
  limit: str(),
}, 'a ResourceRange { request, limit }');

/** `ContainerResources`. */
export const CONTAINER_RESOURCES = struct({
  cpu: optional(RESOURCE_RANGE),
  memory: optional(RESOURCE_RANGE),
  ephemeralStorage: optional(RESOURCE_RANGE),
  cpuResources: optional(struct({}, 'kplus.CpuResources { request?, limit? }')),
  memoryResources: optional(struct({}, 'kplus.MemoryResources { request?, limit? }')),
  ephemeralStorageResources: optional(struct({}, 'kplus.EphemeralStorageResources { request?, limit? }')),
}, 'ContainerResources');

/** A cdk8s-plus `EnvValue` (envVariables). */
const ENV_VALUES = mapOf(
  instanceOf(kplus.EnvValue, 'kplus.EnvValue', 'use kplus.EnvValue.fromValue/fromConfigMap/fromSecret/fromFieldRef/fromResource, or EncryptedConfig.envValue(key)'));

/** `WritableVolume` (writableVolumes). */
const WRITABLE_VOLUMES = arrayOf(struct({
  path: str(),
  sizeLimit: optional(instanceOf(Size, 'Size', 'use Size.mebibytes(n) or Size.gibibytes(n)')),
  sharedWith: optional(str()),
}, 'a WritableVolume { path, sizeLimit?, sharedWith? }'));

const STRINGS = arrayOf(str());
const ENV = mapOf(str(), (k) => /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k), 'an environment variable name ([-._a-zA-Z][-._a-zA-Z0-9]*)');
const PATHS = arrayOf(str());
/** `capabilities` (the pod builder refuses any but NET_BIND_SERVICE, with the reason). */
const CAPABILITIES = arrayOf(str());

/** `WorkloadPort` (a workload's `ports`, a sidecar's `ports`). */
const WORKLOAD_PORT_FIELDS = struct({
  name: str(),
  port: PORT,
  servicePort: optional(PORT),
  protocol: optional(enumOf(NetworkProtocol, 'NetworkProtocol')),
  appProtocol: optional(str()),
  ingressFrom: optional(arrayOf(NETWORK_PEER)),
}, 'WorkloadPort');

/** `ContainerOptions` (initContainers, sidecars). */
export const CONTAINER_OPTIONS = struct({
  name: str(),
  image: str(),
  command: optional(STRINGS),
  args: optional(STRINGS),
  env: optional(ENV),
  resources: optional(CONTAINER_RESOURCES),
  writablePaths: optional(PATHS),
  healthCheck: optional(HEALTH_CHECK),
  mountApiToken: optional(bool),
  envVariables: optional(ENV_VALUES),
  workingDir: optional(str()),
  writableVolumes: optional(WRITABLE_VOLUMES),
  config: optional(arrayOf(construct('a ConfigMap, an EncryptedConfig or a ConfigAttachment', 'attach a kplus.ConfigMap, an EncryptedConfig or ConfigAttachment.env(...)/files(...)'))),
  capabilities: optional(CAPABILITIES),
  ports: optional(arrayOf(WORKLOAD_PORT_FIELDS)),
}, 'ContainerOptions');

/** The fields of `WorkloadProps` (SecureApp, StatefulApp, Worker, BatchJob). */
export const WORKLOAD_FIELDS: Fields = {
  image: str(),
  name: optional(str()),
  command: optional(STRINGS),
  args: optional(STRINGS),
  env: optional(ENV),
  config: optional(arrayOf(construct('a ConfigMap, an EncryptedConfig or a ConfigAttachment', 'attach a kplus.ConfigMap, an EncryptedConfig or ConfigAttachment.env(...)/files(...)'))),
  resources: optional(CONTAINER_RESOURCES),
  writablePaths: optional(PATHS),
  writablePathSizeLimit: optional(str()),
  workloadClass: optional(instanceOf(WorkloadClass, 'WorkloadClass', 'use WorkloadClass.CRITICAL, STANDARD or BATCH')),
  priorityClassName: optional(str()),
  // types only where the pod builder has the specific check and message (ids below 10000,
  // variable names, label keys, taint effects, strategies)
  runAsUser: optional(int(0, 2147483647)),
  runAsGroup: optional(int(0, 2147483647)),
  userIdReason: optional(str()),
  envVariables: optional(ENV_VALUES),
  labels: optional(mapOf(str())),
  podLabels: optional(mapOf(str())),
  podAnnotations: optional(mapOf(str())),
  component: optional(str()),
  terminationGracePeriod: optional(duration()),
  workingDir: optional(str()),
  nodeSelector: optional(mapOf(str())),
  tolerations: optional(arrayOf(struct({
    key: optional(str()),
    value: optional(str()),
    effect: optional(str()),
    tolerationSeconds: optional(duration()),
  }, 'a Toleration { key?, value?, effect?, tolerationSeconds? }'))),
  imagePullSecrets: optional(arrayOf(str())),
  serviceAccount: optional(construct('the ServiceAccount of another workload of this library', 'pass otherApp.serviceAccount')),
  rolloutStrategy: optional(str()),
  writableVolumes: optional(WRITABLE_VOLUMES),
  egressTo: optional(arrayOf(NETWORK_PEER)),
  initContainers: optional(arrayOf(CONTAINER_OPTIONS)),
  sidecars: optional(arrayOf(CONTAINER_OPTIONS)),
  nativeSidecars: optional(bool),
  capabilities: optional(CAPABILITIES),
};

/** `AutoscalingOptions`. */
export const AUTOSCALING_OPTIONS = struct({
  enabled: optional(bool),
  minReplicas: optional(int(1, 10000)),
  maxReplicas: optional(int(1, 10000)),
  cpuTargetUtilizationPercent: optional(int(1, 100)),
  memoryTargetUtilizationPercent: optional(int(1, 100)),
  scaleDownStabilizationSeconds: optional(int(0, 3600)),
}, 'AutoscalingOptions');

/** `WorkloadPort`. */
export const WORKLOAD_PORT = WORKLOAD_PORT_FIELDS;


/** `ExternalAccess`. */
export const EXTERNAL_ACCESS = struct({
  reason: str(),
  clientRanges: arrayOf(str()),
}, 'ExternalAccess');

/** `StorageVolume`. */
export const STORAGE_VOLUME = struct({
  mountPath: str(),
  size: optional(str()), // required: refused by resolveStorage
  storageClassName: optional(str()),
  accessMode: optional(enumOf(StorageAccessMode, 'StorageAccessMode')),
  name: optional(str()),
}, 'StorageVolume');


/** `MetricsOptions`. */
export const METRICS_OPTIONS = struct({
  port: PORT,
  portName: optional(str()), // the format is checked by resolveMetricsPort
  path: optional(str()),
  scraper: optional(INETWORK_PEER), // required: refused by resolveMetricsPort
  monitorLabels: optional(labelMap()),
}, 'MetricsOptions');

/** The fields of the serving workloads' ports (SecureApp, StatefulApp). */
export const SERVING_FIELDS: Fields = {
  port: optional(PORT),
  servicePort: optional(PORT),
  ports: optional(arrayOf(WORKLOAD_PORT)),
  serviceType: optional(enumOf(ServiceType, 'ServiceType')),
  externalAccess: optional(EXTERNAL_ACCESS),
  healthCheck: optional(HEALTH_CHECK),
  replicas: optional(int(0, 10000)),
  storage: optional(arrayOf(STORAGE_VOLUME)),
  ingressFrom: optional(arrayOf(NETWORK_PEER)),
  metrics: optional(METRICS_OPTIONS),
};

/** `ConnectionOptions` (connections.allowTo / allowFrom). */
export const CONNECTION_OPTIONS = struct({
  port: optional(PORT),
  portName: optional(str()),
}, 'ConnectionOptions');

/** `IngressExposureOptions`. */
export const INGRESS_EXPOSURE_OPTIONS = struct({
  host: str(),
  path: optional(str()),
  className: optional(str()),
  tlsSecretName: optional(str()),
  controller: optional(INETWORK_PEER), // required: refused by checkPeer
}, 'IngressExposureOptions');

/** `HttpRouteExposureOptions`. */
export const HTTP_ROUTE_EXPOSURE_OPTIONS = struct({
  gateway: struct({
    name: str(),
    namespace: optional(str()),
    sectionName: optional(str()),
  }, 'GatewayReference'),
  hostnames: arrayOf(str()),
  path: optional(str()),
  controller: optional(INETWORK_PEER), // required: refused by checkPeer
}, 'HttpRouteExposureOptions');

/** `ApiTokenOptions`. */
export const API_TOKEN_OPTIONS = struct({
  expirationSeconds: optional(int(600, 2 ** 32)),
  audience: optional(str()),
}, 'ApiTokenOptions');

