/* What every examples/<app> test asserts the same way: escape hatches counted, acknowledgements listed, the independent checker run. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Policy } from '../../src';

/**
 * Runs `build` (the whole build and synth of an example app) with `ApiObject.prototype.addJsonPatch`
 * counted, and returns its result with the number of JSON patches it added.
 */
export function withJsonPatchCount<T>(build: () => T): { result: T; jsonPatches: number } {
  const original = ApiObject.prototype.addJsonPatch;
  let jsonPatches = 0;
  ApiObject.prototype.addJsonPatch = function (this: ApiObject, ...ops: any[]) {
    jsonPatches++;
    return original.apply(this, ops as any);
  };
  try {
    const result = build();
    return { result, jsonPatches };
  } finally {
    ApiObject.prototype.addJsonPatch = original;
  }
}

/**
 * Every ApiObject under `root` that no construct of `owners` contains (the chart's own Namespace
 * excepted): a raw object written beside the library, as `Kind/name at path`.
 */
export function strayApiObjects(root: IConstruct, chart: Chart, owners: Function[]): string[] {
  const stray: string[] = [];
  const visit = (c: IConstruct) => {
    if (ApiObject.isApiObject(c)) {
      const owned = c.node.scopes.some((s) => owners.some((k) => s instanceof k));
      const chartNamespace = c.node.scope === chart && c.kind === 'Namespace';
      if (!owned && !chartNamespace) stray.push(`${c.kind}/${c.name} at ${c.node.path}`);
    }
    c.node.children.forEach(visit);
  };
  visit(root);
  return stray;
}

/** Every acknowledgement recorded under `root`, as `<construct id> <rule>: <reason>`, sorted. */
export function acknowledgementLines(root: IConstruct): string[] {
  const acks: string[] = [];
  const visit = (c: IConstruct) => {
    Policy.acknowledgementsOf(c).forEach((a) => acks.push(`${c.node.id} ${a.ruleId}: ${a.reason}`));
    c.node.children.forEach(visit);
  };
  visit(root);
  return acks.sort();
}

/** The independent checker beside the repository (`../shared/checks/run.sh`). */
export const CHECKER = path.join(__dirname, '..', '..', '..', 'shared', 'checks', 'run.sh');

/** `test` when the checker is there, `test.skip` otherwise (a clone without shared/ beside it). */
export const checkerTest: jest.It = fs.existsSync(CHECKER) ? test : test.skip;

/**
 * Runs the independent checker on `objects` (written as one `<name>.k8s.yaml`) and returns its
 * errors as `<check id> <Kind/namespace/name>`, sorted. Throws when the checker did not finish.
 */
export function checkerErrors(objects: any[], name: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  try {
    fs.writeFileSync(path.join(dir, `${name}.k8s.yaml`), Yaml.stringify(...objects));
    const json = path.join(dir, 'report.json');
    try {
      execFileSync(CHECKER, [dir, '--json', json], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e: any) {
      if (e.status !== 1) throw new Error(`checker incomplete (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
    }
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    return report.findings.filter((f: any) => f.severity === 'error').map((f: any) => `${f.id} ${f.ref}`).sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
