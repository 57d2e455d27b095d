import type { CatalogFile } from '../catalog-file';

/**
 * A catalog file as text that diffs well: one row, one provider model, one report entry per line.
 * Parses to exactly `file` (the snapshot spec compares both the text and the value).
 */
export function formatCatalogFile(file: CatalogFile): string {
  const line = (v: unknown) => JSON.stringify(v);
  const list = (items: readonly unknown[], indent: string, each: (v: unknown) => string = line) =>
    items.length ? `[\n${items.map((v) => `${indent}  ${each(v)}`).join(',\n')}\n${indent}]` : '[]';
  const provider = (p: unknown) => {
    const { models, ...head } = p as CatalogFile['providers'][number];
    const fields = line(head).slice(1, -1);
    return `{${fields}${fields ? ',' : ''}"models":${list(models, '    ')}}`;
  };
  const parts = Object.entries(file).map(([key, value]) => {
    if (key === 'providers') return `  "providers": ${list(value as readonly unknown[], '  ', provider)}`;
    if (Array.isArray(value)) return `  ${line(key)}: ${list(value, '  ')}`;
    return `  ${line(key)}: ${line(value)}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}
