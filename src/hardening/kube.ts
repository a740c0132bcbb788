/*
 * The Kubernetes objects this library emits. They are cdk8s-plus-28's generated L1 classes
 * (so `app.deployment instanceof KubeDeployment` and the typed props hold), rendered the way a
 * plain `ApiObject` renders: our props are already Kubernetes JSON, so the generated `toJson_*`
 * field-by-field mapping adds nothing but cost (it was about half of the rendering time of a
 * Deployment) and silently drops fields it does not know (cdk8s-core#72). Escape hatches
 * (`ApiObject.of(x).addJsonPatch`, metadata) work as for any ApiObject.
 */
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

type L1<T extends ApiObject> = new (...args: any[]) => T;

function plainRendering<T extends ApiObject>(Base: L1<T>): L1<T> {
  return class extends (Base as L1<ApiObject>) {
    public toJson(): any {
      return ApiObject.prototype.toJson.call(this);
    }
  } as L1<T>;
}

/**
 * The same, for a cluster-scoped kind (Namespace, PriorityClass): cdk8s gives every object of a
 * chart with a namespace `metadata.namespace`, which such an object must not have. Dropped at
 * rendering, so no JSON patch is needed (an app's own patches are the escape hatches it counts).
 */
function clusterScopedRendering<T extends ApiObject>(Base: L1<T>): L1<T> {
  return class extends (Base as L1<ApiObject>) {
    public toJson(): any {
      const json = ApiObject.prototype.toJson.call(this);
      if (json?.metadata) delete json.metadata.namespace;
      return json;
    }
  } as L1<T>;
}

/**
 * An int-or-string field as its plain JSON value. Objects rendered here skip the L1 mapping that
 * would unwrap `IntOrString`, so the value is stored as it is written to the manifest.
 */
export function intOrString(value: number | string): k8s.IntOrString {
  return value as unknown as k8s.IntOrString;
}

/** A quantity field as its plain JSON value (see `intOrString`). */
export function quantity(value: string): k8s.Quantity {
  return value as unknown as k8s.Quantity;
}

export const KubeCronJob = plainRendering(k8s.KubeCronJob);
export const KubeDeployment = plainRendering(k8s.KubeDeployment);
export const KubeHorizontalPodAutoscalerV2 = plainRendering(k8s.KubeHorizontalPodAutoscalerV2);
export const KubeIngress = plainRendering(k8s.KubeIngress);
export const KubeJob = plainRendering(k8s.KubeJob);
export const KubeLimitRange = plainRendering(k8s.KubeLimitRange);
export const KubeNamespace = clusterScopedRendering(k8s.KubeNamespace);
export const KubeNetworkPolicy = plainRendering(k8s.KubeNetworkPolicy);
export const KubePersistentVolumeClaim = plainRendering(k8s.KubePersistentVolumeClaim);
export const KubePodDisruptionBudget = plainRendering(k8s.KubePodDisruptionBudget);
export const KubePriorityClass = clusterScopedRendering(k8s.KubePriorityClass);
export const KubeResourceQuota = plainRendering(k8s.KubeResourceQuota);
export const KubeRole = plainRendering(k8s.KubeRole);
export const KubeRoleBinding = plainRendering(k8s.KubeRoleBinding);
export const KubeService = plainRendering(k8s.KubeService);
export const KubeStatefulSet = plainRendering(k8s.KubeStatefulSet);
export const KubeServiceAccount = plainRendering(k8s.KubeServiceAccount);
