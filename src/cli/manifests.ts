/*
 * Reading manifests the way `kubectl apply -f <path> -R` does, in bounded memory.
 *
 * - Files: every *.yaml, *.yml and *.json under a directory, recursively, hidden files and
 *   folders and node_modules included (kubectl's file visitor skips nothing but other
 *   extensions); symbolic links to directories are not followed (as filepath.Walk). `-` is
 *   standard input.
 * - YAML 1.1, as kubectl's decoder (go-yaml v2) reads it: `yes`/`no`/`on`/`off`/`y`/`n` (any
 *   case kubectl accepts) are booleans, `<<` merge keys are applied, `0755` is octal,
 *   timestamps stay strings. JSON is YAML.
 * - Every object with an `items` array is a list: kubectl creates each item (recursively).
 * - Memory: documents are parsed one at a time with a light parser that keeps only the values;
 *   the positions of a finding are found afterwards by parsing that one document again. The
 *   input is refused (exit 2, one line) past MAX_INPUT_BYTES in total, MAX_OBJECTS objects, or
 *   MAX_DOCUMENT_BYTES for one document (the API server stores at most 1.5 MiB per object).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { expandLists } from '../policy/k8s';
import { PathSegment, PolicyObject } from '../policy/model';

/** Total bytes `check` reads (all files, or standard input). */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;
/** Objects (list items count one each). */
export const MAX_OBJECTS = 25_000;
/** Bytes of one YAML document. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Documents up to this size are parsed again to locate a finding's line; larger ones report the document's first line. */
const MAX_LOCATE_BYTES = 1024 * 1024;

/** Thrown for input we cannot read: reported as one line, exit status 2. */
export class InputError extends Error {}

/** A document read from a file. */
export interface LoadedObject extends PolicyObject {
  readonly file: string;
  /** Line of the object (of the document, or of the list item). */
  readonly line: number;
  /** Locates a field of this object: line and column (1-based). */
  locate(segments: PathSegment[]): { line: number; column: number };
}

// ---------------------------------------------------------------------------- js-yaml ---
/* js-yaml 3 keeps no syntax tree (a 30 MB file parses in a fifth of the memory of `yaml`'s). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsyaml = require('js-yaml') as {
  Type: new (tag: string, opts: Record<string, unknown>) => unknown;
  Schema: new (def: { include: unknown[]; implicit: unknown[] }) => unknown;
  DEFAULT_SAFE_SCHEMA: unknown;
  loadAll(text: string, iterator: (doc: unknown) => void, options: Record<string, unknown>): void;
};
const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
/** YAML 1.1 booleans (go-yaml v2's resolve table). */
const BOOL_11 = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (TRUE.includes(data) || FALSE.includes(data)),
  construct: (data: string) => TRUE.includes(data),
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: (o: boolean) => (o ? 'true' : 'false'),
});
/** Timestamps stay strings (kubectl hands them to the API server as strings). */
const NO_TIMESTAMP = new jsyaml.Type('tag:yaml.org,2002:timestamp', { kind: 'scalar', resolve: () => false });
const SCHEMA = new jsyaml.Schema({ include: [jsyaml.DEFAULT_SAFE_SCHEMA], implicit: [BOOL_11, NO_TIMESTAMP] });

/** A document of a YAML stream: its text, and where it starts. */
interface Chunk {
  readonly start: number;
  readonly end: number;
  /** Line of the chunk's first character. */
  readonly line: number;
  /** Line of the document's first content (what `kubectl` and editors call the object's line). */
  readonly contentLine: number;
}

/** Splits a YAML stream at its document markers (`---` and `...` at the start of a line). */
function chunks(text: string): Chunk[] {
  const out: Chunk[] = [];
  let docStart = 0;
  let docLine = 1;
  let content = false;
  let contentLine = 1;
  let pos = 0;
  let line = 1;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const c = text.charCodeAt(pos);
    const marker = (text.startsWith('---', pos) || text.startsWith('...', pos)) && (pos + 3 >= end || /\s/.test(text[pos + 3]));
    if (marker) {
      const endMarker = text[pos] === '.';
      // Directives and comments before `---` belong to the document it starts.
      if (content || endMarker) out.push({ start: docStart, end: pos, line: docLine, contentLine });
      if (content || endMarker) {
        docStart = endMarker ? end + 1 : pos;
        docLine = endMarker ? line + 1 : line;
      }
      content = !endMarker && /\S/.test(text.slice(pos + 3, Math.min(end, pos + 64)).replace(/#.*/, ''));
      if (content) contentLine = line;
    } else if (!content && pos < end && c !== 0x23 /* # */ && c !== 0x25 /* % */ && /\S/.test(text.slice(pos, Math.min(end, pos + 256)).replace(/^\s*#.*/, ''))) {
      content = true;
      contentLine = line;
    }
    pos = end + 1;
    line++;
  }
  if (content) out.push({ start: docStart, end: text.length, line: docLine, contentLine });
  return out;
}

/** Positions in one document, parsed again with `yaml` (YAML 1.1, merge keys) when a finding needs them. */
class Locator {
  private cached?: { key: string; locate: (segs: PathSegment[]) => { line: number; column: number } | undefined };
  constructor(private readonly textOf: (file: string) => string) {}

  public locate(file: string, chunk: Chunk, segments: PathSegment[]): { line: number; column: number } {
    const fallback = { line: chunk.line, column: 1 };
    if (chunk.end - chunk.start > MAX_LOCATE_BYTES) return fallback;
    const key = `${file}\u0000${chunk.start}`;
    if (this.cached?.key !== key) {
      const text = this.textOf(file).slice(chunk.start, chunk.end);
      const lineCounter = new LineCounter();
      let doc: ReturnType<typeof parseDocument> | undefined;
      try {
        doc = parseDocument(text, { version: '1.1', merge: true, lineCounter, keepSourceTokens: false });
      } catch {
        doc = undefined;
      }
      this.cached = {
        key,
        locate: (segs) => {
          if (!doc) return undefined;
          for (let n = segs.length; n >= 0; n--) {
            const node = doc.getIn(segs.slice(0, n), true);
            if (isNode(node) && node.range) {
              const p = lineCounter.linePos(node.range[0]);
              return { line: p.line + chunk.line - 1, column: p.col };
            }
          }
          return undefined;
        },
      };
    }
    return this.cached.locate(segments) ?? fallback;
  }
}

/** Reads manifests from files, directories or standard input. */
export class ManifestReader {
  public readonly objects: LoadedObject[] = [];
  public readonly files: string[] = [];
  public skipped = 0;
  private bytes = 0;
  private stdin?: string;
  private lastText?: { file: string; text: string };
  private readonly locator = new Locator((file) => this.textOf(file));

  /**
   * Reads `target`: a file, a directory (recursively), or `-` (standard input).
   * @param display how a single file is named in messages (default: `target`)
   */
  public read(target: string, display?: string): void {
    if (target === '-') {
      this.stdin = readStdin();
      this.files.push('-');
      this.bytes = Buffer.byteLength(this.stdin);
      this.parse('-', '(stdin)', this.stdin);
      return;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(target);
    } catch {
      throw new InputError(`${target}: no such file or directory`);
    }
    const files = st.isFile() ? [target] : listFiles(target);
    let total = 0;
    for (const f of files) {
      try {
        total += fs.statSync(f).size;
      } catch (e) {
        throw new InputError(`${f}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (total > MAX_INPUT_BYTES) throw tooLarge(target, total);
    }
    const base = st.isFile() ? path.dirname(target) : target;
    for (const f of files) {
      const shown = st.isFile() ? display ?? target : path.join(target, path.relative(base, f));
      this.files.push(shown);
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch (e) {
        throw new InputError(`${shown}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      this.bytes += Buffer.byteLength(text);
      if (this.bytes > MAX_INPUT_BYTES) throw tooLarge(target, this.bytes);
      this.parse(f, shown, text);
    }
  }

  private textOf(file: string): string {
    if (file === '-') return this.stdin ?? '';
    if (this.lastText?.file !== file) this.lastText = { file, text: fs.readFileSync(file, 'utf8') };
    return this.lastText.text;
  }

  private parse(file: string, display: string, text: string): void {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark
    for (const chunk of chunks(body)) {
      const size = chunk.end - chunk.start;
      if (size > MAX_DOCUMENT_BYTES) {
        throw new InputError(`${display}:${chunk.line}: a YAML document of ${mib(size)} is larger than the ${mib(MAX_DOCUMENT_BYTES)} check reads per document; split it into smaller documents`);
      }
      const docs: unknown[] = [];
      try {
        jsyaml.loadAll(body.slice(chunk.start, chunk.end), (d) => docs.push(d), { schema: SCHEMA, filename: display, json: false });
      } catch (e) {
        const mark = (e as { mark?: { line: number; column: number } }).mark;
        const reason = (e as { reason?: string }).reason ?? (e as Error).message.split('\n')[0];
        throw new InputError(`${display}:${mark ? `${mark.line + chunk.line}:${mark.column + 1}` : chunk.line}: not valid YAML: ${reason}`);
      }
      for (const js of docs) {
        if (js === null || js === undefined) continue;
        for (const item of expandLists(js)) this.push(file, display, chunk, item.json, item.path);
      }
    }
  }

  private push(file: string, display: string, chunk: Chunk, json: any, prefix: PathSegment[]): void {
    if (json === null || typeof json !== 'object' || Array.isArray(json) || typeof json.kind !== 'string' || typeof json.apiVersion !== 'string') {
      this.skipped++;
      return;
    }
    if (this.objects.length >= MAX_OBJECTS) {
      throw new InputError(`${display}:${chunk.contentLine}: more than the ${MAX_OBJECTS.toLocaleString('en-US')} objects check reads at once; check the files in smaller sets`);
    }
    this.objects.push(new Loaded(json, file, display, chunk, prefix, this.locator));
  }
}

const NO_PREFIX: PathSegment[] = [];

/** One object read (small: hundreds of thousands may be held at once). */
class Loaded implements LoadedObject {
  private cachedLine?: number;
  private readonly prefix: PathSegment[];
  constructor(
    public readonly json: any,
    private readonly path: string,
    public readonly file: string,
    private readonly chunk: Chunk,
    prefix: PathSegment[],
    private readonly locator: Locator,
  ) {
    this.prefix = prefix.length ? prefix : NO_PREFIX;
  }

  public get line(): number {
    return (this.cachedLine ??= this.prefix.length ? this.locate([]).line : this.chunk.contentLine);
  }

  public get origin(): string {
    return `${this.file}:${this.line}`;
  }

  public locate(segments: PathSegment[]): { line: number; column: number } {
    return this.locator.locate(this.path, this.chunk, this.prefix.length ? [...this.prefix, ...segments] : segments);
  }
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const tooLarge = (target: string, bytes: number) => new InputError(`${target}: more than the ${mib(MAX_INPUT_BYTES)} check reads at once (${bytes > MAX_INPUT_BYTES * 4 ? 'far more' : mib(bytes)}); check the files in smaller sets`);

/** Files under `dir` as `kubectl apply -f dir -R` reads them. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      throw new InputError(`${d}: cannot read directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(e.name) && (e.isFile() || (e.isSymbolicLink() && isFile(p)))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Standard input, refused past MAX_INPUT_BYTES. */
function readStdin(): string {
  const parts: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(1024 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); continue; }
      if (code === 'EOF') break;
      throw new InputError(`standard input: cannot read (${code ?? (e as Error).message})`);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw tooLarge('standard input', total);
    parts.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(parts).toString('utf8');
}
