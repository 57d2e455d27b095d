import { getData } from '../api-client';
import { useApp, useScope } from '../app-context';
import type { UnpricedModel } from '../api-types';
import { RangeControls, useResolvedRange } from '../range-controls';
import { href } from '../router';
import { formatInstant } from '../time-range';
import { Count, Loading, Page, Problem } from '../ui';
import { useAsync } from '../use-async';

const REASONS: Record<string, string> = {
  unresolved: 'no catalog model matches the name',
  no_price_then: 'no price was in force then',
  partial: 'a class it used has no rate',
};

/** The admin key sees every workspace's unpriced usage (`/v1/pricing/unpriced`); a workspace key its own. */
export function UnpricedPage() {
  const { principal, range: choice } = useApp();
  const scope = useScope();
  const range = useResolvedRange();
  const ok = 'from' in range ? range : undefined;
  const [allWorkspaces, path] = principal.isAdmin ? [true, '/v1/pricing/unpriced'] : [false, '/v1/cost/unpriced'];
  const list = useAsync(
    () => getData<{ models: UnpricedModel[] }>(path, { ...(allWorkspaces ? {} : scope), from: ok?.from, to: ok?.to }),
    [path, principal.workspace, ok?.from, ok?.to],
  );
  return (
    <Page title="Unpriced models" actions={<RangeControls />}>
      <p class="muted">
        Usage the ledger could not price: its tokens count, its cost is not invented. Pricing the model (a price, an alias or a catalog import) restates these calls.
        {allWorkspaces && ' Every workspace.'}
      </p>
      <Problem error={list.error} />
      {!list.data ? (
        !list.error && <Loading />
      ) : list.data.models.length === 0 ? (
        <p data-testid="unpriced-none">Every call in this range is priced.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Model as sent</th>
                <th scope="col">Provider</th>
                <th scope="col">Why</th>
                <th scope="col" class="num">Calls</th>
                <th scope="col" class="hide-narrow">Seen</th>
                {allWorkspaces && <th scope="col">Workspaces</th>}
                <th scope="col">How to fix</th>
              </tr>
            </thead>
            <tbody>
              {list.data.models.map((m) => {
                const resolved = m.resolvedModel ?? m.resolved_model;
                const missing = m.missingRates ?? m.missing_rates ?? [];
                return (
                  <tr key={`${m.model}/${m.provider}/${m.reason}`} data-testid="unpriced-row" data-model={m.model}>
                    <th scope="row" class="ellipsis">{m.model}{resolved && <div class="muted small">→ {resolved}</div>}</th>
                    <td>{m.provider ?? '—'}</td>
                    <td>{REASONS[m.reason] ?? m.reason}{missing.length > 0 && <div class="muted small">missing: {missing.join(', ')}</div>}</td>
                    <td class="num"><Count value={m.calls} /></td>
                    <td class="hide-narrow small">{formatInstant(m.firstSeen ?? m.first_seen, choice.tz)} – {formatInstant(m.lastSeen ?? m.last_seen, choice.tz)}</td>
                    {allWorkspaces && <td class="small">{(m.workspaces ?? []).map((w) => `${w.workspace_id} (${w.calls})`).join(', ')}</td>}
                    <td class="small">
                      {m.hint}
                      {principal.isAdmin && (
                        <div>
                          <a href={`${href.page('pricing')}?model=${encodeURIComponent(resolved ?? m.model)}`}>Set a price</a>
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
