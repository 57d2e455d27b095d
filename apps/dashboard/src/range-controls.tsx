import { useMemo } from 'preact/hooks';
import { useApp } from './app-context';
import { isoToWallTime, PRESETS, type Preset, resolveRange, timeZones } from './time-range';

/** Preset or custom range and the time zone, shared by the pages that read a range. */
export function RangeControls() {
  const { range, setRange } = useApp();
  const zones = useMemo(timeZones, []);
  const pick = (preset: Preset) => {
    if (preset === 'custom' && !range.customFrom) {
      // A custom range starts as the one on screen, so that editing it is a small step.
      const r = resolveRange(range);
      if ('from' in r) return setRange({ ...range, preset, customFrom: isoToWallTime(r.from, range.tz), customTo: isoToWallTime(r.to, range.tz) });
    }
    setRange({ ...range, preset });
  };
  return (
    <fieldset class="range-controls">
      <legend class="sr-only">Time range</legend>
      <div class="presets" role="group" aria-label="Range">
        {[...PRESETS.map((p) => ({ id: p.id, label: p.id })), { id: 'custom' as Preset, label: 'custom' }].map((p) => (
          <button
            key={p.id}
            type="button"
            aria-pressed={range.preset === p.id}
            data-testid={`range-${p.id}`}
            title={PRESETS.find((x) => x.id === p.id)?.label ?? 'A range of your own'}
            onClick={() => pick(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
      {range.preset === 'custom' && (
        <div class="custom-range">
          <label>
            From
            <input type="datetime-local" value={range.customFrom} onChange={(e) => setRange({ ...range, customFrom: (e.target as HTMLInputElement).value })} />
          </label>
          <label>
            To
            <input type="datetime-local" value={range.customTo} onChange={(e) => setRange({ ...range, customTo: (e.target as HTMLInputElement).value })} />
          </label>
        </div>
      )}
      <label class="tz">
        Time zone
        <select data-testid="tz-select" value={range.tz} onChange={(e) => setRange({ ...range, tz: (e.target as HTMLSelectElement).value })}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}

/** The resolved range, fixed for as long as the choice stays the same (a preset's "now" does not creep on every render). */
export function useResolvedRange() {
  const { range } = useApp();
  const key = JSON.stringify(range);
  return useMemo(() => resolveRange(range), [key]);
}
