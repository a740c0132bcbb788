/*
 * The policy rules as a cdk8s CLI validation plugin, for apps whose charts are not
 * HardenedCharts (a HardenedChart already gates its own objects at synth). In cdk8s.yaml:
 *
 *   validations:
 *     - package: ./node_modules/cdk8s-hardened/lib/cli/validation-plugin.js
 *       class: HardenedValidation
 *       version: 0.0.0                  # any pinned string; the CLI refuses ranges
 *       properties:                     # optional
 *         packs: [pss-restricted, rbac]  # default: every pack
 *         pssVersion: v1.28              # default: latest
 *
 * `cdk8s synth` then checks the written manifests with the same rules as `cdk8s-hardened check`
 * and fails on errors (warnings are listed in the report).
 */
import * as path from 'path';
import { PolicyReport } from '../policy/engine';
import { LATEST_PSS, parsePssVersion } from '../policy/k8s';
import { Finding } from '../policy/model';
import { findRule, PolicyPack, resolveRules } from '../policy/registry';
import { evaluateObjects, LoadedObject, loadFile } from './check';

/** Properties of the plugin (cdk8s.yaml `properties`). */
export interface HardenedValidationProperties {
  /**
   * Rule packs to run, by name (`cdk8s-hardened check --help` lists them).
   * @default - every pack
   */
  readonly packs?: string[];
  /**
   * Pod Security Standards version, e.g. "v1.28".
   * @default 'latest'
   */
  readonly pssVersion?: string;
}

/** The subset of the cdk8s CLI's ValidationContext the plugin uses. */
export interface HardenedValidationContext {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: {
      ruleName: string; recommendation: string; fix: string;
      violatingResources: { resourceName: string; locations: string[]; manifestPath: string }[];
    }): void;
    submit(status: string, metadata?: { [key: string]: string }): void;
  };
}

/** A cdk8s CLI validation plugin running the cdk8s-hardened policy rules. */
export class HardenedValidation {
  private readonly packs: PolicyPack[];
  private readonly pss: readonly [number, number];

  constructor(properties: HardenedValidationProperties = {}) {
    this.packs = (properties.packs ?? []).map((name) => {
      const pack = PolicyPack.fromName(name);
      if (!pack) throw new Error(`cdk8s-hardened validation plugin: unknown pack ${JSON.stringify(name)} in properties.packs`);
      return pack;
    });
    const pss = parsePssVersion(properties.pssVersion);
    if (!pss) throw new Error(`cdk8s-hardened validation plugin: properties.pssVersion ${JSON.stringify(properties.pssVersion)} is not v1.<minor> up to v1.${LATEST_PSS[1]} or latest`);
    this.pss = pss;
  }

  public async validate(context: HardenedValidationContext): Promise<void> {
    const objects: LoadedObject[] = [];
    for (const manifest of context.manifests) objects.push(...loadFile(manifest, path.relative(process.cwd(), manifest) || manifest).objects);
    const report = evaluateObjects(objects, resolveRules(this.packs.length ? this.packs : PolicyPack.all()), this.pss);
    for (const [ruleId, findings] of groupByRule(report)) {
      const rule = findRule(ruleId);
      context.report.addViolation({
        ruleName: `${ruleId} (${findings[0].severity}): ${rule?.title ?? ruleId}`,
        recommendation: rule?.explanation ?? findings[0].message,
        fix: rule?.fix ?? findings[0].fix,
        violatingResources: findings.map((f) => {
          const o = objects[f.objectIndex];
          const at = o ? o.locate(f.pathSegments) : undefined;
          return {
            resourceName: `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`,
            locations: [`${f.path}${at ? ` (line ${at.line})` : ''}: ${f.message}`],
            manifestPath: o?.file ?? f.origin,
          };
        }),
      });
    }
    context.report.submit(report.errors > 0 ? 'failure' : 'success', {
      errors: String(report.errors), warnings: String(report.warnings), acknowledged: String(report.suppressed.length),
    });
  }
}

function groupByRule(report: PolicyReport): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of report.findings) out.set(f.ruleId, [...(out.get(f.ruleId) ?? []), f]);
  return out;
}
