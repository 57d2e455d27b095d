import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getData, send } from '../api-client';
import { useApp } from '../app-context';
import type { Catalog, ModelPrices, PriceRow, PricingChange, ProjectionStatus, Preview, Rates, RangeSummary, WorkspacePrices } from '../api-types';
import { addDecimals, subtractDecimals } from '../decimal';
import { useRoute } from '../router';
import { formatDuration, formatInstant } from '../time-range';
import { Count, Loading, Page, Problem, Usd } from '../ui';
import { useAsync, useInterval } from '../use-async';

const CLASSES: Array<[keyof Rates, string]> = [
  ['input', 'Input'],
  ['output', 'Output'],
  ['reasoning', 'Reasoning'],
  ['cache_creation', 'Cache write'],
  ['cache_creation_1h', 'Cache write, 1 hour'],
  ['cache_read', 'Cache read'],
  ['web_search', 'Web search (per 1,000)'],
];
const MAX_MATCHES = 60;
const POLL_MS = 500;

/** The row in force now, else the latest. */
function currentRow(rows: PriceRow[]): PriceRow | undefined {
  const now = new Date().toISOString();
  return rows.find((r) => r.effective_from <= now && (!r.effective_to || r.effective_to > now)) ?? rows[rows.length - 1];
}

function RatesText({ rates }: { rates?: Rates }) {
  if (!rates) return <span class="muted">—</span>;
  return (
    <span class="rates">
      {CLASSES.filter(([k]) => rates[k] !== undefined).map(([k, l]) => (
        <span key={k} class="rate">
          {l.split(' (')[0].toLowerCase()} <Usd value={rates[k]!} />
        </span>
      ))}
    </span>
  );
}

function ModelSearch({ catalog, selected, onSelect }: { catalog: Catalog; selected: string | null; onSelect: (m: string) => void }) {
  const [q, setQ] = useState('');
  const names = useMemo(() => {
    const byName = new Map<string, PriceRow[]>();
    for (const r of catalog.models) byName.set(r.model, [...(byName.get(r.model) ?? []), r]);
    return [...byName.entries()];
  }, [catalog]);
  const needle = q.trim().toLowerCase();
  const matches = needle ? names.filter(([n, rows]) => n.toLowerCase().includes(needle) || rows.some((r) => r.aliases?.some((a) => a.toLowerCase().includes(needle)))) : names;
  return (
    <div class="panel model-search">
      <h2>Catalog</h2>
      <p class="muted small">Version {catalog.version}: <Count value={names.length} /> models.</p>
      <label for="pricing-search">Search models</label>
      <input
        id="pricing-search"
        data-testid="pricing-search"
        type="search"
        placeholder="e.g. gpt-4o, claude-sonnet"
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            // Enter opens the exact name typed, which may be a name the catalog has never priced.
            if (q.trim()) onSelect(matches.length === 1 ? matches[0][0] : q.trim());
          }
        }}
      />
      <p class="muted small" aria-live="polite">
        {matches.length} match{matches.length === 1 ? '' : 'es'}
        {matches.length > MAX_MATCHES ? `, the first ${MAX_MATCHES} shown` : ''}. Enter opens the name as typed.
      </p>
      <ul class="model-list">
        {matches.slice(0, MAX_MATCHES).map(([name, rows]) => {
          const row = currentRow(rows);
          return (
            <li key={name}>
              <button type="button" class="model-item" data-testid="pricing-model" data-model={name} aria-current={selected === name ? 'true' : undefined} onClick={() => onSelect(name)}>
                <span class="ellipsis">{name}</span>
                <span class="muted small">
                  {row?.rates.input !== undefined ? <>in <Usd value={row.rates.input} /> · out <Usd value={row.rates.output} /></> : 'no rates'}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

interface Applied {
  model: string;
  change: PricingChange;
  before: Map<string, string>;
}

function RebuildProgress({ applied, onSwapped }: { applied: Applied; onSwapped: () => void }) {
  const [status, setStatus] = useState<ProjectionStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(applied.change.rebuild.state !== 'queued');
  const swapped = useRef(false);
  useInterval(
    () => {
      getData<ProjectionStatus[]>('/v1/admin/projections').then((all) => {
        const s = all[0];
        setStatus(s);
        // Swapped once the read model is priced with the change's catalog version and no rebuild is left to run.
        if (s.pricing_version >= applied.change.catalog_version && s.state !== 'rebuilding' && s.pending_rebuilds === 0 && !swapped.current) {
          swapped.current = true;
          setDone(true);
          onSwapped();
        }
        if (s.rebuild?.state === 'failed' && s.rebuild.id === applied.change.rebuild.id) setError(new Error(`The rebuild failed: ${s.rebuild.error}`));
      }, setError);
    },
    POLL_MS,
    !done,
  );
  const r = status?.rebuild;
  const pct = r && r.total ? Math.min(100, Math.floor((r.done / r.total) * 100)) : done ? 100 : 0;
  if (applied.change.rebuild.state === 'disabled') return <p class="note">Automatic rebuilds are off (LEDGER_AUTO_REBUILD=false): start one on the Operations page to restate history.</p>;
  if (applied.change.rebuild.state === 'not_needed') return <p class="note">No recorded usage is repriced: nothing to restate.</p>;
  return (
    <div class="rebuild" aria-live="polite">
      <label id="rebuild-label">
        Rebuild {applied.change.rebuild.id !== undefined && <>#{applied.change.rebuild.id}</>}: {done ? 'swapped in' : r?.state === 'running' ? 'restating' : 'queued'}
      </label>
      <div class="progress" role="progressbar" aria-labelledby="rebuild-label" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid="rebuild-progress" data-state={done ? 'done' : r?.state ?? 'pending'}>
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p class="small muted">
        {pct}%{r && r.total ? <> · <Count value={r.done} /> of <Count value={r.total} /> events</> : null}
        {r?.rate_per_s ? <> · <Count value={r.rate_per_s} />/s</> : null}
        {!done && r?.eta_s !== null && r?.eta_s !== undefined ? <> · about {formatDuration(r.eta_s * 1000)} left</> : null}
      </p>
      <Problem error={error} />
    </div>
  );
}

function WhatIf(props: { model: string; detail: ModelPrices | null; workspaces: string[]; version: number; onApplied: () => void; onSwapped: () => void }) {
  const { model, detail, workspaces, version, onApplied } = props;
  const { principal } = useApp();
  const row = detail ? currentRow(detail.rows) : undefined;
  const [scope, setScope] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState(row?.effective_from ?? new Date().toISOString());
  const [rates, setRates] = useState<Rates>(row?.rates ?? {});
  const [multiplier, setMultiplier] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [restated, setRestated] = useState<Map<string, string> | null>(null);

  const price = () => {
    const clean = Object.fromEntries(Object.entries(rates).filter(([, v]) => v !== undefined && String(v).trim() !== '').map(([k, v]) => [k, String(v).trim()]));
    if (scope && multiplier.trim()) return { effective_from: effectiveFrom, multiplier: multiplier.trim() };
    // A list price keeps the row's tiers and modifiers: the form edits rates only.
    return { effective_from: effectiveFrom, rates: clean, ...(!scope && row?.tiers && { tiers: row.tiers }), ...(!scope && row?.modifiers && { modifiers: row.modifiers }) };
  };
  const affectedWorkspaces = (p: Preview) => [...new Set(p.lines.map((l) => l.workspace_id))].slice(0, 20);
  const totals = async (wss: string[]) =>
    new Map(await Promise.all(wss.map(async (w): Promise<[string, string]> => [w, (await getData<RangeSummary>('/v1/cost/summary', { workspace_id: w })).totalCostUsdExact])));

  const doPreview = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setApplied(null);
    setRestated(null);
    setReason('');
    try {
      setPreview((await send<{ data: Preview }>('POST', '/v1/pricing/preview', { action: 'set', model, ...(scope && { workspace_id: scope }), price: price() })).data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const doApply = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const wss = affectedWorkspaces(preview);
      if (principal.workspace && !wss.includes(principal.workspace)) wss.unshift(principal.workspace);
      const before = await totals(wss);
      const path = scope ? `/v1/pricing/workspaces/${encodeURIComponent(scope)}/models/${encodeURIComponent(model)}` : `/v1/pricing/models/${encodeURIComponent(model)}`;
      const change = (await send<{ data: PricingChange }>('PUT', path, { ...price(), reason: reason.trim(), expected_version: version })).data;
      setApplied({ model, change, before });
      onApplied();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? new Error(`${err.message} Preview again: the catalog changed since.`) : err);
    } finally {
      setBusy(false);
    }
  };
  const onSwapped = async () => {
    if (applied) setRestated(await totals([...applied.before.keys()]));
    props.onSwapped();
  };
  const focusWs = applied && (principal.workspace && applied.before.has(principal.workspace) ? principal.workspace : [...applied.before.keys()][0]);

  return (
    <div class="panel whatif">
      <h2>What if</h2>
      <form onSubmit={doPreview}>
        <div class="form-grid">
          <label>
            Price for
            <select data-testid="price-scope" value={scope} onChange={(e) => setScope((e.target as HTMLSelectElement).value)}>
              <option value="">the list price (every workspace)</option>
              {workspaces.map((w) => (
                <option key={w} value={w}>
                  {w}'s negotiated price
                </option>
              ))}
            </select>
          </label>
          <div class="field">
            <label for="price-effective-from">Effective from (UTC, ISO-8601)</label>
            <input id="price-effective-from" data-testid="price-effective-from" value={effectiveFrom} onInput={(e) => setEffectiveFrom((e.target as HTMLInputElement).value)} required />
            <span class="hint-buttons">
              {row && (
                <button type="button" class="link" onClick={() => setEffectiveFrom(row.effective_from)}>
                  the current row's start
                </button>
              )}
              <button type="button" class="link" onClick={() => setEffectiveFrom(new Date().toISOString())}>
                now
              </button>
            </span>
          </div>
          {CLASSES.map(([k, l]) => (
            <label key={k}>
              {l} {k === 'web_search' ? '' : '(per 1M tokens)'}
              <input
                inputMode="decimal"
                pattern="\d+(\.\d+)?"
                data-testid={`price-input-${k}`}
                value={rates[k] ?? ''}
                placeholder={k === 'reasoning' ? 'output rate' : k.startsWith('cache_creation') ? 'input rate' : ''}
                onInput={(e) => setRates({ ...rates, [k]: (e.target as HTMLInputElement).value })}
              />
            </label>
          ))}
          {scope && (
            <label>
              Or a multiplier of the list price
              <input data-testid="price-input-multiplier" inputMode="decimal" pattern="\d+(\.\d+)?" value={multiplier} placeholder="e.g. 0.8" onInput={(e) => setMultiplier((e.target as HTMLInputElement).value)} />
            </label>
          )}
        </div>
        {!scope && row && (row.tiers?.length || row.modifiers) ? <p class="muted small">The row's long-context tiers and served-tier multipliers are kept as they are.</p> : null}
        <button type="submit" data-testid="preview-submit" disabled={busy}>
          Preview
        </button>
      </form>
      <Problem error={error} />
      {preview && (
        <>
          <h3>Preview</h3>
          <p class="small">
            <Count value={preview.affected.events} /> recorded events repriced
            {preview.affected.from && <> ({formatInstant(preview.affected.from, 'UTC')} – {formatInstant(preview.affected.to, 'UTC')} UTC)</>}. Nothing has changed yet.
          </p>
          <div class="table-wrap">
            <table class="table" data-testid="preview-table">
              <thead>
                <tr>
                  <th scope="col">Workspace</th>
                  <th scope="col">Model</th>
                  <th scope="col" class="num">Events</th>
                  <th scope="col" class="num">Before</th>
                  <th scope="col" class="num">After</th>
                  <th scope="col" class="num">Delta</th>
                </tr>
              </thead>
              <tbody>
                {preview.lines.map((l) => (
                  <tr key={`${l.workspace_id}/${l.model}`} data-testid="preview-row">
                    <td>{l.workspace_id}</td>
                    <th scope="row" class="ellipsis">{l.model}</th>
                    <td class="num"><Count value={l.events} /></td>
                    <td class="num"><Usd value={l.before_usd} /></td>
                    <td class="num"><Usd value={l.after_usd} /></td>
                    <td class="num"><Usd value={l.delta_usd} signed /></td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={3}>Total</th>
                  <td class="num"><Usd value={preview.totals.before_usd} testId="preview-before" /></td>
                  <td class="num"><Usd value={preview.totals.after_usd} testId="preview-after" /></td>
                  <td class="num"><Usd value={preview.totals.delta_usd} signed testId="preview-delta" /></td>
                </tr>
              </tfoot>
            </table>
          </div>
          {!applied && (
            <form
              class="apply"
              onSubmit={(e) => {
                e.preventDefault();
                doApply();
              }}
            >
              <label for="apply-reason">Reason (kept in the catalog's history)</label>
              <input id="apply-reason" data-testid="apply-reason" required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder="e.g. March price was misquoted" />
              <button type="submit" data-testid="apply-submit" disabled={busy || !reason.trim()}>
                Apply and restate
              </button>
            </form>
          )}
        </>
      )}
      {applied && (
        <>
          <p role="status">
            Recorded as catalog version {applied.change.catalog_version}; <Count value={applied.change.affected.events} /> events to restate.
          </p>
          <RebuildProgress applied={applied} onSwapped={onSwapped} />
        </>
      )}
      {applied && restated && (
        <div class="restated">
          <h3>Restated</h3>
          <p>
            All-time LLM cost of {focusWs}: <Usd value={restated.get(focusWs!) ?? null} testId="restated-total" /> (was <Usd value={applied.before.get(focusWs!) ?? null} />)
          </p>
          <table class="table compact">
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col" class="num">Before</th>
                <th scope="col" class="num">After</th>
                <th scope="col" class="num">Change</th>
              </tr>
            </thead>
            <tbody>
              {[...applied.before.entries()].map(([w, b]) => (
                <tr key={w} data-testid="restated-row">
                  <th scope="row">{w}</th>
                  <td class="num"><Usd value={b} /></td>
                  <td class="num"><Usd value={restated.get(w) ?? null} /></td>
                  <td class="num"><Usd value={subtractDecimals(restated.get(w) ?? b, b)} signed /></td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td class="num"><Usd value={addDecimals(...applied.before.values())} /></td>
                <td class="num"><Usd value={addDecimals(...restated.values())} /></td>
                <td class="num"><Usd value={subtractDecimals(addDecimals(...restated.values()), addDecimals(...applied.before.values()))} signed /></td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </div>
  );
}

function ModelDetail({ model, workspaces, version, onSwapped }: { model: string; workspaces: string[]; version: number; onSwapped: () => void }) {
  const detail = useAsync(async () => {
    try {
      return await getData<ModelPrices>(`/v1/pricing/models/${encodeURIComponent(model)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }, [model, version]);
  const overrides = useAsync(async () => {
    const names = new Set([model, detail.data?.priced_model, '*'].filter(Boolean));
    const all = await Promise.all(workspaces.map((w) => getData<WorkspacePrices>(`/v1/pricing/workspaces/${encodeURIComponent(w)}`)));
    return all.flatMap((p) => p.overrides.filter((o) => names.has(o.model)));
  }, [model, detail.data, workspaces.join(','), version]);
  const d = detail.data;
  return (
    <div class="model-detail">
      <div class="panel">
        <h2>
          <code>{model}</code>
        </h2>
        <Problem error={detail.error} />
        {detail.loading && <Loading />}
        {d === null && <p>The catalog has never priced this name: setting a price below creates it.</p>}
        {d && (
          <>
            {d.priced_model !== model && <p class="muted small">Priced as <code>{d.priced_model}</code>.</p>}
            <h3>Effective-dated prices</h3>
            <div class="table-wrap">
              <table class="table compact" data-testid="price-history">
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    <th scope="col">Until</th>
                    <th scope="col">Rates (USD per 1M tokens)</th>
                  </tr>
                </thead>
                <tbody>
                  {d.rows.map((r) => (
                    <tr key={`${r.model}@${r.effective_from}`}>
                      <td>{r.effective_from.startsWith('1970-01-01T00:00:00') ? 'always' : formatInstant(r.effective_from, 'UTC')}</td>
                      <td>{r.effective_to ? formatInstant(r.effective_to, 'UTC') : 'now'}</td>
                      <td>
                        <RatesText rates={r.rates} />
                        {r.tiers?.map((t) => (
                          <div key={t.above_prompt_tokens} class="small">
                            above <Count value={t.above_prompt_tokens} /> prompt tokens: <RatesText rates={t.rates} />
                          </div>
                        ))}
                        {r.modifiers && <div class="small muted">× {Object.entries(r.modifiers).map(([k, v]) => `${k} ${Object.entries(v).map(([a, b]) => `${a} ${b}`).join(', ')}`).join('; ')}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h3>Changes</h3>
            <ol class="changes">
              {d.changes.map((c) => (
                <li key={`${c.version}/${c.type}`}>
                  v{c.version} {c.type} · {formatInstant(c.recorded_at, 'UTC')} UTC{typeof c.data.reason === 'string' && <> · “{c.data.reason}”</>}
                </li>
              ))}
            </ol>
          </>
        )}
        <h3>Negotiated prices</h3>
        <Problem error={overrides.error} />
        {overrides.data && overrides.data.length === 0 && <p class="muted small">No workspace has its own price for this model.</p>}
        {overrides.data && overrides.data.length > 0 && (
          <table class="table compact" data-testid="price-overrides">
            <thead>
              <tr>
                <th scope="col">Workspace</th>
                <th scope="col">Model</th>
                <th scope="col">From</th>
                <th scope="col">Price</th>
              </tr>
            </thead>
            <tbody>
              {overrides.data.map((o) => (
                <tr key={`${o.workspace_id}/${o.model}/${o.effective_from}`}>
                  <td>{o.workspace_id}</td>
                  <td>{o.model}</td>
                  <td>{formatInstant(o.effective_from, 'UTC')}{o.effective_to && <> – {formatInstant(o.effective_to, 'UTC')}</>}</td>
                  <td>{o.multiplier ? `${o.multiplier} × list` : <RatesText rates={o.rates} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {d !== undefined && (
        <WhatIf
          key={model}
          model={model}
          detail={d}
          workspaces={workspaces}
          version={d?.version ?? version}
          onApplied={() => undefined}
          onSwapped={() => {
            detail.reload();
            overrides.reload();
            onSwapped();
          }}
        />
      )}
    </div>
  );
}

export function PricingPage() {
  const { principal } = useApp();
  const route = useRoute();
  const [selected, setSelected] = useState<string | null>(route.params.get('model'));
  useEffect(() => {
    const m = route.params.get('model');
    if (m) setSelected(m);
  }, [route.params.get('model')]);
  const catalog = useAsync(() => getData<Catalog>('/v1/pricing/models'), []);
  return (
    <Page title="Pricing">
      <Problem error={catalog.error} />
      {!catalog.data ? (
        !catalog.error && <Loading what="Loading the catalog" />
      ) : (
        <div class="pricing">
          <ModelSearch catalog={catalog.data} selected={selected} onSelect={setSelected} />
          {selected ? (
            <ModelDetail model={selected} workspaces={principal.workspaces} version={catalog.data.version} onSwapped={catalog.reload} />
          ) : (
            <p class="muted">Pick a model to see its prices and try a change.</p>
          )}
        </div>
      )}
    </Page>
  );
}
