import { parseRetryAfter } from './retry-policy';

/** What the ledger said about a refused request, in its `/v1` error shape `{success:false, error:{code, message, details}}`. */
export interface ServerError {
  readonly status: number;
  /** The ledger's stable code (`VALIDATION_ERROR`, `IDEMPOTENCY_CONFLICT`, …), when the body had one. */
  readonly code?: string;
  /** The ledger's message, which names the offending fields (`events[3].output_tokens: …`). */
  readonly message: string;
  readonly details?: readonly { index?: number; field?: string; message?: string }[];
}

/** What to do with a batch after one request. */
export type BatchOutcome =
  | { readonly kind: 'acknowledged'; readonly accepted: number; readonly duplicates: number; readonly position?: string }
  /** Nothing of the batch is known to be refused: send the same events again (they are idempotent). */
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  /** The ledger refused these events (batch indexes) and stored nothing: the others can be sent again. */
  | { readonly kind: 'refused-events'; readonly indexes: readonly number[]; readonly error: ServerError }
  /** The body was over the ledger's size limit: smaller batches may pass. */
  | { readonly kind: 'too-large'; readonly error: ServerError }
  /** Refused as a whole (auth, a malformed request): sending it again would be refused again. */
  | { readonly kind: 'refused'; readonly error: ServerError };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function serverError(status: number, body: unknown, text: string): ServerError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const message = typeof error?.message === 'string' ? error.message : text.trim().slice(0, 500) || `HTTP ${status}`;
  const details = Array.isArray(error?.details) ? (error.details.filter(isRecord) as ServerError['details']) : undefined;
  return { status, message, ...(typeof error?.code === 'string' && { code: error.code }), ...(details && { details }) };
}

/**
 * The batch indexes a refusal names, when every problem it lists names one within the batch; else
 * undefined (the refusal is about the request, not particular events).
 */
function refusedIndexes(error: ServerError, size: number): number[] | undefined {
  const details = error.details ?? [];
  if (!details.length || !details.every((d) => Number.isInteger(d.index) && (d.index as number) >= 0 && (d.index as number) < size)) return undefined;
  return [...new Set(details.map((d) => d.index as number))].sort((a, b) => a - b);
}

/**
 * Classifies the ledger's answer to a batch of `size` events. Retried: 408, 429 and 5xx (a 503 is the
 * database coming back; a 500 may be a passing fault, and the retry budget bounds a lasting one). A 400
 * or 409 naming events refuses those alone: the ledger stores nothing of a refused batch, so the rest is
 * sent again.
 */
export function classifyResponse(status: number, headers: { get(name: string): string | null }, text: string, size: number, now: number): BatchOutcome {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    const data = isRecord(body) && isRecord(body.data) ? body.data : {};
    // A 2xx without the ledger's body (a proxy's) still means stored: everything counts as accepted.
    const known = isCount(data.accepted) && isCount(data.duplicates);
    return {
      kind: 'acknowledged',
      accepted: known ? (data.accepted as number) : size,
      duplicates: known ? (data.duplicates as number) : 0,
      ...(typeof data.position === 'string' && { position: data.position }),
    };
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
    const { message } = serverError(status, body, text);
    const reason = message === `HTTP ${status}` ? message : `HTTP ${status}: ${message}`;
    return { kind: 'retry', reason, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  const error = serverError(status, body, text);
  if (status === 413) return { kind: 'too-large', error };
  if (status === 400 || status === 409 || status === 422) {
    const indexes = refusedIndexes(error, size);
    if (indexes) return { kind: 'refused-events', indexes, error };
  }
  return { kind: 'refused', error };
}

/**
 * The greater of two positions the ledger minted (`<commit>-<prepare>`, compared as integers); a token of
 * another form is opaque, and the newer one wins.
 */
export function laterPosition(a: string | undefined, b: string): string {
  const pa = a === undefined ? undefined : /^(-?\d{1,30})-(-?\d{1,30})$/.exec(a);
  const pb = /^(-?\d{1,30})-(-?\d{1,30})$/.exec(b);
  if (!pa || !pb) return b;
  const [ca, xa, cb, xb] = [pa[1], pa[2], pb[1], pb[2]].map(BigInt);
  return ca > cb || (ca === cb && xa > xb) ? (a as string) : b;
}
