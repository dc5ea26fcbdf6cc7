import { formatHitRatio, type LayerLookups } from './cacheCounters';
import type { LoadResult } from './load';
import { FLOOR_SETUP, MAX_RSS_GROWTH, type LoadTestRow, type ScenarioRow } from './scenarios';
import { MAX_SOAK_GROWTH_PERCENT, type SoakReport } from './soak';
import { renderLive, type LiveReport } from './live';
import { renderScale, type ScaleReport } from './scale';
import { renderServices, type ServicesReport } from './services';

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
  dataset: { residents: number; reused: boolean; seedSeconds: number; denseCommune: { code: string; residents: number } } | null;
  statementCounting: string;
  cacheCounters: string;
  rows: Row[];
  targets: Target[];
  notes: string[];
  /** Uncached scenarios across deployment shapes (bench/scenarios.ts). */
  scenarios: ScenarioRow[];
  /** The soak (`--soak`, bench/soak.ts); null without it. */
  soak: SoakReport | null;
  loadTests: LoadTestRow[];
  loadSettings: { connections: number; durationSeconds: number };
  /** The scale part (bench/scale.ts); null when skipped. */
  scale: ScaleReport | null;
  /** The public-services part (bench/services.ts); null when skipped. */
  services: ServicesReport | null;
  /** The live part (bench/live.ts); null when skipped. */
  live: LiveReport | null;
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

/** req/s of one scenario row ÷ another's, as `1.23×`; `—` when either is missing. */
function ratio(rows: ScenarioRow[], scenario: string, setup: string, versus: string): string | null {
  const a = rows.find((r) => r.scenario === scenario && r.setup === setup);
  const b = rows.find((r) => r.scenario === scenario && r.setup === versus);
  return a && b && b.load.requestsPerSecond > 0 ? `${number(a.load.requestsPerSecond / b.load.requestsPerSecond, 2)}×` : null;
}

/** Issue 14's targets for the uncached scenarios (bench/README.md, "The lean path"). */
const LEAN = { ofFloorPercent: 50, cpuMs: 4, allocatedMb: 1, peakRssMb: 300, hop: 0.5 };

/** `- label: **value** (target …) — PASS/FAIL`, or "not measured". */
function targetLine(
  label: string,
  value: number | null,
  shown: (v: number) => string,
  target: string,
  pass: (v: number) => boolean,
): string {
  return value === null || !Number.isFinite(value)
    ? `- ${label}: not measured`
    : `- ${label}: **${shown(value)}** (target ${target}) — ${pass(value) ? 'PASS' : 'FAIL'}`;
}

/** The lean path's targets (issue 14) over the scenario rows: floor, CPU and allocation per request, peak RSS, the hop. */
function leanTargets(rows: ScenarioRow[], connections: number): string[] {
  const row = (scenario: string, setup: string) => rows.find((r) => r.scenario === scenario && r.setup === setup);
  const page = row('CommuneResidents first: 50', 'one process');
  const floor = row('CommuneResidents first: 50', FLOOR_SETUP);
  const lines = [
    targetLine(
      `CommuneResidents first: 50, one process ÷ its SQL floor (${floor ? number(floor.load.requestsPerSecond, 1) : '?'} req/s replayed with pg)`,
      page && floor && floor.load.requestsPerSecond > 0 ? (100 * page.load.requestsPerSecond) / floor.load.requestsPerSecond : null,
      (v) => `${number(v, 1)}%`,
      `≥ ${LEAN.ofFloorPercent}%`,
      (v) => v >= LEAN.ofFloorPercent,
    ),
    targetLine(
      'CommuneResidents first: 50, one process: gateway CPU per request',
      page?.cpuMsPerRequest ?? null,
      (v) => `${number(v, 2)} ms`,
      `≤ ${LEAN.cpuMs} ms`,
      (v) => v <= LEAN.cpuMs,
    ),
    targetLine(
      'CommuneResidents first: 50, one process: gateway allocation per request',
      page?.allocatedMbPerRequest ?? null,
      (v) => `${number(v, 2)} MB`,
      `≤ ${LEAN.allocatedMb} MB`,
      (v) => v <= LEAN.allocatedMb,
    ),
  ];
  for (const setup of ['one process', 'separate processes']) {
    const peaks = rows.filter((r) => r.setup === setup && r.peakRssMb !== null).map((r) => r.peakRssMb!);
    if (peaks.length === 0) continue;
    lines.push(
      targetLine(
        `Gateway peak RSS over the uncached scenarios, ${setup}, ${connections} connections`,
        Math.max(...peaks),
        (v) => `${number(v)} MB`,
        `≤ ${LEAN.peakRssMb} MB at 10 connections`,
        (v) => v <= LEAN.peakRssMb,
      ),
    );
  }
  return lines;
}

/** The soak, in Markdown. */
function renderSoak(soak: SoakReport): string[] {
  const failed = soak.load.errors + soak.load.non2xx + soak.load.mismatches;
  return [
    '',
    `### Soak: mixed workload, one gateway (one process, caching off), ${soak.connections} connections, ${number(soak.seconds)} s`,
    '',
    '| Requests | req/s | p50 ms | p99 ms | Failed | RSS after warm-up MB | RSS at end MB | max MB | Growth | Result |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    `| ${number(soak.load.completed)} | ${number(soak.load.requestsPerSecond, 1)} | ${milliseconds(soak.load.latencyMs.p50)} | ${milliseconds(soak.load.latencyMs.p99)} | ${failed === 0 ? '0' : `**${number(failed)}**`} | ${soak.rssMb[0]} | ${soak.rssMb.at(-1)} | ${Math.max(...soak.rssMb)} | ${number(soak.growthPercent, 1)}% | ${soak.pass ? 'PASS' : 'FAIL'} |`,
    '',
    `PASS: nothing failed and RSS at the end under ${MAX_SOAK_GROWTH_PERCENT}% above RSS after the ${soak.warmupSeconds} s warm-up (sampled every 5 s).`,
  ];
}

/** The uncached scenarios and the load test, in Markdown. */
function renderOperations(report: Report): string[] {
  const lines: string[] = [];
  const rows = report.scenarios;
  if (rows.length > 0) {
    lines.push(
      '',
      '### Uncached scenarios (CACHE_ENABLED=false everywhere)',
      '',
      '| Scenario | Setup | Requests | req/s | p50 ms | p99 ms | SQL/req | Gateway CPU ms/req | Gateway alloc MB/req | Gateway peak RSS MB | Failed |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => {
        const failed = r.load.errors + r.load.non2xx + r.load.mismatches;
        const optional = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '—' : number(v, digits));
        return `| ${r.scenario} | ${r.setup} | ${number(r.load.completed)} | ${number(r.load.requestsPerSecond, 1)} | ${milliseconds(r.load.latencyMs.p50)} | ${milliseconds(r.load.latencyMs.p99)} | ${optional(r.sqlPerRequest, 2)} | ${optional(r.cpuMsPerRequest, 2)} | ${optional(r.allocatedMbPerRequest, 2)} | ${r.peakRssMb === null ? '—' : number(r.peakRssMb)} | ${failed === 0 ? '0' : `**${number(failed)}**`} |`;
      }),
      '',
    );
    const ratios: [string, string | null][] = [
      ...['ResidentLookup', 'CommuneResidents first: 50', 'Mixed'].map((scenario): [string, string | null] => [
        `${scenario}, ours ÷ Hive Gateway (same supergraph, same subgraph processes; target ≥ 1.5×, issue 14)`,
        ratio(rows, scenario, 'separate processes', 'Hive Gateway'),
      ]),
      ['ResidentLookup, separate processes ÷ one process', ratio(rows, 'ResidentLookup', 'separate processes', 'one process')],
      [
        'CommuneResidents first: 50, separate processes ÷ one process',
        ratio(rows, 'CommuneResidents first: 50', 'separate processes', 'one process'),
      ],
      ['Mixed, separate processes ÷ one process', ratio(rows, 'Mixed', 'separate processes', 'one process')],
    ];
    const large = rows.find((r) => /residents$/.test(r.setup))?.setup;
    if (large) {
      for (const scenario of ['ResidentLookup', 'LegacyLookup', 'CommuneResidents first: 50', 'Mixed']) {
        const a = rows.find((r) => r.scenario === scenario && r.setup === large);
        const b = rows.find((r) => r.scenario === scenario && r.setup === 'one process');
        if (a && b && b.load.latencyMs.p50 > 0) {
          ratios.push([
            `${scenario} p50 latency, ${large} ÷ the main data set (flat: ≈ 1×)`,
            `${number(a.load.latencyMs.p50 / b.load.latencyMs.p50, 2)}×`,
          ]);
        }
      }
    }
    const pages = [10, 50, 100].map((n) => rows.find((r) => r.scenario === `CommuneResidents first: ${n}` && r.setup === 'one process'));
    if (pages.every(Boolean)) {
      ratios.push([
        'CommuneResidents p50 latency, first: 100 ÷ first: 10',
        pages[0]!.load.latencyMs.p50 > 0 ? `${number(pages[2]!.load.latencyMs.p50 / pages[0]!.load.latencyMs.p50, 2)}×` : null,
      ]);
    }
    lines.push(...ratios.filter(([, v]) => v !== null).map(([label, v]) => `- ${label}: **${v}**`));
    lines.push(
      ...leanTargets(rows, report.settings.connections),
      ...[
        ['ResidentLookup', 'population'],
        ['LegacyLookup', 'administrative-units'],
      ].map(([scenario, service]) => {
        const through = rows.find((r) => r.scenario === scenario && r.setup === 'separate processes');
        const direct = rows.find((r) => r.scenario === scenario && r.setup === `${service} subgraph directly`);
        return targetLine(
          `${scenario} through the gateway (separate processes) ÷ the ${service} subgraph directly (the cost of the federation hop)`,
          through && direct && direct.load.requestsPerSecond > 0 ? through.load.requestsPerSecond / direct.load.requestsPerSecond : null,
          (v) => `${number(v, 2)}×`,
          `≥ ${LEAN.hop}×`,
          (v) => v >= LEAN.hop,
        );
      }),
    );
    lines.push('', `Variables: ${rows.map((r) => `${r.scenario} (${r.setup}): ${r.variables}`).join('; ')}.`);
  }
  if (report.soak) lines.push(...renderSoak(report.soak));
  if (report.loadTests.length > 0) {
    lines.push(
      '',
      `### Load test: mixed workload, ${report.loadSettings.connections} connections, ${report.loadSettings.durationSeconds} s`,
      '',
      '| Setup | Requests | req/s | p50 ms | p99 ms | 5xx | other non-2xx | GraphQL errors | Connection errors | RSS MB (start → end, max) | RSS growth | Result |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
      ...report.loadTests.map(
        (t) =>
          `| ${t.setup} | ${number(t.load.completed)} | ${number(t.load.requestsPerSecond, 1)} | ${milliseconds(t.load.latencyMs.p50)} | ${milliseconds(t.load.latencyMs.p99)} | ${number(t.load.status5xx)} | ${number(t.load.non2xx - t.load.status5xx)} | ${number(t.load.mismatches)} | ${number(t.load.errors)} | ${t.rssMb[0]} → ${t.rssMb.at(-1)}, ${Math.max(...t.rssMb)} | ${number(t.rssGrowth, 2)}× | ${t.pass ? 'PASS' : 'FAIL'} |`,
      ),
      '',
      `PASS: no 5xx, and RSS of the last quarter of the run under ${MAX_RSS_GROWTH}× that of the first quarter (sampled every 2 s).`,
    );
  }
  return lines;
}

/** The results table and the targets, in Markdown (also what the console shows). */
export function renderMarkdown(report: Report): string {
  const services = [
    ...(report.scale ? renderScale(report.scale) : []),
    ...(report.services ? renderServices(report.services) : []),
    ...(report.live ? renderLive(report.live) : []),
  ];
  const environment = `Environment: ${Object.entries(report.environment)
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )}; ${report.settings.connections} connections, ${report.settings.warmupSeconds} s warm-up, ${report.settings.durationSeconds} s per measurement.`;
  if (report.rows.length === 0 || !report.dataset) return [...renderOperations(report), ...services, '', environment].join('\n').trim();
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
    ...renderOperations(report),
    ...services,
  ];
  return lines.join('\n');
}
