/*
 * Golden SQL: each composed statement, rendered as it runs, is compared with its checked-in file under sql/,
 * so a change to one fragment fails here and shows, in the diff of sql/, in every statement it lands in.
 * After an intended change, `UPDATE_GOLDEN=1 npx jest test/sql-golden.unit.spec.ts` rewrites the files (and
 * removes those no longer rendered): review them and commit them with the change.
 *
 * Statements are rendered against the live read model (`read_model`), the restatement's against the shadow
 * schema of rebuild 1, as the blue/green rebuild names it. The spec sits above the libs it renders (pricing,
 * projections, queries), so that no lib's spec imports a lib above it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { pricedFactsView } from '@ledger/pricing';
import { LOG_START, PgEventStore } from '@ledger/event-store';
import {
  attributeToSessionsSql,
  batchSql,
  choosePageSql,
  logBatchSql,
  bulkAggregateSql,
  bulkExecutionsSql,
  mergeFactsSql,
  pricedUsageSlices,
  pricedUsageTable,
  sessionShapeRows,
} from '../libs/projections/src/cost.projection';
import { readModel } from '../libs/projections/src/read-model.schema';
import { USAGE_EVENT_FILTER } from '../libs/projections/src/cost-projector';
import { ROLLUP, RUNS } from '../libs/queries/src/cost-range-summary/rollup-range';
import { ALL_WORKSPACES, IN_WORKSPACE } from '../libs/queries/src/cost-summary/get-cost-summary.query';
import { EXECUTION, HOLDING as EXECUTION_HOLDING } from '../libs/queries/src/execution-cost/get-execution-cost.query';
import { PAGES as EXECUTION_PAGES } from '../libs/queries/src/execution-cost/list-execution-costs.query';
import { HOLDING as SESSION_HOLDING, SESSION } from '../libs/queries/src/session-cost/get-session-cost.query';
import { PAGES as SESSION_PAGES } from '../libs/queries/src/session-cost/list-session-costs.query';
import { candidatesSql, EXECUTION_IDS, SESSION_IDS } from '../libs/queries/src/shared/id-prefix';
import { Statements } from '../libs/queries/src/shared/statement';
import { STATEMENTS as CALL_BREAKDOWN } from '../libs/queries/src/workflow-run-cost/call-breakdown';
import { CALLS_AFTER, CLASSES as RUN_CLASSES, FIRST_CALLS, HOLDING as RUN_HOLDING, RUN } from '../libs/queries/src/workflow-run-cost/get-workflow-run-cost.query';
import { FIGURES as RECONCILIATION_FIGURES, WORST as RECONCILIATION_WORST } from '../libs/queries/src/reconciliation/get-cost-reconciliation.query';

const ROOT = path.join(__dirname, '..', 'sql');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const LIVE = READ_MODEL_SCHEMA;
const SHADOW = `${READ_MODEL_SCHEMA}_rebuild_1`;
const LIVE_FACTS = `${LIVE}.cost_facts`;
/** The PostgreSQL log's SQL, which needs no connection to render. */
const PG_LOG = new PgEventStore({} as Pool);

/** One statement of a golden file: what renders it (its comment line) and its text. */
type Rendered = readonly [renderer: string, sql: string];

/** A golden file: the source file its statements are composed in, and the statements. */
interface Golden {
  readonly source: string;
  readonly render: () => Promise<readonly Rendered[]>;
}

/** The text a `Statements` sends when no optional filter applies, as the pool receives it. */
async function unfiltered(statements: Statements): Promise<string> {
  let text = '';
  const pool = { query: async (q: { text: string }) => ((text = q.text), { rows: [] }) } as unknown as Pool;
  await statements.rows(pool, [], []);
  return text;
}

const PROJECTION = 'libs/projections/src/cost.projection.ts';
const QUERIES = 'libs/queries/src';

const GOLDEN: Record<string, Golden> = {
  'read-model.sql': {
    source: 'libs/projections/src/read-model.schema.ts',
    render: async () => readModel(LIVE).map((sql, i) => [`readModel('${LIVE}')[${i}]`, sql]),
  },
  'priced-facts.sql': {
    source: 'libs/pricing/src/pricing.sql.ts',
    render: async () => [[`pricedFactsView('${LIVE}'), which applies pricedFacts`, pricedFactsView(LIVE)]],
  },
  'live-batch.sql': {
    source: PROJECTION,
    render: async () => [[`batchSql('${LIVE}'): applyCostBatch`, batchSql(LIVE)]],
  },
  'live-batch-from-log.sql': {
    source: PROJECTION,
    render: async () => [
      [`choosePageSql('${LIVE}', pageSql(USAGE_EVENT_FILTER, ...)): choosePage`, choosePageSql(LIVE, PG_LOG.pageSql(USAGE_EVENT_FILTER, LOG_START, 5000))],
      [
        `logBatchSql('${LIVE}', scanSql(USAGE_EVENT_FILTER, <the page's end>, no slice, <the checkpoint>)): applyLogBatch`,
        logBatchSql(LIVE, PG_LOG.scanSql(USAGE_EVENT_FILTER, LOG_START, undefined, LOG_START)),
      ],
    ],
  },
  'late-events.sql': {
    source: PROJECTION,
    render: async () => [[`batchSql('${LIVE}', false): applyLateEvents`, batchSql(LIVE, false)]],
  },
  'merge-facts.sql': {
    source: PROJECTION,
    render: async () => [[`mergeFactsSql('${SHADOW}', '${LIVE_FACTS}'), as the blue/green rebuild merges`, mergeFactsSql(SHADOW, LIVE_FACTS)]],
  },
  'priced-usage.sql': {
    source: PROJECTION,
    render: async () => {
      const cut = '(commit_pos, prepare_pos) <= (1000::numeric, 999::numeric)';
      const shapes = `${SHADOW}.session_shapes`;
      return [
        ...pricedUsageSlices(LIVE, LIVE_FACTS, 'true', 64, 2).map(
          (sql, i): Rendered => [`pricedUsageSlices('${LIVE}', '${LIVE_FACTS}', 'true', 64 blocks, 2 slices)[${i}]: the bulk load`, sql],
        ),
        ...pricedUsageSlices(SHADOW, LIVE_FACTS, cut, 64, 2, shapes).map(
          (sql, i): Rendered => [`pricedUsageSlices('${SHADOW}', '${LIVE_FACTS}', <up to the cut>, 64 blocks, 2 slices, '${shapes}')[${i}]: the restatement`, sql],
        ),
      ];
    },
  },
  'bulk-aggregates.sql': {
    source: PROJECTION,
    render: async () => {
      // As the bulk load derives them; the restatement reads the sessions' shapes from a table instead.
      const { first, daily } = bulkAggregateSql(LIVE, { priced: pricedUsageTable(LIVE), shapes: `(${sessionShapeRows(LIVE_FACTS)})` });
      const renderer = `bulkAggregateSql('${LIVE}', { priced: pricedUsageTable, shapes: sessionShapeRows(facts) })`;
      return [...first.map((sql, i): Rendered => [`${renderer}.first[${i}]`, sql]), [`${renderer}.daily`, daily]];
    },
  },
  'attribute-to-sessions.sql': {
    source: PROJECTION,
    render: async () => [[`attributeToSessionsSql('${LIVE}')`, attributeToSessionsSql(LIVE)]],
  },
  'bulk-executions.sql': {
    source: PROJECTION,
    render: async () => [[`bulkExecutionsSql('${LIVE}')`, bulkExecutionsSql(LIVE)]],
  },
  'queries/get-session-cost.sql': {
    source: `${QUERIES}/session-cost/get-session-cost.query.ts`,
    render: async () => [
      ['SESSION', SESSION.text],
      ['HOLDING', SESSION_HOLDING.text],
    ],
  },
  'queries/list-session-costs.sql': {
    source: `${QUERIES}/session-cost/list-session-costs.query.ts`,
    render: async () => [['PAGES, no optional filter', await unfiltered(SESSION_PAGES)]],
  },
  'queries/get-execution-cost.sql': {
    source: `${QUERIES}/execution-cost/get-execution-cost.query.ts`,
    render: async () => [
      ['EXECUTION', EXECUTION.text],
      ['HOLDING', EXECUTION_HOLDING.text],
    ],
  },
  'queries/list-execution-costs.sql': {
    source: `${QUERIES}/execution-cost/list-execution-costs.query.ts`,
    render: async () => [['PAGES, no optional filter', await unfiltered(EXECUTION_PAGES)]],
  },
  'queries/get-workflow-run-cost.sql': {
    source: `${QUERIES}/workflow-run-cost/get-workflow-run-cost.query.ts`,
    render: async () => [
      ['RUN', RUN.text],
      ['FIRST_CALLS', FIRST_CALLS.text],
      ['CALLS_AFTER', CALLS_AFTER.text],
      ['CLASSES', RUN_CLASSES.text],
      ['HOLDING', RUN_HOLDING.text],
    ],
  },
  'queries/get-cost-reconciliation.sql': {
    source: `${QUERIES}/reconciliation/get-cost-reconciliation.query.ts`,
    render: async () => [
      ...(await Promise.all(
        Object.entries(RECONCILIATION_FIGURES).map(async ([groupBy, s]): Promise<Rendered> => [`FIGURES.${groupBy}, no optional filter`, await unfiltered(s)]),
      )),
      ['WORST, no optional filter', await unfiltered(RECONCILIATION_WORST)],
    ],
  },
  'queries/call-breakdown.sql': {
    source: `${QUERIES}/workflow-run-cost/call-breakdown.ts`,
    render: async () =>
      Object.entries(CALL_BREAKDOWN).flatMap(([of, byGroup]) => Object.entries(byGroup).map(([groupBy, s]): Rendered => [`STATEMENTS.${of}.${groupBy}`, s.text])),
  },
  'queries/rollup-range.sql': {
    source: `${QUERIES}/cost-range-summary/rollup-range.ts`,
    render: async () => [
      ['ROLLUP: the range summary and the time series', ROLLUP.text],
      ['RUNS', RUNS.text],
    ],
  },
  'queries/get-cost-summary.sql': {
    source: `${QUERIES}/cost-summary/get-cost-summary.query.ts`,
    render: async () => [
      ['IN_WORKSPACE', IN_WORKSPACE.text],
      ['ALL_WORKSPACES', ALL_WORKSPACES.text],
    ],
  },
  'queries/id-prefix.sql': {
    source: `${QUERIES}/shared/id-prefix.ts`,
    render: async () => [
      ['candidatesSql(SESSION_IDS), no optional filter', candidatesSql(SESSION_IDS)('true')],
      ['candidatesSql(EXECUTION_IDS), no optional filter', candidatesSql(EXECUTION_IDS)('true')],
    ],
  },
};

/**
 * The file's text: the statements as generated, each after a comment naming what renders it and closed
 * by `;`. Leading blank lines and trailing blanks are dropped, so an editor that strips them changes nothing.
 */
function goldenText(golden: Golden, statements: readonly Rendered[]): string {
  const header = `-- Rendered from ${golden.source} by test/sql-golden.unit.spec.ts; UPDATE_GOLDEN=1 rewrites it.`;
  const body = statements.map(([renderer, sql]) => `-- ${renderer}\n${sql.replace(/[ \t]+$/gm, '').replace(/^\n+|\s+$/g, '')};`);
  return [header, ...body].join('\n\n') + '\n';
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe('golden SQL (sql/)', () => {
  it.each(Object.keys(GOLDEN))('%s is the statement as composed now', async (file) => {
    const golden = GOLDEN[file];
    const text = goldenText(golden, await golden.render());
    const target = path.join(ROOT, file);
    if (UPDATE) {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text);
      return;
    }
    let stored: string;
    try {
      stored = readFileSync(target, 'utf8');
    } catch {
      throw new Error(`sql/${file} is missing: run UPDATE_GOLDEN=1 npx jest test/sql-golden.unit.spec.ts and commit it`);
    }
    expect(text).toBe(stored);
  });

  it('holds no file this spec does not render', () => {
    const stale = filesUnder(ROOT).filter((f) => !(f in GOLDEN));
    if (UPDATE) for (const f of stale) rmSync(path.join(ROOT, f));
    else expect(stale).toEqual([]);
  });
});
