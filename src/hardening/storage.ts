/* Persistent volumes of a workload: validated once, rendered as PVCs or volumeClaimTemplates. */
import { IConstruct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import * as kube from './kube';
import { propError } from './errors';
import { checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkQuantity } from './validation';

/** Access mode of a PersistentVolumeClaim. */
export enum StorageAccessMode {
  /** Read-write by the pods of one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Read-write by one pod. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
  /** Read-only by many nodes. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Read-write by many nodes (needs a storage class that supports it, e.g. NFS or CephFS). */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** A persistent volume for a workload: becomes a PersistentVolumeClaim mounted in the container. */
export interface StorageVolume {
  /** Absolute path the volume is mounted at. */
  readonly mountPath: string;
  /** Requested size, a Kubernetes quantity such as "10Gi". */
  readonly size: string;
  /**
   * StorageClass of the claim; it must exist in the cluster.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode. In a SecureApp, a single-writer mode needs a single replica (autoscaling off,
   * `replicas: 1`) and switches the Deployment to the `Recreate` strategy; a StatefulApp gives
   * each replica its own claim.
   * @default StorageAccessMode.READ_WRITE_ONCE
   */
  readonly accessMode?: StorageAccessMode;
  /**
   * Short name of the volume; a SecureApp's claim is named "<app name>-<name>", a StatefulApp's
   * claims "<name>-<app name>-<ordinal>".
   * @default - "data" for the first volume, "data-<n>" for the others
   */
  readonly name?: string;
}

/** A validated storage volume. */
export interface ResolvedStorage {
  /** Short name (the volumeClaimTemplate name in a StatefulSet). */
  readonly name: string;
  /** Volume name in the pod. */
  readonly volumeName: string;
  readonly mountPath: string;
  readonly accessMode: StorageAccessMode;
  /** ReadWriteOnce or ReadWriteOncePod: one node (or pod) at a time. */
  readonly singleWriter: boolean;
  readonly claimSpec: k8s.PersistentVolumeClaimSpec;
  /** The prop path, for error messages. */
  readonly prop: string;
}

/** Validates `storage`: absolute paths, sizes, class names, unique short names. */
export function resolveStorage(scope: IConstruct, storage: StorageVolume[] | undefined): ResolvedStorage[] {
  const names = new Set<string>();
  return (storage ?? []).map((volume, i) => {
    const prop = `storage[${i}]`;
    checkAbsolutePath(scope, `${prop}.mountPath`, volume.mountPath);
    if (volume.size === undefined) {
      throw propError(scope, `${prop}.size`, volume.size, 'a volume needs a size (the claim requests it from the storage class)', 'give size, e.g. size: "10Gi"');
    }
    checkQuantity(scope, `${prop}.size`, volume.size, '10Gi');
    if (volume.storageClassName !== undefined) checkDnsSubdomain(scope, `${prop}.storageClassName`, volume.storageClassName);
    const name = volume.name ?? (i === 0 ? 'data' : `data-${i}`);
    checkDnsLabel(scope, `${prop}.name`, name);
    if (names.has(name)) throw propError(scope, `${prop}.name`, name, 'used by another volume', 'give each volume its own name');
    names.add(name);
    const accessMode = volume.accessMode ?? StorageAccessMode.READ_WRITE_ONCE;
    if (!Object.values(StorageAccessMode).includes(accessMode)) {
      throw propError(scope, `${prop}.accessMode`, accessMode, 'not an access mode', 'use a StorageAccessMode, e.g. StorageAccessMode.READ_WRITE_ONCE');
    }
    return {
      name,
      volumeName: `storage-${name}`.slice(0, 63).replace(/-+$/, ''),
      mountPath: volume.mountPath,
      accessMode,
      singleWriter: accessMode === StorageAccessMode.READ_WRITE_ONCE || accessMode === StorageAccessMode.READ_WRITE_ONCE_POD,
      claimSpec: {
        accessModes: [accessMode],
        storageClassName: volume.storageClassName,
        resources: { requests: { storage: kube.quantity(volume.size) } },
      },
      prop,
    };
  });
}
