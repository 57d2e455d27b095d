import { OtlpRecord } from '../otlp-model';
import { attribute, count, isoFromNanos, NormalizeError, occurredAt, recordAttributes, text, UsageFields } from './normalizer';

/*
 * Readings the coding-agent runtimes' normalizers (Claude Code, Codex CLI, Gemini CLI) share: their events are
 * log records whose attributes may all arrive as text, and whose usage must name what is missing.
 */

/** A string attribute (record, then resource) the event cannot do without. */
export function required(record: OtlpRecord, key: string): string {
  const value = text(record, key);
  if (value === undefined) throw new NormalizeError(key, 'is missing');
  return value;
}

/** A token count the event cannot do without. */
export function requiredCount(record: OtlpRecord, key: string): number {
  const value = count(record, key);
  if (value === undefined) throw new NormalizeError(key, 'is missing');
  return value;
}

/** A part of `whole` (cached input within input, reasoning within output): more than the whole is the record's fault. */
export function partOf(record: OtlpRecord, key: string, whole: number, wholeKey: string): number {
  const part = count(record, key) ?? 0;
  if (part > whole) throw new NormalizeError(key, `${part} exceeds ${wholeKey} ${whole}, which includes it`);
  return part;
}

/** A duration in milliseconds: a non-negative number or its text, rounded to whole milliseconds. */
export function millis(record: OtlpRecord, key: string): number | undefined {
  const value = attribute(record, key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new NormalizeError(key, `must be a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  return Math.round(n);
}

/** A tool call's `success` (a boolean or its text) as ToolCalled's status; undefined when not said. */
export function outcome(record: OtlpRecord, key = 'success'): 'ok' | 'error' | undefined {
  const success = recordAttributes(record)[key];
  if (success === true || success === 'true') return 'ok';
  if (success === false || success === 'false') return 'error';
  return undefined;
}

/** When the record happened: its time (else observed time), else its `event.timestamp` (ISO 8601), which all three write. */
export function eventTime(record: OtlpRecord): string {
  const at = occurredAt(record);
  if (at) return at;
  const stamp = text(record, 'event.timestamp');
  const ms = stamp === undefined ? NaN : Date.parse(stamp);
  const iso = Number.isNaN(ms) ? undefined : isoFromNanos(String(BigInt(ms) * 1_000_000n));
  if (iso === undefined) throw new NormalizeError('timeUnixNano', 'the record has no time');
  return iso;
}

/** A ToolCalled event with the duration and status when the source gave them. */
export function toolCalled(record: OtlpRecord, session_id: string, tool_name: string, duration_ms: number | undefined, status: string | undefined): UsageFields {
  const event: Record<string, unknown> = { type: 'ToolCalled', session_id, occurred_at: eventTime(record), tool_name };
  if (duration_ms !== undefined) event.duration_ms = duration_ms;
  if (status !== undefined) event.status = status;
  return event as unknown as UsageFields;
}
