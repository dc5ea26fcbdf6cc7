import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { scenarioChart } from './chart';
import type { Dataset } from './dataset';
import type { Progress } from './lifecycle';
import type { BenchOptions } from './options';
import { renderMarkdown, type Report, type Row, type Target } from './report';
import type { LoadTestRow, ScenarioRow } from './scenarios';
import type { LiveReport } from './live';
import type { SoakReport } from './soak';
import type { ScaleReport } from './scale';
import type { ServicesReport } from './services';

const ROOT = join(__dirname, '..');

/** The facts of the run the report states next to its numbers. */
export interface RunFacts {
  startedAt: Date;
  /** `Date.now()` when the bench began, for the total time. */
  began: number;
  /** The 1-minute load average when the run began. */
  loadAtStart: number;
  pgVersion: string;
  redisVersion: string;
  options: BenchOptions;
  /** The main data set; null when only the public-services part ran (it has data sets of its own). */
  dataset: Dataset | null;
  /** How SQL statements were counted (StatementCounting.method). */
  statementCounting: string;
}

/** Everything the bench measured. */
export interface Measurements {
  /** The cache modes and the bare server. */
  rows: Row[];
  /** Whether the gateway reported cache counters at least once. */
  countersSeen: boolean;
  targets: Target[];
  scenarios: ScenarioRow[];
  /** The soak (`--soak`); null without it. */
  soak: SoakReport | null;
  loadTests: LoadTestRow[];
  /** The scale part (bench/scale.ts); null when skipped. */
  scale: ScaleReport | null;
  /** The public-services part; null when skipped. */
  services: ServicesReport | null;
  /** The live part (bench/live.ts); null when skipped. */
  live: LiveReport | null;
}

/** The report of a run: its environment, settings and every measurement. */
export function assembleReport(run: RunFacts, measured: Measurements): Report {
  const { options, dataset } = run;
  const notes: string[] = [];
  if (!measured.countersSeen && measured.rows.length > 0) {
    notes.push(
      'the gateway reports no cache counters in /health (`cache`): caching is not available in this build, so "cold" and "warm" ran the same code as "caching off"',
    );
  }
  const cpu = cpus();
  return {
    startedAt: run.startedAt.toISOString(),
    totalSeconds: (Date.now() - run.began) / 1000,
    environment: {
      CPU: `${cpu[0]?.model.trim() ?? '?'} × ${cpu.length}`,
      RAM: `${Math.round(totalmem() / 2 ** 30)} GB`,
      Node: process.version,
      PostgreSQL: run.pgVersion,
      Redis: run.redisVersion,
      // Other work on the machine moves the numbers: the 1-minute load average when the run began.
      'load average at start': run.loadAtStart.toFixed(2),
    },
    settings: {
      residents: options.residents,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      pipelining: 1,
    },
    dataset: dataset
      ? { residents: dataset.residents, reused: dataset.reused, seedSeconds: dataset.seedSeconds, denseCommune: dataset.communes[0]! }
      : null,
    statementCounting: run.statementCounting,
    cacheCounters: measured.countersSeen
      ? "hits / (hits + misses) per cache layer, from the gateway's /health counters, over the measured window"
      : 'n/a (no `cache` counters in /health)',
    rows: measured.rows,
    targets: measured.targets,
    notes,
    scenarios: measured.scenarios,
    soak: measured.soak,
    loadTests: measured.loadTests,
    loadSettings: { connections: options.loadConnections, durationSeconds: options.loadSeconds },
    scale: measured.scale,
    services: measured.services,
    live: measured.live,
  };
}

/**
 * Writes bench-results/<timestamp>.json (every number), .svg (the scenarios' chart, when there are
 * scenarios) and .md (the tables, showing the chart), then prints the tables.
 */
export async function writeResults(report: Report, startedAt: Date, progress: Progress): Promise<void> {
  const markdown = renderMarkdown(report);
  const resultsDir = join(ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const chart = report.scenarios.length > 0 ? `${stamp}.svg` : null;
  if (chart) writeFileSync(join(resultsDir, chart), await scenarioChart(report.scenarios));
  const picture = chart ? `\n![Uncached scenarios, requests per second by setup](${chart})\n` : '';
  writeFileSync(join(resultsDir, `${stamp}.md`), `# Liên Thông bench, ${report.startedAt}\n\n${markdown}\n${picture}`);
  console.log(`\n${markdown}\n`);
  progress(`written to bench-results/${stamp}.json and .md${chart ? ' (with the chart .svg)' : ''}`);
}
