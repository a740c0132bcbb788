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

/** Renders `HARDENED-X-001: reason; HARDENED-Y-002: reason` (sorted by rule id, one-line reasons). */
export function formatAcknowledgements(acks: Acknowledgement[]): string {
  const entries = [...acks].sort((a, b) => a.ruleId.localeCompare(b.ruleId))
    .map((a) => ({ id: a.ruleId, reason: a.reason.replace(/\s+/g, ' ').trim() }));
  const render = (max: number) => entries.map((e) => `${e.id}: ${e.reason.length > max ? `${e.reason.slice(0, max - 1)}…` : e.reason}`).join('; ');
  let max = Math.max(...entries.map((e) => e.reason.length), MIN_REASON_LENGTH);
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

/** Parses the annotation value back into entries (entries without a valid reason carry a problem). */
export function parseAcknowledgements(value: unknown, knownRule: (id: string) => boolean): ParsedAcknowledgement[] {
  const text = String(value ?? '').trim();
  if (!text) return [];
  const re = new RegExp(`(${ID})\\s*:?\\s*(.*?)\\s*(?=;\\s*${ID}\\b|$)`, 'gs');
  const out: ParsedAcknowledgement[] = [];
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text)) !== null) {
    if (m[0] === '') { re.lastIndex++; continue; }
    const gap = text.slice(consumed, m.index).replace(/^[;\s]+|[;\s]+$/g, '');
    if (gap) out.push({ ruleId: gap, reason: '', problem: `entry ${JSON.stringify(gap)} does not start with a rule id` });
    consumed = re.lastIndex;
    const ruleId = m[1];
    const reason = m[2].replace(/;\s*$/, '').trim();
    let problem: string | undefined;
    if (!knownRule(ruleId)) problem = `unknown rule id ${ruleId}`;
    else if (reason.length < MIN_REASON_LENGTH) problem = `the reason for ${ruleId} must be at least ${MIN_REASON_LENGTH} characters`;
    out.push({ ruleId, reason, ...(problem ? { problem } : {}) });
  }
  const rest = text.slice(consumed).replace(/^[;\s]+|[;\s]+$/g, '');
  if (rest) out.push({ ruleId: rest, reason: '', problem: `entry ${JSON.stringify(rest)} does not start with a rule id` });
  return out;
}
