import { ApiObject, Chart, ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import * as kube from '../hardening/kube';
import { Construct, IConstruct } from 'constructs';
import { propError } from '../hardening/errors';
import { checkDnsLabel, parseQuantity } from '../hardening/validation';
import { PolicyReport } from '../policy/engine';
import { PolicyGate } from '../policy/gate';
import { sameCopies } from '../hardening/single-copy';
import { arrayOf, bool, instanceOf, labelMap, mapOf, optional, str, struct, validatePropsBefore } from '../hardening/props';
import { PolicyPack } from '../policy/registry';

/** Defaults, minimums and maximums for every container in the namespace (a LimitRange). */
export interface ContainerLimitRange {
  /** Requests given to containers that set none, e.g. `{ cpu: '100m', memory: '128Mi' }`. @default - none */
  readonly defaultRequest?: { [resource: string]: string };
  /** Limits given to containers that set none. @default - none */
  readonly defaultLimit?: { [resource: string]: string };
  /** Largest allowed limit per container. @default - none */
  readonly max?: { [resource: string]: string };
  /** Smallest allowed request per container. @default - none */
  readonly min?: { [resource: string]: string };
}

export interface HardenedChartProps extends ChartProps {
  /**
   * Emit the Namespace object, labelled for Pod Security Admission: `enforce`, `audit` and
   * `warn` set to `restricted`, and `enforce-version` pinned to `podSecurityVersion`.
   * Requires `namespace`.
   * @default false
   */
  readonly createNamespace?: boolean;
  /**
   * Pod Security Standards version: pinned in the Namespace's `enforce-version` label and used
   * by the synth-time gate for version-dependent relaxations. `v1.<minor>` or `latest`.
   * @default 'v1.28'
   */
  readonly podSecurityVersion?: string;
  /**
   * A ResourceQuota for the namespace: its `spec.hard`, e.g.
   * `{ 'requests.cpu': '4', 'limits.memory': '16Gi', pods: '50' }`.
   * @default - no ResourceQuota
   */
  readonly quota?: { [resource: string]: string };
  /** A LimitRange for the containers of the namespace. @default - no LimitRange */
  readonly limitRange?: ContainerLimitRange;
  /** The policy rule packs the gate runs. @default PolicyPack.all() */
  readonly policyPacks?: PolicyPack[];
  /** Print policy warnings (which never fail the synth) to stderr. @default true */
  readonly printWarnings?: boolean;
}

const HARDENED_CHART = Symbol.for('cdk8s-hardened.HardenedChart');

const RESOURCE_MAP = mapOf(str());
/** Runtime schema of HardenedChartProps (type, range and format of every prop). */
const HARDENED_CHART_SCHEMA = struct({
  namespace: optional(str()),
  labels: optional(labelMap()),
  disableResourceNameHashes: optional(bool),
  createNamespace: optional(bool),
  podSecurityVersion: optional(str()),
  quota: optional(RESOURCE_MAP),
  limitRange: optional(struct({
    defaultRequest: optional(RESOURCE_MAP), defaultLimit: optional(RESOURCE_MAP), max: optional(RESOURCE_MAP), min: optional(RESOURCE_MAP),
  }, 'ContainerLimitRange')),
  policyPacks: optional(arrayOf(instanceOf(PolicyPack, 'PolicyPack', 'use PolicyPack.all(), PolicyPack.podSecurity() or another PolicyPack factory'))),
  printWarnings: optional(bool),
}, 'HardenedChartProps');

/**
 * A Chart with a synth-time policy gate, and optionally its Namespace.
 *
 * At synth, every ApiObject in the chart (from this library, cdk8s-plus, raw `ApiObject`s or
 * `Include`d YAML) is checked against the policy rules. Errors fail the synth during
 * validation, before any file is written, with a report naming the rule, object, field, problem
 * and fix. `Policy.acknowledge(construct, ruleId, reason)` records an exception.
 */
export class HardenedChart extends Chart {
  /** Whether `x` is a HardenedChart. */
  public static isHardenedChart(x: unknown): x is HardenedChart {
    // Not `instanceof`: cdk8s Chart defines Symbol.hasInstance as Chart.isChart, which every
    // HardenedChart inherits, so `instanceof HardenedChart` is true for any plain Chart.
    return x !== null && typeof x === 'object' && HARDENED_CHART in x;
  }

  /** The Namespace object, when `createNamespace` is set. */
  public readonly namespaceResource?: ApiObject;
  /** The ResourceQuota, when `quota` is set. */
  public readonly resourceQuota?: ApiObject;
  /** The LimitRange, when `limitRange` is set. */
  public readonly limitRangeResource?: ApiObject;
  /** The Pod Security Standards version (`enforce-version` label, gate relaxations). */
  public readonly podSecurityVersion: string;

  /** The policy gate attached to this chart. */
  public readonly policyGate: PolicyGate;

  constructor(scope: Construct, id: string, props: HardenedChartProps = {}) {
    super(sameCopies(scope, id), id, validatePropsBefore(scope, id, HARDENED_CHART_SCHEMA, props)); // one copy of cdk8s and constructs in the app
    Object.defineProperty(this, HARDENED_CHART, { value: true });
    this.policyGate = PolicyGate.attach(this, {
      policyPacks: props.policyPacks,
      podSecurityVersion: props.podSecurityVersion,
      printWarnings: props.printWarnings,
      title: `policy gate of HardenedChart ${this.node.path}`,
    });
    this.podSecurityVersion = this.policyGate.podSecurityVersion;

    if (props.createNamespace) {
      if (!props.namespace) throw propError(this, 'createNamespace', true, 'there is no namespace to create', 'set namespace');
      checkDnsLabel(this, 'namespace', props.namespace);
      const level = 'restricted';
      this.namespaceResource = new kube.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: props.namespace,
          labels: {
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/enforce-version': this.podSecurityVersion,
            'pod-security.kubernetes.io/audit': level,
            'pod-security.kubernetes.io/audit-version': this.podSecurityVersion,
            'pod-security.kubernetes.io/warn': level,
            'pod-security.kubernetes.io/warn-version': this.podSecurityVersion,
          },
        },
      });
    }
    if (props.quota) {
      if (!Object.keys(props.quota).length) throw propError(this, 'quota', props.quota, 'an empty quota limits nothing', 'name the resources to limit, e.g. { "limits.memory": "16Gi" }');
      this.resourceQuota = new kube.KubeResourceQuota(this, 'ResourceQuota', { spec: { hard: quantities(this, 'quota', props.quota) } });
    }
    if (props.limitRange) {
      const lr = props.limitRange;
      const item: k8s.LimitRangeItem = {
        type: 'Container',
        ...(lr.defaultRequest ? { defaultRequest: quantities(this, 'limitRange.defaultRequest', lr.defaultRequest) } : {}),
        ...(lr.defaultLimit ? { default: quantities(this, 'limitRange.defaultLimit', lr.defaultLimit) } : {}),
        ...(lr.max ? { max: quantities(this, 'limitRange.max', lr.max) } : {}),
        ...(lr.min ? { min: quantities(this, 'limitRange.min', lr.min) } : {}),
      };
      if (Object.keys(item).length === 1) throw propError(this, 'limitRange', lr, 'an empty LimitRange limits nothing', 'set defaultRequest, defaultLimit, max or min');
      this.limitRangeResource = new kube.KubeLimitRange(this, 'LimitRange', { spec: { limits: [item] } });
    }

  }

  /**
   * The policy report for the chart as it is now (findings, acknowledged findings, unused
   * acknowledgements), rendered and evaluated afresh: a change made after an earlier report or
   * `toJson()` is seen.
   */
  public policyReport(): PolicyReport {
    return this.policyGate.report();
  }
}

function quantities(scope: IConstruct, prop: string, values: { [k: string]: string }): { [k: string]: k8s.Quantity } {
  const out: { [k: string]: k8s.Quantity } = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'string' || parseQuantity(v) === undefined) {
      throw propError(scope, `${prop}.${k}`, v, 'not a Kubernetes quantity', 'use e.g. "500m", "2", "512Mi" or "10Gi"');
    }
    out[k] = kube.quantity(v);
  }
  return out;
}
