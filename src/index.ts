// The public API of cdk8s-hardened. Internal helpers (the shared pod builder, validation, the
// policy engine's rule data) are imported by path inside the package, not exported here; the
// construct modules also export their documented defaults (SECURE_APP_DEFAULTS, ...).

// Workloads and what they share
export * from './constructs/secure-app';
export * from './constructs/batch-job';
export * from './constructs/worker';
export * from './constructs/stateful-app';
export * from './constructs/shared-service';
export * from './constructs/spawned-pods';
export * from './constructs/workload-priority-classes';
export { WorkloadProps, ApiTokenOptions, DEFAULT_USER_ID, CONFIG_CHECKSUM_ANNOTATION, API_TOKEN_MOUNT_PATH } from './hardening/pod';
export { ContainerResources, ResourceRange } from './hardening/resources';
export { AutoscalingOptions } from './hardening/autoscaling';
export { StorageAccessMode, StorageVolume } from './hardening/storage';
export { ServiceType, WorkloadPort, ExternalAccess, EXTERNAL_SERVICE_RULE_ID } from './hardening/ports';
export { ContainerOptions } from './hardening/pod';
export { Capability } from './hardening/capabilities';
export { HealthCheck, HealthCheckTiming, HealthCheckPortOptions, HttpHealthCheckOptions, TcpHealthCheckOptions, GrpcHealthCheckOptions, ExecHealthCheckOptions } from './hardening/health-check';
export { Toleration, RolloutStrategy, WritableVolume } from './hardening/placement';
export { NetworkPeer, NetworkProtocol, NetworkPeerOptions, PodsPeerOptions, IpBlockPeerOptions, ApiServerPeerOptions, INetworkTarget, INetworkPeer } from './hardening/network';
export { Connections, ConnectionOptions, ServedPort } from './hardening/connections';
export {
  MetricsOptions, IngressExposureOptions, HttpRouteExposureOptions, GatewayReference, METRICS_DEFAULTS, EXPOSURE_DEFAULTS,
} from './hardening/exposure';
export { WorkloadClass } from './hardening/workload-class';
export { ConfigAttachment, ConfigFilesOptions, ConfigEnvOptions } from './hardening/config-attachment';
export { IConfigSource, ConfigBinding, ConfigObjectKind } from './hardening/config';

// RBAC
export * from './constructs/namespace-role';

// Secrets
export * from './constructs/encrypted-config';
export * from './sealing/certificate';
export { SealingScope } from './sealing/seal';
// SealingError extends Error, which jsii cannot express: exported as a value and a type for
// TypeScript and JavaScript (`e instanceof SealingError` keeps working), invisible to jsii.
import { SealingError as SealingErrorClass } from './sealing/seal';
export const SealingError = SealingErrorClass;
export type SealingError = SealingErrorClass;
export * from './testing';

// The policy gate
export * from './constructs/hardened-chart';
export * from './policy';

// The exported constants and functions in a form jsii publishes
export * from './constants';
