import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from './errors';
import { isDnsLabel, isLabelValue } from './validation';

/** The Kubernetes recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** Identity of a workload, from which all its labels derive. */
export interface WorkloadIdentity {
  /** `metadata.name` of every object of the workload; also `app.kubernetes.io/instance`. */
  readonly name: string;
  /** `app.kubernetes.io/name`: what the application is. */
  readonly appName: string;
  /** `app.kubernetes.io/component`, e.g. "server" or "job". */
  readonly component: string;
  /** `app.kubernetes.io/part-of`, when known. */
  readonly partOf?: string;
  /** `app.kubernetes.io/version`, when known (the image tag). */
  readonly version?: string;
}

/**
 * Labels that select exactly this workload's pods. Stable for the life of the workload:
 * a Deployment's selector is immutable, so no version or config goes in here.
 */
export function selectorLabels(id: WorkloadIdentity): Record<string, string> {
  return { [LABEL_NAME]: id.appName, [LABEL_INSTANCE]: id.name };
}

/** All recommended labels, for every object and pod template of the workload. */
export function recommendedLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    [LABEL_COMPONENT]: id.component,
    ...(id.partOf ? { [LABEL_PART_OF]: id.partOf } : {}),
    ...(id.version ? { [LABEL_VERSION]: id.version } : {}),
    [LABEL_MANAGED_BY]: 'cdk8s-hardened',
  };
}

/** `app.kubernetes.io/part-of` of an object: its chart's id, when that is a valid label value. */
export function partOfLabel(scope: IConstruct): string | undefined {
  const chartId = Chart.of(scope).node.id;
  return chartId !== '' && isLabelValue(chartId) ? chartId : undefined;
}

/** `app.kubernetes.io/name` of a construct: its id when that is a DNS label starting with a letter, else `fallback`. */
export function appNameLabel(scope: IConstruct, fallback: string): string {
  const id = scope.node.id;
  return isDnsLabel(id) && /^[a-z]/.test(id) ? id : fallback;
}

/**
 * Refuses derived labels the API server would refuse (a value longer than 63 characters, e.g.
 * `app.kubernetes.io/instance` from a 64-character name), naming the prop each comes from.
 */
export function checkDerivedLabels(scope: IConstruct, labels: Record<string, string>, propOf: (key: string) => string): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelValue(value)) {
      const prop = propOf(key);
      throw propError(scope, prop, value, `becomes the value of the label ${key}, and a label value has at most 63 characters (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)`,
        `shorten ${prop} to at most 63 characters${value.length > 63 ? `, e.g. ${JSON.stringify(value.slice(0, 63).replace(/[-_.]+$/, ''))}` : ''}`);
    }
  }
}
