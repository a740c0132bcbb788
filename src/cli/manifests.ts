/*
 * Reading manifests the way `kubectl apply -f <path> -R` does, in bounded memory.
 *
 * - Files: every *.yaml, *.yml and *.json under a directory, recursively, hidden files and
 *   folders and node_modules included (kubectl's file visitor skips nothing but other
 *   extensions); symbolic links to directories are not followed (as filepath.Walk). `-` is
 *   standard input.
 * - YAML 1.1, as kubectl's decoder (go-yaml v2) reads it: `yes`/`no`/`on`/`off`/`y`/`n` (any
 *   case kubectl accepts) are booleans, `<<` merge keys are applied in document order (a key
 *   after the merge wins, a key before it is overwritten), numbers follow Go's syntax (`0755` and
 *   `0o755` are octal, `1:20` is a string), `!!binary` is the decoded string, timestamps stay
 *   strings, an anchor that contains itself is refused. JSON is YAML.
 * - Every object with an `items` array is a list: kubectl creates each item (recursively).
 * - Memory: documents are parsed one at a time with a light parser that keeps only the values;
 *   the positions of a finding are found afterwards by parsing that one document again. The
 *   input is refused (exit 2, one line) past MAX_INPUT_BYTES in total, MAX_OBJECTS objects, or
 *   MAX_DOCUMENT_BYTES for one document (the API server stores at most 1.5 MiB per object).
 */
import { randomBytes } from 'crypto';
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
/**
 * Numbers as go-yaml v2 resolves a plain scalar: underscores removed, then Go's
 * `strconv.ParseInt(s, 0, 64)` (`0x`, `0o`, `0b` in either case, a leading `0` for octal), else a
 * decimal float. No base-60 (`1:20` is a string), and `0o0` and `0B1` are numbers.
 */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const goNumberText = (data: string | null): string | undefined => (data !== null && /^[-+.0-9]/.test(data) ? data.replace(/_/g, '') : undefined);
const INT_11 = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => GO_INT.test(goNumberText(data) ?? ''),
  construct: (data: string) => {
    const t = goNumberText(data)!;
    const sign = t[0] === '-' ? -1 : 1;
    const u = t.replace(/^[-+]/, '');
    const radix = /^0[xX]/.test(u) ? 16 : /^0[oO]/.test(u) ? 8 : /^0[bB]/.test(u) ? 2 : /^0[0-7]/.test(u) ? 8 : 10;
    const digits = radix === 10 || (radix === 8 && !/^0[oO]/.test(u)) ? u : u.slice(2);
    return sign * parseInt(digits, radix);
  },
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
  represent: (o: number) => String(o),
});
const INF_NAN = ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN'];
const FLOAT_11 = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (INF_NAN.includes(data) || GO_FLOAT.test(goNumberText(data) ?? '')),
  construct: (data: string) => (INF_NAN.includes(data) ? (data.includes('nan') || data.includes('NaN') || data.includes('NAN') ? NaN : data[0] === '-' ? -Infinity : Infinity) : Number(goNumberText(data))),
  predicate: (o: unknown) => typeof o === 'number',
  represent: (o: number) => String(o),
});
/** `!!binary` is a string for kubectl (go-yaml v2 decodes the base64 into a string). */
const BINARY_11 = new jsyaml.Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && /^[A-Za-z0-9+/=\s]*$/.test(data) && Buffer.from(data.replace(/\s/g, ''), 'base64').toString('base64').replace(/=+$/, '') === data.replace(/[\s=]/g, ''),
  construct: (data: string) => Buffer.from(data.replace(/\s/g, ''), 'base64').toString('utf8'),
  predicate: () => false,
});
/**
 * Merge keys: js-yaml lets a key written before `<<` win over the merged one, go-yaml v2 (kubectl)
 * lets whichever comes later win. So `<<` is read as an ordinary key (a unique marker, in its place)
 * and `applyMerges` applies it as kubectl does.
 */
// A marker no document can spell: a quoted key "\0<<0" in the YAML must stay an ordinary key.
const MERGE_KEY = `\u0000<<${randomBytes(12).toString('hex')}:`;
let mergeKeys = 0;
const MERGE_AS_KEY = new jsyaml.Type('tag:cdk8s-hardened,merge-key', { kind: 'scalar', resolve: (data: string | null) => data === '<<', construct: () => `${MERGE_KEY}${mergeKeys++}` });
const NO_MERGE = new jsyaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: () => false });
const SCHEMA = new jsyaml.Schema({ include: [jsyaml.DEFAULT_SAFE_SCHEMA], implicit: [BOOL_11, INT_11, FLOAT_11, NO_TIMESTAMP, NO_MERGE, MERGE_AS_KEY], explicit: [BINARY_11] } as any);

const isMergeKey = (k: string) => k.startsWith(MERGE_KEY);
const INTEGER_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * Applies `<<` merge keys as go-yaml v2 does: mapping entries are set in document order, a merge
 * sets every key of its mapping (of a sequence of mappings, the last first, so earlier ones win),
 * overwriting keys set before it. Refuses what kubectl refuses: a value that contains itself, and
 * a merge of anything but mappings.
 */
function applyMerges(root: unknown): unknown {
  const done = new Map<object, unknown>();
  const active = new Set<object>();
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return isMergeKey(v) ? '<<' : v;
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
    if (done.has(v)) return done.get(v);
    if (active.has(v)) throw new Error('a YAML anchor\'s value contains itself (kubectl refuses it)');
    active.add(v);
    let out: unknown;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i]);
      out = v;
    } else {
      const keys = Object.keys(v);
      if (!keys.some(isMergeKey)) {
        for (const k of keys) (v as any)[k] = visit((v as any)[k]);
        out = v;
      } else {
        const merged: Record<string, unknown> = {};
        const set = (k: string, value: unknown) => {
          Object.defineProperty(merged, k, { value, enumerable: true, writable: true, configurable: true });
        };
        for (const k of keys) {
          if (!isMergeKey(k)) {
            set(k, visit((v as any)[k]));
            continue;
          }
          const source = visit((v as any)[k]);
          const sources = Array.isArray(source) ? [...source].reverse() : [source];
          for (const m of sources) {
            if (m === null || typeof m !== 'object' || Array.isArray(m) || Buffer.isBuffer(m)) throw new Error('a "<<" merge key needs a mapping or a sequence of mappings');
            for (const [mk, mv] of Object.entries(m)) {
              // JavaScript orders integer keys first, so their place relative to "<<" is lost.
              if (INTEGER_KEY.test(mk) && keys.includes(mk)) throw new Error(`the key ${JSON.stringify(mk)} is both written and merged with "<<" in one mapping; write it once`);
              set(mk, mv);
            }
          }
        }
        out = merged;
      }
    }
    active.delete(v);
    done.set(v, out);
    return out;
  };
  return visit(root);
}

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
        text = decode(fs.readFileSync(f));
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
    if (this.lastText?.file !== file) this.lastText = { file, text: decode(fs.readFileSync(file)) };
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
        for (let i = 0; i < docs.length; i++) docs[i] = applyMerges(docs[i]);
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

/**
 * The text of a file as go-yaml reads it: UTF-16 (little or big endian) when it starts with that
 * byte-order mark, else UTF-8 (a UTF-8 byte-order mark is dropped later).
 */
function decode(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const le = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    le.swap16();
    return le.toString('utf16le');
  }
  return bytes.toString('utf8');
}

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
  return decode(Buffer.concat(parts));
}
