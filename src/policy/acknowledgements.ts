/* The acknowledgement annotation: how exceptions are recorded in (and read back from) manifests. */
import { Acknowledgement } from './model';

/** Annotation that lists the rules acknowledged on an object, with their reasons. */
export const ACK_ANNOTATION = 'hardened.cdk8s.io/acknowledged';
/** Minimum length of a reason (as cdk-nag). */
export const MIN_REASON_LENGTH = 10;
/**
 * Budget for the annotation value. The API server limits all annotations of an object together
 * to 256 KiB; this keeps ours well below that. Reasons are shortened (never dropped) past it.
 */
export const ACK_ANNOTATION_BUDGET = 16 * 1024;

const ID = 'HARDENED-[A-Z]+-\\d{3}';

/**
 * Characters that show nothing: format characters (zero-width spaces and joiners, direction
 * marks, soft hyphens), control characters, separators and whitespace, combining marks alone.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Z}\p{M}\s\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** The number of visible characters of `text` (what a reviewer can read). */
export function visibleLength(text: string): number {
  return [...String(text).replace(INVISIBLE, '')].length;
}

/** A reason as recorded: one line, invisible characters removed, whitespace collapsed. */
function cleanReason(reason: string): string {
  return reason.replace(/[\p{Cf}\p{Cc}]/gu, (c) => (/\s/.test(c) ? ' ' : '')).replace(/\s+/g, ' ').trim();
}

/** `;` and `\` in a reason are escaped, so a reason can never read back as two entries. */
const escapeReason = (r: string) => r.replace(/[\\;]/g, (c) => `\\${c}`);

/**
 * Renders `HARDENED-X-001: reason; HARDENED-Y-002: reason` (sorted by rule id, one-line reasons;
 * `;` and `\` inside a reason escaped as `\;` and `\\`).
 */
export function formatAcknowledgements(acks: Acknowledgement[]): string {
  const entries = [...acks].sort((a, b) => a.ruleId.localeCompare(b.ruleId))
    .map((a) => ({ id: a.ruleId, reason: cleanReason(a.reason) }));
  const render = (max: number) => entries.map((e) => {
    const chars = [...e.reason];
    return `${e.id}: ${escapeReason(chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : e.reason)}`;
  }).join('; ');
  let max = Math.max(...entries.map((e) => [...e.reason].length), MIN_REASON_LENGTH);
  let out = render(max);
  while (Buffer.byteLength(out) > ACK_ANNOTATION_BUDGET && max > MIN_REASON_LENGTH) {
    max = Math.max(MIN_REASON_LENGTH, Math.floor(max / 2));
    out = render(max);
  }
  return out;
}

export interface ParsedAcknowledgement {
  readonly ruleId: string;
  readonly reason: string;
  /** Why it cannot be honoured, if it cannot. */
  readonly problem?: string;
}

/**
 * Parses the annotation value back into entries (entries without a valid reason carry a
 * problem). Entries are separated by an unescaped `;`; a piece that does not start with a rule id
 * continues the reason before it (hand-written reasons may contain `;`); `\;` and `\\` are a
 * literal `;` and `\`.
 */
export function parseAcknowledgements(value: unknown, knownRule: (id: string) => boolean): ParsedAcknowledgement[] {
  const text = String(value ?? '').trim();
  if (!text) return [];
  const pieces: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
    } else if (c === ';') {
      pieces.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  pieces.push(cur);
  const idRe = new RegExp(`^\\s*(${ID})\\b\\s*:?\\s*([\\s\\S]*)$`);
  const raw: Array<{ ruleId?: string; text: string }> = [];
  for (const piece of pieces) {
    const m = idRe.exec(piece);
    if (m) raw.push({ ruleId: m[1], text: m[2] });
    else if (raw.length && raw[raw.length - 1].ruleId) raw[raw.length - 1].text += `;${piece}`;
    else if (piece.trim()) raw.push({ text: piece.trim() });
  }
  return raw.map((r) => {
    if (!r.ruleId) return { ruleId: r.text, reason: '', problem: `entry ${JSON.stringify(r.text)} does not start with a rule id` };
    const reason = r.text.trim();
    let problem: string | undefined;
    if (!knownRule(r.ruleId)) problem = `unknown rule id ${r.ruleId}`;
    else if (visibleLength(reason) < MIN_REASON_LENGTH) problem = `the reason for ${r.ruleId} must be at least ${MIN_REASON_LENGTH} visible characters`;
    return { ruleId: r.ruleId, reason, ...(problem ? { problem } : {}) };
  });
}
