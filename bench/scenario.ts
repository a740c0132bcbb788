/**
 * One benchmark run, in its own process so wall time and peak RSS are whole-process numbers:
 *   node scenario.js <hardened|cdk8s-plus|floor> <apps> <charts> <outdir>
 * Prints one JSON line: documents, bytes written, peak RSS (KiB) up to the end of the synth (before
 * the output is read back to count it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import * as lib from '../src';
import { build, handWrittenApp, hardenedApp } from './scenarios';

const [kind, appsArg, chartsArg, outdir] = process.argv.slice(2);
const apps = Number(appsArg);
const charts = Number(chartsArg);

function written(dir: string): { documents: number; bytes: number } {
  let documents = 0;
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    bytes += Buffer.byteLength(text);
    documents += text.split(/^---$/m).length;
  }
  return { documents, bytes };
}

if (kind === 'floor') {
  // The same bytes, written with the `yaml` package from plain objects: no constructs at all.
  const docs: Record<string, any[]> = JSON.parse(fs.readFileSync(`${outdir}.json`, 'utf8'));
  fs.mkdirSync(outdir, { recursive: true });
  for (const [file, objects] of Object.entries(docs)) {
    // Stringified the way cdk8s' Yaml.save does it.
    const text = objects.map(o => YAML.stringify(o, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');
    fs.writeFileSync(path.join(outdir, file), text);
  }
} else {
  const app = new App({ outdir });
  if (kind === 'hardened') {
    const HardenedChart = (lib as any).HardenedChart;
    const chart = (scope: Construct, id: string, namespace: string) => HardenedChart ? new HardenedChart(scope, id, { namespace }) : new Chart(scope, id, { namespace });
    build(app, apps, charts, chart, hardenedApp);
  } else {
    build(app, apps, charts, (scope, id, namespace) => new Chart(scope, id, { namespace }), handWrittenApp);
  }
  app.synth();
}
// Peak RSS of the run itself, taken before the files are read back to count them: reading the
// output back costs memory in proportion to the bytes written (the text, its split), which is
// the harness' bookkeeping, not the synth's (it was most of the difference between the
// implementations at N=1000, which write different amounts).
const maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(JSON.stringify({ ...written(outdir), maxRssKiB }) + '\n');
