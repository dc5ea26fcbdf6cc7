import { formatHitRatio, type LayerLookups } from './cacheCounters';
import type { LoadResult } from './load';

export type Mode = 'off' | 'cold' | 'warm' | 'bare';

/** One line of the table: a scenario measured in one mode. */
export interface Row {
  scenario: string;
  mode: Mode;
  /** What was sent, in words (which variables, how they varied). */
  variables: string;
  load: LoadResult;
  /** SQL statements per request sent; null where nothing was counted (the bare server). */
  sqlPerRequest: number | null;
  /** Cache lookups during the measurement; null when the gateway reports no counters. */
  cache: LayerLookups[] | null;
  /** CPU the server process used during the measurement, in % of one core (Node runs JavaScript on one). */
  serverCpuPercent: number;
}

export interface Target {
  label: string;
  value: number | null;
  unit: '×' | '%';
  threshold: number;
  pass: boolean | null;
}

export interface Report {
  startedAt: string;
  totalSeconds: number;
  environment: Record<string, string>;
  settings: { residents: number; connections: number; durationSeconds: number; warmupSeconds: number; pipelining: number };
  dataset: { residents: number; reused: boolean; seedSeconds: number; denseCommune: { code: string; residents: number } };
  statementCounting: string;
  cacheCounters: string;
  rows: Row[];
  targets: Target[];
  notes: string[];
}

export const MODE_LABEL: Record<Mode, string> = {
  off: 'caching off',
  cold: 'cold',
  warm: 'warm',
  bare: 'bare node:http',
};

const number = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** autocannon records whole milliseconds: 0 means under one. */
const milliseconds = (ms: number) => (ms < 1 ? '< 1' : number(ms));

/** Throughput of `row` relative to the caching-off row of its scenario. */
export function versusOff(rows: Row[], row: Row): number | null {
  const off = rows.find((r) => r.scenario === row.scenario && r.mode === 'off');
  return off && off.load.requestsPerSecond > 0 ? row.load.requestsPerSecond / off.load.requestsPerSecond : null;
}

function cells(rows: Row[], row: Row): string[] {
  const failed = row.load.errors + row.load.non2xx + row.load.mismatches;
  const ratio = versusOff(rows, row);
  return [
    row.scenario,
    MODE_LABEL[row.mode],
    number(row.load.completed),
    number(row.load.requestsPerSecond, 1),
    milliseconds(row.load.latencyMs.p50),
    milliseconds(row.load.latencyMs.p99),
    row.sqlPerRequest === null ? '—' : number(row.sqlPerRequest, 2),
    row.mode === 'bare' ? '—' : formatHitRatio(row.cache),
    `${number(row.serverCpuPercent)}% / ${number(row.load.clientCpuPercent)}%`,
    row.mode === 'off' || row.mode === 'bare' || ratio === null ? '—' : `${number(ratio, 2)}×`,
    failed === 0 ? '0' : `**${number(failed)}**`,
  ];
}

const HEADER = [
  'Scenario',
  'Mode',
  'Requests',
  'req/s',
  'p50 ms',
  'p99 ms',
  'SQL/req',
  'Cache hits',
  'CPU server / client',
  'vs off',
  'Failed',
];

/** The results table and the targets, in Markdown (also what the console shows). */
export function renderMarkdown(report: Report): string {
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_h, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...report.rows.map((row) => `| ${cells(report.rows, row).join(' | ')} |`),
    '',
    ...report.targets.map((t) =>
      t.value === null
        ? `- ${t.label}: not measured`
        : `- ${t.label}: **${number(t.value, t.unit === '×' ? 2 : 1)}${t.unit}** (target ≥ ${t.threshold}${t.unit}) — ${t.pass ? 'PASS' : 'FAIL'}`,
    ),
    '',
    `Variables: ${[...new Map(report.rows.filter((r) => r.mode !== 'bare').map((r) => [`${r.scenario} ${r.mode}`, r])).values()]
      .map((r) => `${r.scenario} ${MODE_LABEL[r.mode]}: ${r.variables}`)
      .join('; ')}.`,
    `SQL statements counted with ${report.statementCounting}. Cache hits: ${report.cacheCounters}.`,
    `${number(report.dataset.residents)} residents (${report.dataset.reused ? 'reused' : `seeded in ${number(report.dataset.seedSeconds, 1)} s`}); ` +
      `${report.settings.connections} connections, pipelining ${report.settings.pipelining}, ` +
      `${report.settings.warmupSeconds} s warm-up (not counted), ${report.settings.durationSeconds} s per measurement; ` +
      Object.entries(report.environment)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      '.',
    ...report.notes.map((n) => `Note: ${n}`),
  ];
  return lines.join('\n');
}
