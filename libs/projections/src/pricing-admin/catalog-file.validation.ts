import { FieldProblem, impossibleInstant } from '@ledger/http';
import { CatalogFile, MODIFIER_PATTERN, PRICE_MODIFIERS, PriceModifier, USAGE_CLASSES, UsageClass } from '@ledger/pricing';
import { ISO_WITH_ZONE, MULTIPLIER, RATE } from './pricing-admin.dto';

/** The source's provider ids (`anthropic`, `x-ai`, `huggingface_fireworks-ai`) and the aliases clients send. */
export const PROVIDER_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MATCH_KINDS = ['equals', 'starts_with', 'ends_with', 'contains', 'regex'] as const;
/** A catalog file's nesting of match rules is shallow (the source's deepest is 3); a deep one is a mistake or an attack. */
const MAX_RULE_DEPTH = 16;
/** Enough to fix a file by; a file wrong everywhere would otherwise answer with thousands. */
const MAX_PROBLEMS = 50;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

class Problems {
  readonly list: FieldProblem[] = [];
  add(field: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ field, message, location: 'body' });
  }
  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }
  /** Only the keys listed: a key the ledger does not know would be dropped or misread, silently. */
  keys(o: Json, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.add(`${path}.${k}`, `is not a field of ${path.replace(/\[\d+\]/g, '[]')} (known: ${allowed.join(', ')})`);
  }
  object(v: unknown, path: string): v is Json {
    if (isObject(v)) return true;
    this.add(path, 'must be an object');
    return false;
  }
  array(v: unknown, path: string, { optional = false, max = 100_000 } = {}): v is unknown[] {
    if (v === undefined && optional) return false;
    if (Array.isArray(v) && v.length <= max) return true;
    this.add(path, Array.isArray(v) ? `must have at most ${max} entries` : 'must be an array');
    return false;
  }
  text(v: unknown, path: string, { optional = false, max = 500 } = {}): void {
    if (v === undefined && optional) return;
    if (!isText(v, max)) this.add(path, `must be a non-empty string of at most ${max} characters`);
  }
}

function rule(p: Problems, v: unknown, path: string, depth = 0): void {
  if (!p.object(v, path)) return;
  const kinds = Object.keys(v);
  if (kinds.length !== 1 || ![...MATCH_KINDS, 'or', 'and'].includes(kinds[0])) {
    p.add(path, `must be a match rule: exactly one of ${[...MATCH_KINDS, 'or', 'and'].join(', ')}`);
    return;
  }
  const [kind] = kinds;
  const at = `${path}.${kind}`;
  if (kind === 'or' || kind === 'and') {
    if (depth >= MAX_RULE_DEPTH) return p.add(at, `nests deeper than ${MAX_RULE_DEPTH} rules`);
    if (p.array(v[kind], at, { max: 1000 })) {
      if (!(v[kind] as unknown[]).length) p.add(at, 'must list at least one rule');
      (v[kind] as unknown[]).forEach((r, i) => rule(p, r, `${at}[${i}]`, depth + 1));
    }
    return;
  }
  if (!isText(v[kind], 1000)) return p.add(at, 'must be a non-empty string of at most 1000 characters');
  if (kind === 'regex') {
    try {
      new RegExp(v[kind] as string);
    } catch (err) {
      p.add(at, `is not a JavaScript regular expression: ${(err as Error).message}`);
    }
  }
}

function instant(p: Problems, v: unknown, path: string): number | undefined {
  if (typeof v !== 'string' || !ISO_WITH_ZONE.test(v)) {
    p.add(path, 'must be an ISO-8601 date-time with a timezone, e.g. 2025-06-10T00:00:00Z');
    return undefined;
  }
  const ms = Date.parse(v);
  const impossible = impossibleInstant(v, ms);
  if (impossible) p.add(path, impossible);
  return impossible ? undefined : ms;
}

const CLASS_KEYS = (USAGE_CLASSES as readonly UsageClass[]).map((c) => c.key);
function rates(p: Problems, v: unknown, path: string): void {
  if (!p.object(v, path)) return;
  p.keys(v, path, CLASS_KEYS);
  for (const cls of USAGE_CLASSES as readonly UsageClass[]) {
    const r = v[cls.key];
    if (r === undefined) {
      if (cls.whenMissing === 'required') p.add(`${path}.${cls.key}`, 'is required');
    } else if (typeof r !== 'string' || !RATE.test(r)) {
      p.add(`${path}.${cls.key}`, 'must be a decimal string with up to 12 fractional digits, e.g. "2.50"');
    }
  }
}

const MODIFIERS = PRICE_MODIFIERS as readonly PriceModifier[];
function modifiers(p: Problems, v: unknown, path: string): void {
  if (!p.object(v, path)) return;
  p.keys(v, path, MODIFIERS.map((m) => m.field));
  for (const m of MODIFIERS) {
    const values = v[m.field];
    const at = `${path}.${m.field}`;
    if (values === undefined || !p.object(values, at)) continue;
    for (const [value, k] of Object.entries(values)) {
      if (m.values ? !m.values.includes(value) : !MODIFIER_PATTERN.test(value)) {
        p.add(`${at}.${value}`, m.values ? `is not a ${m.field} (one of ${m.values.join(', ')})` : `${m.field} values are 1-32 lowercase letters, digits, _ and -`);
      } else if (value === m.default) p.add(`${at}.${value}`, 'is the default (list price): calls served with it are never multiplied');
      else if (typeof k !== 'string' || !MULTIPLIER.test(k)) p.add(`${at}.${value}`, 'must be a decimal multiplier greater than 0 with up to 12 fractional digits, e.g. "0.5"');
    }
  }
}

function provider(p: Problems, v: unknown, path: string): void {
  if (!p.object(v, path)) return;
  p.keys(v, path, ['id', 'name', 'aliases', 'provider_match', 'model_match', 'fallback_model_providers', 'pricing_urls', 'models']);
  if (typeof v.id !== 'string' || !PROVIDER_ID.test(v.id)) p.add(`${path}.id`, `must be a provider id (${PROVIDER_ID.source})`);
  p.text(v.name, `${path}.name`, { max: 200 });
  if (p.array(v.aliases, `${path}.aliases`, { optional: true, max: 100 })) {
    (v.aliases as unknown[]).forEach((a, i) => {
      if (typeof a !== 'string' || !PROVIDER_ID.test(a)) p.add(`${path}.aliases[${i}]`, `must be a lower-case provider name (${PROVIDER_ID.source})`);
    });
  }
  if (v.provider_match !== undefined) rule(p, v.provider_match, `${path}.provider_match`);
  if (v.model_match !== undefined) rule(p, v.model_match, `${path}.model_match`);
  if (p.array(v.fallback_model_providers, `${path}.fallback_model_providers`, { optional: true, max: 100 })) {
    (v.fallback_model_providers as unknown[]).forEach((id, i) => p.text(id, `${path}.fallback_model_providers[${i}]`, { max: 64 }));
  }
  if (p.array(v.pricing_urls, `${path}.pricing_urls`, { optional: true, max: 100 })) {
    (v.pricing_urls as unknown[]).forEach((u, i) => {
      if (typeof u !== 'string' || !URL.canParse(u)) p.add(`${path}.pricing_urls[${i}]`, 'must be a URL');
    });
  }
  if (p.array(v.models, `${path}.models`)) {
    (v.models as unknown[]).forEach((m, i) => {
      const at = `${path}.models[${i}]`;
      if (!p.object(m, at)) return;
      p.keys(m, at, ['model', 'match']);
      p.text(m.model, `${at}.model`, { max: 200 });
      rule(p, m.match, `${at}.match`);
    });
  }
}

function row(p: Problems, v: unknown, path: string, providerIds: ReadonlySet<string>): void {
  if (!p.object(v, path)) return;
  p.keys(v, path, ['model', 'provider', 'aliases', 'effective_from', 'effective_to', 'rates', 'tiers', 'modifiers']);
  p.text(v.model, `${path}.model`, { max: 200 });
  if (typeof v.provider !== 'string' || !providerIds.has(v.provider)) {
    p.add(`${path}.provider`, "must be the id of one of the file's providers: a file's rows are the catalog's, never the operator's own");
  } else if (typeof v.model === 'string' && !v.model.startsWith(`${v.provider}/`)) {
    p.add(`${path}.model`, `must be provider-qualified: "${v.provider}/<model id>"`);
  }
  if (p.array(v.aliases, `${path}.aliases`, { optional: true, max: 100 })) {
    (v.aliases as unknown[]).forEach((a, i) => p.text(a, `${path}.aliases[${i}]`, { max: 200 }));
  }
  const from = instant(p, v.effective_from, `${path}.effective_from`);
  if (v.effective_to !== undefined && v.effective_to !== null) {
    const to = instant(p, v.effective_to, `${path}.effective_to`);
    if (from !== undefined && to !== undefined && to <= from) p.add(`${path}.effective_to`, 'must be after effective_from');
  }
  rates(p, v.rates, `${path}.rates`);
  if (p.array(v.tiers, `${path}.tiers`, { optional: true, max: 10 })) {
    let last = 0;
    (v.tiers as unknown[]).forEach((t, i) => {
      const at = `${path}.tiers[${i}]`;
      if (!p.object(t, at)) return;
      p.keys(t, at, ['above_prompt_tokens', 'rates']);
      const above = t.above_prompt_tokens;
      if (!Number.isSafeInteger(above) || (above as number) < 1) p.add(`${at}.above_prompt_tokens`, 'must be a whole number of tokens, at least 1');
      else if ((above as number) <= last) p.add(`${at}.above_prompt_tokens`, 'must be above the previous tier’s (tiers ascend)');
      else last = above as number;
      rates(p, t.rates, `${at}.rates`);
    });
  }
  if (v.modifiers !== undefined) modifiers(p, v.modifiers, `${path}.modifiers`);
}

/**
 * What is wrong with a catalog file as the body of an import, each problem named by its path in the body
 * (`catalog.rows[12].rates.input`); empty: it is a CatalogFile. Checked by hand rather than by decorated
 * classes: match rules nest as a union, and a file of 1,500 rows wants its problems by index.
 */
export function catalogFileProblems(value: unknown, path = 'catalog'): FieldProblem[] {
  const p = new Problems();
  if (!p.object(value, path)) return p.list;
  p.keys(value, path, ['description', 'source', 'providers', 'rows', 'not_imported']);
  p.text(value.description, `${path}.description`, { optional: true, max: 10_000 });
  if (p.object(value.source, `${path}.source`)) {
    const s = value.source;
    p.keys(s, `${path}.source`, ['name', 'version', 'sha256']);
    p.text(s.name, `${path}.source.name`, { max: 200 });
    p.text(s.version, `${path}.source.version`, { max: 100 });
    if (typeof s.sha256 !== 'string' || !SHA256.test(s.sha256)) p.add(`${path}.source.sha256`, 'must be a SHA-256 in lower-case hex (64 digits)');
  }
  const ids = new Set<string>();
  const spoken = new Map<string, string>();
  if (p.array(value.providers, `${path}.providers`, { max: 1000 })) {
    (value.providers as unknown[]).forEach((v, i) => {
      const at = `${path}.providers[${i}]`;
      provider(p, v, at);
      if (!isObject(v) || typeof v.id !== 'string') return;
      if (ids.has(v.id)) p.add(`${at}.id`, `repeats provider ${v.id}`);
      ids.add(v.id);
      // A name a call may say must name one provider: an id or alias twice would resolve by file order, silently.
      for (const name of [v.id, ...(Array.isArray(v.aliases) ? v.aliases : [])]) {
        if (typeof name !== 'string') continue;
        const other = spoken.get(name);
        if (other !== undefined && other !== v.id) p.add(`${at}.aliases`, `${name} already names provider ${other}`);
        spoken.set(name, v.id);
      }
    });
    (value.providers as unknown[]).forEach((v, i) => {
      if (!isObject(v) || !Array.isArray(v.fallback_model_providers)) return;
      v.fallback_model_providers.forEach((id, j) => {
        if (typeof id === 'string' && !ids.has(id)) p.add(`${path}.providers[${i}].fallback_model_providers[${j}]`, `names no provider of the file (${id})`);
      });
    });
  }
  if (p.array(value.rows, `${path}.rows`)) {
    const keys = new Map<string, number>();
    (value.rows as unknown[]).forEach((v, i) => {
      if (p.full) return;
      const at = `${path}.rows[${i}]`;
      row(p, v, at, ids);
      if (!isObject(v) || typeof v.model !== 'string' || typeof v.effective_from !== 'string') return;
      const key = `${v.model}\u0000${Date.parse(v.effective_from)}`;
      const first = keys.get(key);
      if (first !== undefined) p.add(`${at}.effective_from`, `repeats ${path}.rows[${first}] (${v.model} from the same instant)`);
      else keys.set(key, i);
    });
  }
  if (p.array(value.not_imported, `${path}.not_imported`, { optional: true })) {
    (value.not_imported as unknown[]).forEach((v, i) => {
      const at = `${path}.not_imported[${i}]`;
      if (p.full || !p.object(v, at)) return;
      p.keys(v, at, ['provider', 'model', 'reason', 'keys']);
      for (const k of ['provider', 'model', 'reason'] as const) p.text(v[k], `${at}.${k}`, { max: 1000 });
      if (p.array(v.keys, `${at}.keys`, { optional: true, max: 100 })) (v.keys as unknown[]).forEach((k, j) => p.text(k, `${at}.keys[${j}]`, { max: 200 }));
    });
  }
  return p.list;
}

/** The body's catalog, once `catalogFileProblems` found nothing wrong with it. */
export const asCatalogFile = (value: unknown): CatalogFile => value as CatalogFile;
