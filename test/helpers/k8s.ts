import { spawnSync } from 'child_process';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';

/** Synthesizes a chart to plain JSON objects. */
export function synth(chart: Chart): any[] {
  return Testing.synth(chart);
}

/** The one object of `kind` (and `name`, if given) in a manifest. */
export function one(manifest: any[], kind: string, name?: string): any {
  const found = manifest.filter(o => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
  return found[0];
}

/** Schema errors of the objects against the Kubernetes OpenAPI schemas (kubernetes-models). */
export function schemaErrors(manifest: any[]): string[] {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'validate-schema.mjs')], {
    input: JSON.stringify(manifest),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`schema validator failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The pod spec of a Deployment, Job or CronJob. */
export function podSpec(obj: any): any {
  return obj.spec.jobTemplate ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
}
