import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatCatalogFile } from './catalog-file.format';
import { CatalogOverlay, convertGenaiPrices, SourceProvider } from './convert-genai-prices';

/**
 * `npm run catalog:convert`: converts the pinned @pydantic/genai-prices data with the overlay into the
 * snapshot shipped with the ledger. The package is a devDependency, loaded here at run time only: nothing
 * the service loads imports it. `waitForUpdate()` resolves to the data embedded in the package; its
 * `updatePrices` (which fetches from the internet) is never called.
 */

export const SOURCE_PACKAGE = '@pydantic/genai-prices';
export const SNAPSHOT_PATH = 'libs/pricing/catalog/genai-prices.snapshot.json';
export const OVERLAY_PATH = 'libs/pricing/catalog/overlay.json';
export const SNAPSHOT_DESCRIPTION =
  'List prices converted from @pydantic/genai-prices by npm run catalog:convert, with libs/pricing/catalog/overlay.json applied. ' +
  'USD per 1,000,000 tokens by token class (web_search: per 1,000 requests); a tier bills every class of a call whose prompt exceeds it; ' +
  'model keys are provider/model. Do not edit by hand: change the overlay or the pinned version and convert again.';

/** The repository root: the nearest directory above with the package.json, from source or from dist. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
  throw new Error(`no repository root above ${from}`);
}

/** The converted snapshot, as text, from the installed package and the overlay in the repository. */
export async function convertInstalled(root = repoRoot()) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CJS build, loaded only when converting
  const pkg = require(SOURCE_PACKAGE) as { waitForUpdate(): Promise<readonly SourceProvider[]> };
  const version = (JSON.parse(readFileSync(join(root, 'node_modules', SOURCE_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
  const data = await pkg.waitForUpdate();
  const overlay = JSON.parse(readFileSync(join(root, OVERLAY_PATH), 'utf8')) as CatalogOverlay;
  const sha256 = createHash('sha256').update(JSON.stringify(data)).digest('hex');
  const { file, report } = convertGenaiPrices(data, overlay, { name: SOURCE_PACKAGE, version, sha256 }, SNAPSHOT_DESCRIPTION);
  return { file, report, text: formatCatalogFile(file) };
}

async function main() {
  const root = repoRoot();
  const { file, report, text } = await convertInstalled(root);
  writeFileSync(join(root, SNAPSHOT_PATH), text);
  const lines = [
    `${file.source.name} ${file.source.version} (sha256 ${file.source.sha256.slice(0, 12)}…) → ${SNAPSHOT_PATH}`,
    `models: ${report.sourceModels} in the source, ${report.importedModels} imported as ${report.rows} rows`,
    `not imported: ${Object.values(report.notImported).reduce((a, b) => a + b, 0)}`,
    ...Object.entries(report.notImported).map(([reason, n]) => `  ${n}  ${reason}`),
    `imported with some keys priced at text rates: ${report.pricedWithout}`,
    `1-hour cache writes priced at the cache-write rate (the source's fallback): ${report.cacheCreation1hFromCacheWrite} models`,
    ...(report.unusedOverlay.length ? [`overlay entries that matched nothing: ${report.unusedOverlay.join('; ')}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
