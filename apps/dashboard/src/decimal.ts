/**
 * Money arrives as exact decimal strings ("17.506545375", "-0.006986", "0"). It is shown, added and compared
 * here without ever passing through a JS float: the digits are kept as text, or as a BigInt with a scale.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Inserts thousands separators into the integer part of a non-negative integer string. */
export function groupDigits(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `"1234.5"` → `"$1,234.5"`, `"-0.02"` → `"−$0.02"`: every digit the API sent, none invented. */
export function formatUsd(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const m = DECIMAL.exec(value.trim());
  if (!m) return value;
  const [, sign, int, frac] = m;
  const body = `$${groupDigits(int.replace(/^0+(?=\d)/, ''))}${frac ? `.${frac}` : ''}`;
  return sign && !/^0*$/.test(int + (frac ?? '')) ? `−${body}` : body;
}

/** A token or call count, exact even past 2^53 when the API sends it as a string. */
export function formatCount(value: number | string | bigint | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const s = typeof value === 'number' ? Math.trunc(value).toString() : value.toString();
  return s.startsWith('-') ? `−${groupDigits(s.slice(1))}` : groupDigits(s);
}

/** A large count in a few characters (1.2M), for where a reader scans; the exact figure goes in a title. */
export function formatCompact(value: number): string {
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

interface Scaled { units: bigint; scale: number }

function scaled(value: string): Scaled {
  const m = DECIMAL.exec(value.trim());
  if (!m) throw new Error(`not a decimal: ${value}`);
  const [, sign, int, frac = ''] = m;
  const units = BigInt(int + frac);
  return { units: sign ? -units : units, scale: frac.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

function unscale(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Exact sum of decimal strings. */
export function addDecimals(...values: string[]): string {
  return values.reduce((acc, v) => {
    const [x, y, scale] = align(scaled(acc), scaled(v));
    return unscale(x + y, scale);
  }, '0');
}

/** Exact a − b. */
export function subtractDecimals(a: string, b: string): string {
  const [x, y, scale] = align(scaled(a), scaled(b));
  return unscale(x - y, scale);
}

/** Orders decimal strings exactly: negative, zero or positive as a <, = or > b. */
export function compareDecimals(a: string, b: string): number {
  const [x, y] = align(scaled(a), scaled(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isNegative(value: string): boolean {
  return compareDecimals(value, '0') < 0;
}

/**
 * The one place a money string becomes a float: uPlot's data arrays are numbers by its public API, so the chart
 * plots (and only plots) these approximations. Nothing shown as text comes from here.
 */
export function decimalForPlot(value: string | null | undefined): number {
  return value ? Number(value) : 0;
}

/** Sum of integer counts as a BigInt, so that a sum past 2^53 stays exact. */
export function sumCounts(...values: Array<number | string | null | undefined>): bigint {
  return values.reduce<bigint>((acc, v) => acc + BigInt(v ?? 0), 0n);
}

/** A ratio's decimal string (`driftRatio`, 6 places) as a signed percentage to 2 places, truncated: the point moves, no float. */
export function formatRatioPercent(ratio: string | null): string {
  if (ratio === null) return '—';
  const neg = ratio.startsWith('-');
  const [int, frac = ''] = ratio.replace('-', '').split('.');
  const f = frac.padEnd(2, '0');
  const whole = (int + f.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const rest = f.slice(2, 4).replace(/0+$/, '');
  const zero = /^0*$/.test(int + frac);
  return `${zero ? '' : neg ? '−' : '+'}${whole}${rest ? `.${rest}` : ''}%`;
}
