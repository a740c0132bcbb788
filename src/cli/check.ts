/*
 * `cdk8s-hardened check <path>`: the HardenedChart policy rules over any YAML/JSON manifests
 * (cdk8s output, `helm template` output, plain manifests; multi-document files; List kinds).
 *
 * Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 unreadable input or
 * usage error (bad YAML, missing path, no Kubernetes documents).
 */
import * as path from 'path';
import { ACK_ANNOTATION, parseAcknowledgements } from '../policy/acknowledgements';
import { AcknowledgementScope, evaluatePolicy, objectRef, PolicyReport } from '../policy/engine';
import { parsePssVersion } from '../policy/k8s';
import { Finding, PathSegment, PolicyRule, RuleSeverity } from '../policy/model';
import { ALL_RULES, findRule, INVALID_ACKNOWLEDGEMENT, PolicyPack, resolveRules } from '../policy/registry';
import { renderReport } from '../policy/report';
import { DUPLICATE_OBJECT, findDuplicates } from '../policy/duplicates';
import { InputError, LoadedObject, ManifestReader, MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES, MAX_OBJECTS } from './manifests';

/** Findings listed in a report; more are counted in the summary (and the exit status) only. */
export const MAX_LISTED_FINDINGS = 10_000;

const USAGE = `usage: cdk8s-hardened check <path> [options]

Checks every *.yaml, *.yml and *.json file under <path> (or the file <path>, or standard input
for "-") against the HardenedChart policy rules. It reads what \`kubectl apply -f <path> -R\`
reads: hidden files and folders and node_modules too; YAML 1.1 as kubectl does (yes/no/on/off/y/n
are booleans, << merge keys apply); every item of a list (any object with "items").
It reads at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB and ${MAX_OBJECTS.toLocaleString('en-US')} objects in total, and ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB per YAML
document; more is refused (exit status 2). A report lists at most ${MAX_LISTED_FINDINGS.toLocaleString('en-US')} findings; the
summary and the exit status count them all.

options:
  --format text|json|sarif   output format (default: text); sarif is SARIF 2.1.0
  --pack NAME                run only this rule pack (repeatable; default: all packs):
                             ${[PolicyPack.POD_SECURITY_BASELINE, ...PolicyPack.all()].map((p) => p.name).join(', ')}
  --pss-version VERSION      Pod Security Standards version, e.g. v1.28 (default: latest)
  -h, --help                 show this help

Acknowledged rules: a "${ACK_ANNOTATION}" annotation on an object, with entries
"<rule id>: <reason>" separated by "; " (a reason of at least 10 visible characters; "\\;" is a
";" inside a reason), suppresses those rules on that object; every acknowledgement is listed in
the report.

exit status: 0 no errors (warnings allowed), 1 errors found, 2 unreadable input or usage error
`;

export { InputError, LoadedObject } from './manifests';

/** Reads one file (or `-`, standard input) as `check` does. */
export function loadFile(file: string, display?: string): { objects: LoadedObject[]; skipped: number } {
  const reader = new ManifestReader();
  reader.read(file, display);
  return { objects: reader.objects, skipped: reader.skipped };
}

interface Options { target?: string; format: 'text' | 'json' | 'sarif'; packs: PolicyPack[]; pssVersion: [number, number]; pssLabel: string }

function parseArgs(argv: string[]): Options | string {
  const opts: Options = { format: 'text', packs: [], pssVersion: parsePssVersion('latest')!, pssLabel: 'latest' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--format') {
      const v = value();
      if (v !== 'text' && v !== 'json' && v !== 'sarif') return `--format must be text, json or sarif (got ${JSON.stringify(v ?? '')})`;
      opts.format = v;
    } else if (flag === '--pack') {
      for (const name of String(value() ?? '').split(',').filter(Boolean)) {
        const p = PolicyPack.fromName(name);
        if (!p) return `unknown pack ${JSON.stringify(name)}`;
        opts.packs.push(p);
      }
    } else if (flag === '--pss-version') {
      const v = value();
      const parsed = parsePssVersion(v);
      if (!v || !parsed) return `--pss-version must look like v1.28 or latest (got ${JSON.stringify(v ?? '')})`;
      opts.pssVersion = parsed;
      opts.pssLabel = v;
    } else if (a.startsWith('-') && a !== '-') {
      return `unknown option ${a}`;
    } else if (opts.target === undefined) {
      opts.target = a;
    } else {
      return `unexpected argument ${JSON.stringify(a)} (one path only)`;
    }
  }
  if (opts.target === undefined) return 'missing <path>';
  return opts;
}

interface Writer { write(s: string): unknown }

/** What `readManifests` read. */
export interface ReadResult {
  readonly objects: LoadedObject[];
  readonly files: string[];
  /** Documents that are not Kubernetes objects. */
  readonly skipped: number;
}

/**
 * Reads every Kubernetes object under `target` (a file, or a directory walked like
 * `kubectl apply -f DIR -R`), as `check` does. Throws `InputError` for unreadable input or when
 * there is no Kubernetes document at all.
 */
export function readManifests(target: string): ReadResult {
  const reader = new ManifestReader();
  reader.read(target);
  const { objects, files, skipped } = reader;
  if (!objects.length) throw new InputError(`${target === '-' ? 'standard input' : target}: no Kubernetes documents found (${files.length} file${files.length === 1 ? '' : 's'} read)`);
  return { objects, files, skipped };
}

/** Runs `check`; returns the exit status. */
export function check(argv: string[], stdout: Writer = process.stdout, stderr: Writer = process.stderr): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    stdout.write(USAGE);
    return 0;
  }
  const opts = parseArgs(argv);
  if (typeof opts === 'string') {
    stderr.write(`cdk8s-hardened check: ${opts}\n\n${USAGE}`);
    return 2;
  }
  const target = opts.target!;
  let read: ReadResult;
  try {
    read = readManifests(target);
  } catch (e) {
    if (e instanceof InputError) {
      stderr.write(`cdk8s-hardened check: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { objects, files, skipped } = read;

  const rules = resolveRules(opts.packs.length ? opts.packs : PolicyPack.all());
  const report = evaluateObjects(objects, rules, opts.pssVersion);

  if (opts.format === 'json') stdout.write(JSON.stringify(toJson(report, objects, files, opts), null, 2) + '\n');
  else if (opts.format === 'sarif') stdout.write(JSON.stringify(toSarif(report, objects, rules), null, 2) + '\n');
  else stdout.write(toText(report, objects, files, skipped, opts) + '\n');
  return report.errors > 0 ? 1 : 0;
}

/**
 * Evaluates objects read from YAML: acknowledgement annotations are honoured only with a known
 * rule id and a reason; malformed ones are reported (HARDENED-ACK-002) and not honoured.
 */
export function evaluateObjects(objects: LoadedObject[], rules: PolicyRule[], pssVersion: readonly [number, number]): PolicyReport {
  const acks: AcknowledgementScope[] = [];
  const invalid: Finding[] = [];
  objects.forEach((o, i) => {
    const value = o.json?.metadata?.annotations?.[ACK_ANNOTATION];
    if (value === undefined) return;
    const seg: PathSegment[] = ['metadata', 'annotations', ACK_ANNOTATION];
    const where = `${o.file}:${o.locate(seg).line}`;
    for (const p of parseAcknowledgements(value, (id) => !!findRule(id))) {
      if (p.problem) {
        invalid.push({
          ruleId: INVALID_ACKNOWLEDGEMENT.id, severity: INVALID_ACKNOWLEDGEMENT.severity, object: objectRef(o.json), origin: o.origin,
          objectIndex: i, path: `metadata.annotations["${ACK_ANNOTATION}"]`, pathSegments: seg,
          message: `acknowledgement not honoured: ${p.problem}`, fix: INVALID_ACKNOWLEDGEMENT.fix,
        });
      } else {
        acks.push({ ruleId: p.ruleId, reason: p.reason, declaredAt: where, objects: [i] });
      }
    }
  });
  // The same object twice (in two files, or twice in one): kubectl apply keeps the last.
  const duplicates: Finding[] = findDuplicates(objects.map((o) => ({
    apiVersion: o.json?.apiVersion, kind: o.json?.kind, namespace: o.json?.metadata?.namespace, name: o.json?.metadata?.name, origin: o.origin,
  }))).map((d) => {
    const first = objects[d.firstIndex];
    return {
      ruleId: DUPLICATE_OBJECT.id, severity: DUPLICATE_OBJECT.severity, object: objectRef(objects[d.index].json), origin: objects[d.index].origin,
      objectIndex: d.index, path: 'metadata.name', pathSegments: ['metadata', 'name'],
      message: `${d.description} is defined twice: here and in ${first.file}:${first.line}; kubectl apply would keep only the last`, fix: DUPLICATE_OBJECT.fix,
    };
  });
  const base = evaluatePolicy(objects, { rules, pssVersion, acknowledgements: acks, maxFindings: MAX_LISTED_FINDINGS });
  const findings = [...base.findings, ...invalid, ...duplicates].sort((a, b) => a.objectIndex - b.objectIndex);
  return { ...base, findings, warnings: base.warnings + invalid.length, errors: base.errors + duplicates.length };
}

function located(f: Finding, objects: LoadedObject[]) {
  const o = objects[f.objectIndex];
  if (!o) return { file: f.origin, line: 1, column: 1 };
  return { file: o.file, ...o.locate(f.pathSegments) };
}

function toText(report: PolicyReport, objects: LoadedObject[], files: string[], skipped: number, opts: Options): string {
  const withLines = { ...report, findings: report.findings.map((f) => ({ ...f, path: `${f.path} (line ${located(f, objects).line})` })) };
  const title = `cdk8s-hardened check ${opts.target} (${files.length} file${files.length === 1 ? '' : 's'}, PSS ${opts.pssLabel}`
    + `${skipped ? `, ${skipped} non-Kubernetes document${skipped === 1 ? '' : 's'} skipped` : ''})`;
  const text = renderReport(withLines, { title });
  return report.omitted ? `${text}\n\n${report.omitted} more findings are counted above but not listed (a report lists at most ${MAX_LISTED_FINDINGS}).` : text;
}

function toJson(report: PolicyReport, objects: LoadedObject[], files: string[], opts: Options) {
  const entry = (f: Finding) => {
    const loc = located(f, objects);
    return {
      ruleId: f.ruleId, severity: f.severity, apiVersion: f.object.apiVersion, kind: f.object.kind, name: f.object.name,
      namespace: f.object.namespace, file: loc.file, line: loc.line, column: loc.column, objectLine: objects[f.objectIndex]?.line,
      path: f.path, message: f.message, fix: f.fix,
    };
  };
  return {
    tool: 'cdk8s-hardened check',
    target: opts.target,
    pssVersion: opts.pssLabel,
    files: files.length,
    objects: objects.length,
    summary: { errors: report.errors, warnings: report.warnings, acknowledged: report.suppressed.length, ...(report.omitted ? { notListed: report.omitted } : {}) },
    findings: report.findings.map(entry),
    acknowledged: report.suppressed.map((f) => ({ ...entry(f), reason: f.reason })),
  };
}

function sarifUri(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return `file://${path.resolve(file).split(path.sep).join('/')}`;
}

function toSarif(report: PolicyReport, objects: LoadedObject[], rules: PolicyRule[]) {
  const ruleList = [...rules, ...ALL_RULES.filter((r) => r.id.startsWith('HARDENED-ACK-'))];
  const index = new Map(ruleList.map((r, i) => [r.id, i]));
  const result = (f: Finding, reason?: string) => {
    const loc = located(f, objects);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: f.severity === RuleSeverity.ERROR ? 'error' : 'warning',
      message: { text: `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}: ${f.message} (at ${f.path}). Fix: ${f.fix}` },
      locations: [{
        physicalLocation: { artifactLocation: { uri: sarifUri(loc.file) }, region: { startLine: loc.line, startColumn: loc.column } },
        logicalLocations: [{ fullyQualifiedName: `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`, kind: 'resource' }],
      }],
      partialFingerprints: { objectField: `${f.ruleId}|${f.object.kind}|${f.object.namespace ?? ''}|${f.object.name}|${f.path}` },
      ...(reason !== undefined ? { suppressions: [{ kind: 'inSource', justification: reason }] } : {}),
    };
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk8s-hardened',
          informationUri: 'https://github.com/cdk8s-team/cdk8s',
          rules: ruleList.map((r) => ({
            id: r.id,
            name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
            shortDescription: { text: r.title },
            fullDescription: { text: r.explanation },
            help: { text: `${r.fix}\nStandards: ${r.standards.join('; ')}`, markdown: `**Fix:** ${r.fix}\n\n**Standards:** ${r.standards.join('; ')}` },
            defaultConfiguration: { level: r.severity === RuleSeverity.ERROR ? 'error' : 'warning' },
            properties: { tags: ['security', 'kubernetes', r.family], family: r.family, standards: r.standards },
          })),
        },
      },
      results: [...report.findings.map((f) => result(f)), ...report.suppressed.map((f) => result(f, f.reason))],
    }],
  };
}
