import Big from 'big.js';
import { validateSync } from 'class-validator';
import { FieldProblem, toProblems, ValidationError } from '@ledger/http';
import { BODY_CLASS_BY_TYPE, SessionFinalizedBody, TokenUsedBody, ToolCalledBody, UsageEventBody } from './usage-batch.dto';
import { UsageEvent } from './usage-events';

export const MAX_BATCH = 1000;
/** Clock skew tolerated for events stamped in the future. */
export const MAX_FUTURE_MS = 5 * 60_000;

const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true, validationError: { target: false, value: false } };

const optional = <T>(v: T | undefined | null): T | undefined => (v === null ? undefined : v);

function normalize(body: UsageEventBody, workspaceId: string, occurredAt: string): UsageEvent {
  const base = {
    workspace_id: workspaceId,
    event_id: body.event_id,
    session_id: body.session_id,
    execution_id: optional(body.execution_id),
    workflow_id: optional(body.workflow_id),
    phase_id: optional(body.phase_id),
    occurred_at: occurredAt,
  };
  if (body instanceof TokenUsedBody) {
    return {
      type: 'TokenUsed',
      data: {
        ...base,
        model: body.model,
        input_tokens: body.input_tokens ?? 0,
        output_tokens: body.output_tokens ?? 0,
        cache_creation_tokens: body.cache_creation_tokens ?? 0,
        cache_read_tokens: body.cache_read_tokens ?? 0,
        step_name: optional(body.step_name),
        tool_tokens: optional(body.tool_tokens),
        reported_cost_usd: body.reported_cost_usd === undefined ? undefined : new Big(body.reported_cost_usd).toFixed(),
      },
    };
  }
  if (body instanceof ToolCalledBody) {
    return {
      type: 'ToolCalled',
      data: {
        ...base,
        tool_name: body.tool_name,
        duration_ms: optional(body.duration_ms),
        compute_cost_usd: body.compute_cost_usd === undefined ? undefined : new Big(body.compute_cost_usd).toFixed(),
        status: optional(body.status),
      },
    };
  }
  const fin = body as SessionFinalizedBody;
  return {
    type: 'SessionFinalized',
    data: { ...base, status: optional(fin.status), duration_ms: optional(fin.duration_ms), num_turns: optional(fin.num_turns) },
  };
}

/**
 * Validates a `POST /v1/events` body and normalises each event (defaults
 * applied, timestamps in UTC, decimals canonical), so that an identical re-send
 * compares equal. Reports every bad field of every event at once.
 */
export function parseUsageBatch(body: unknown, workspaceId: string, now: Date): UsageEvent[] {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_BATCH) {
    throw new ValidationError([{ field: 'events', location: 'body', message: `events must be an array of 1 to ${MAX_BATCH} events` }]);
  }
  const problems: FieldProblem[] = [];
  const parsed: UsageEvent[] = [];
  events.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({ index, field: '', location: 'body', message: 'each event must be a JSON object' });
      return;
    }
    const type = (raw as { type?: unknown }).type;
    const cls = typeof type === 'string' ? BODY_CLASS_BY_TYPE[type as keyof typeof BODY_CLASS_BY_TYPE] : undefined;
    // The bodies are flat JSON with no defaults or nested classes, so adopting the
    // prototype is all class-transformer would do here, at a fraction of its cost.
    const instance: UsageEventBody = Object.setPrototypeOf({ ...raw }, (cls ?? UsageEventBody).prototype);
    const found = toProblems(validateSync(instance, cls ? VALIDATOR_OPTIONS : { ...VALIDATOR_OPTIONS, forbidNonWhitelisted: false }));
    let occurredAt: string | undefined;
    if (!found.some((p) => p.field === 'occurred_at')) {
      const ms = Date.parse(instance.occurred_at);
      if (Number.isNaN(ms)) found.push({ field: 'occurred_at', message: 'occurred_at is not a valid date-time' });
      else if (ms > now.getTime() + MAX_FUTURE_MS) found.push({ field: 'occurred_at', message: 'occurred_at is more than 5 minutes in the future' });
      else occurredAt = new Date(ms).toISOString();
    }
    if (found.length || !occurredAt) {
      problems.push(...found.map((p) => ({ ...p, index, location: 'body' as const })));
      return;
    }
    parsed.push(normalize(instance, workspaceId, occurredAt));
  });
  if (problems.length) throw new ValidationError(problems);
  return parsed;
}
