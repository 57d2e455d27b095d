import { Component, type ComponentChildren } from 'preact';
import { ApiError } from './api-client';
import { compareDecimals, formatCompact, formatCount, formatUsd, isNegative } from './decimal';
import type { MoneyMap } from './api-types';

/** An exact USD figure; `data-value` keeps the API's string as sent. */
export function Usd({ value, testId, signed }: { value: string | null | undefined; testId?: string; signed?: boolean }) {
  const text = formatUsd(value);
  const cls = signed && value && compareDecimals(value, '0') !== 0 ? (isNegative(value) ? 'money neg' : 'money pos') : 'money';
  return (
    <span class={cls} data-testid={testId} data-value={value ?? ''}>
      {signed && value && !isNegative(value) && compareDecimals(value, '0') > 0 ? '+' : ''}
      {text}
      {value !== null && value !== undefined && <span class="currency"> USD</span>}
    </span>
  );
}

/** A count: compact where large (with the exact figure as its accessible name), exact otherwise. */
export function Count({ value, testId, compact }: { value: number | string | bigint | null | undefined; testId?: string; compact?: boolean }) {
  const exact = formatCount(value);
  const n = typeof value === 'number' ? value : value === null || value === undefined ? 0 : Number(value);
  if (compact && n >= 100_000) {
    return (
      <span class="count" data-testid={testId} data-value={String(value)} title={exact} aria-label={exact}>
        {formatCompact(n)}
      </span>
    );
  }
  return (
    <span class="count" data-testid={testId} data-value={value === null || value === undefined ? '' : String(value)}>
      {exact}
    </span>
  );
}

export function Page({ title, children, actions }: { title: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title" tabIndex={-1}>{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Error;
  const status = e instanceof ApiError ? ` (${e.status}${e.code ? ` ${e.code}` : ''})` : '';
  return (
    <p class="problem" role="alert">
      {e.message}
      {status}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Card({ label, children, hint }: { label: string; children: ComponentChildren; hint?: ComponentChildren }) {
  return (
    <div class="card">
      <div class="card-label">{label}</div>
      <div class="card-value">{children}</div>
      {hint && <div class="card-hint">{hint}</div>}
    </div>
  );
}

/** A cost map (`cost_by_phase`, …) as a table, most expensive first, with a bar for the share. */
export function CostMapTable({ title, map, keyLabel }: { title: string; map: MoneyMap | undefined; keyLabel: string }) {
  const entries = Object.entries(map ?? {}).sort(([ka, a], [kb, b]) => compareDecimals(b, a) || ka.localeCompare(kb));
  // The bars' widths are presentation only; the figures beside them are the exact strings.
  const max = entries.reduce((m, [, v]) => Math.max(m, Number(v)), 0);
  return (
    <div class="panel">
      <h2>{title}</h2>
      {entries.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">{keyLabel}</th>
              <th scope="col" class="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">
                  <span class="bar-label">{k}</span>
                  <span class="bar" aria-hidden="true" style={{ width: `${max > 0 ? (Number(v) / max) * 100 : 0}%` }} />
                </th>
                <td class="num">
                  <Usd value={v} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function Pager({ onPrev, onNext, page }: { onPrev?: () => void; onNext?: () => void; page: number }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={onPrev} disabled={!onPrev}>
        ← Previous
      </button>
      <span aria-live="polite">Page {page}</span>
      <button type="button" onClick={onNext} disabled={!onNext}>
        Next →
      </button>
    </nav>
  );
}

export function Status({ state }: { state: string }) {
  return <span class={`status status-${state}`}>{state}</span>;
}

/** A page that fails to render shows why, and the rest of the app (navigation, sign-out) keeps working. */
export class PageBoundary extends Component<{ children: ComponentChildren; resetKey: string }, { error: Error | null; key: string }> {
  state = { error: null as Error | null, key: '' };
  static getDerivedStateFromProps(props: { resetKey: string }, state: { key: string }) {
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }
  componentDidCatch(error: Error) {
    this.setState({ error });
  }
  render() {
    if (this.state.error) {
      return (
        <Page title="Something went wrong">
          <Problem error={this.state.error} />
        </Page>
      );
    }
    return this.props.children;
  }
}
