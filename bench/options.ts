import { parseArgs } from 'node:util';

/** Printed by `--help`. */
export const HELP = `npm run bench -- [--residents N] [--duration S] [--warmup S] [--connections C] [--seed S]
                    [--load-duration S] [--load-connections C] [--skip cache,scenarios,load,scale,services,live] [--large N]
                    [--scale-residents N,M] [--dossiers N,M] [--subscribers N] [--soak S]

Seeds (or reuses) a PostgreSQL data set of N residents (default 100000), then drives the gateway
(embedded mode, production settings) with autocannon in three modes — caching off, cold, warm —
and a bare node:http server answering the same bytes; then uncached scenarios (resident and
legacy-code lookups, page sizes, a mixed workload of every persona) on one process, on separate
processes and on a subgraph directly, with the SQL floor of CommuneResidents (its statements replayed
with pg) and the gateway's CPU and allocation per request; with --soak S, then the mixed workload for
S seconds on one uncached gateway, its RSS after the warm-up and at the end; then the load test (100 connections for 60 s, mixed workload,
on the embedded PGlite default and on PostgreSQL); then the scale part (the mixed workload on one
gateway vs two behind HAProxy, and with reads on a streaming replica vs the primary, on servers it
starts on loopback ports; the lookups at each --scale-residents size, default 1000000,5000000, each in
<DATABASE_URL>_residents_<size>, seeded once and reused); then the public-services part (the evaluation's rankings
and scorecard at each --dossiers size, default 1000000,10000000, each in <DATABASE_URL>_services_<size>,
made once in bulk and reused; then sustained event ingest with score freshness); then the live part
(--subscribers N concurrent SSE subscriptions, default 10000, on one gateway process in front of the
subgraphs' own processes: its RSS and event-to-delivery latency); prints the tables and writes them to
bench-results/<timestamp>.json, .md and .svg (a chart of the scenarios). --skip leaves parts out; --large N measures the lookups
again on a second database of N residents (<DATABASE_URL>_large, seeded once: 1,000,000 takes
about a minute and a half). Environment: DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/lienthong_bench, created if missing), REDIS_URL (default
redis://127.0.0.1:6379). See bench/README.md.`;

/** A part of the bench that `--skip` can leave out. */
export type Part = 'cache' | 'scenarios' | 'load' | 'scale' | 'services' | 'live';

const PARTS: readonly Part[] = ['cache', 'scenarios', 'load', 'scale', 'services', 'live'];

/** The command line, validated, with the defaults of bench/README.md filled in. */
export interface BenchOptions {
  residents: number;
  seed: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  loadSeconds: number;
  loadConnections: number;
  skip: Set<Part>;
  large: number | null;
  /** Residents of the scale part's data sets, smallest first. */
  scaleResidents: number[];
  /** Sizes (dossiers) of the public-services part's data sets, smallest first. */
  dossiers: number[];
  /** Concurrent subscribers of the live part. */
  subscribers: number;
  /** Seconds of the soak (bench/soak.ts); null: no soak. */
  soak: number | null;
}

/**
 * Parses the bench's flags; null when `--help` asks for the usage instead. Throws on an unknown
 * flag, a number out of range or an unknown part in `--skip`, naming the offending value.
 */
export function parseCommandLine(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      residents: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'load-duration': { type: 'string' },
      'load-connections': { type: 'string' },
      skip: { type: 'string' },
      large: { type: 'string' },
      dossiers: { type: 'string' },
      'scale-residents': { type: 'string' },
      subscribers: { type: 'string' },
      soak: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (name: keyof typeof values, fallback: number, min: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${String(raw)}"`);
    return n;
  };
  /** A list of sizes separated by commas, each ≥ 1000, smallest first. */
  const sizes = (name: 'dossiers' | 'scale-residents', fallback: string) =>
    (values[name] ?? fallback)
      .split(',')
      .map((raw) => {
        const n = Number(raw.trim());
        if (!Number.isInteger(n) || n < 1_000) throw new Error(`--${name} takes sizes ≥ 1000 separated by commas, got "${raw}"`);
        return n;
      })
      .sort((a, b) => a - b);
  return {
    residents: int('residents', 100_000, 1),
    seed: int('seed', 1, 0),
    durationSeconds: int('duration', 10, 1),
    warmupSeconds: int('warmup', 2, 0),
    connections: int('connections', 10, 1),
    loadSeconds: int('load-duration', 60, 1),
    loadConnections: int('load-connections', 100, 1),
    subscribers: int('subscribers', 10_000, 1),
    large: values.large === undefined ? null : int('large', 1_000_000, 1),
    soak: values.soak === undefined ? null : int('soak', 600, 10),
    dossiers: sizes('dossiers', '1000000,10000000'),
    scaleResidents: sizes('scale-residents', '1000000,5000000'),
    skip: new Set(
      (values.skip ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => {
          if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--skip takes ${PARTS.join(', ')}; got "${p}"`);
          return p as Part;
        }),
    ),
  };
}
