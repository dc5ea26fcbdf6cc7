import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { runLoad, type LoadResult } from './load';
import { askStats, mb } from './processes';
import { checkAnswers, mixedSequence, personaTokens, samples, type ScenarioContext } from './scenarios';

/**
 * The soak (`--soak SECONDS`, issue 14): the mixed workload of the uncached scenarios against one
 * fresh gateway (embedded on PostgreSQL, caching off, as the scenarios' "one process") at
 * `--connections` for SECONDS, after a warm-up of a tenth of it (at least `--warmup`); its RSS
 * sampled over IPC every 5 s. A leak shows as RSS that keeps growing.
 */

/** RSS may grow by less than this share over the soak (issue 14: "grows RSS by < 10%"). */
export const MAX_SOAK_GROWTH_PERCENT = 10;

export interface SoakReport {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  load: LoadResult;
  /** The gateway's RSS (MB) right after the warm-up, every 5 s during the soak, and at its end. */
  rssMb: number[];
  /** (RSS at the end − RSS after the warm-up) ÷ RSS after the warm-up, in %. */
  growthPercent: number;
  pass: boolean;
}

export async function runSoak(ctx: ScenarioContext, seconds: number): Promise<SoakReport> {
  const dense = ctx.dataset.communes[0]!.code;
  const values = { ...(await samples(ctx.databaseUrl, dense)), commune: dense };
  const issuer = JSON.parse(readFileSync(ctx.keyFiles.issuerPrivate, 'utf8')) as JWK;
  const sequence = mixedSequence(await personaTokens(issuer, ctx.authConfig, values.citizenId, dense), ctx.purpose, values);
  const warmupSeconds = Math.max(ctx.warmupSeconds, Math.round(seconds / 10));
  ctx.progress('soak: embedded gateway (one process), caching off: starting');
  const gateway = await ctx.start('bench/gatewayProcess.ts', ctx.gatewayEnv);
  try {
    await checkAnswers(gateway.url, sequence);
    const options = { url: gateway.url, connections: ctx.connections, headers: {}, sequence };
    ctx.progress(`soak: mixed workload, ${warmupSeconds} s warm-up`);
    await runLoad({ ...options, durationSeconds: warmupSeconds });
    const rss = [mb((await askStats(gateway)).rssBytes)];
    ctx.progress(`soak: mixed workload at ${ctx.connections} connections for ${seconds} s, RSS after the warm-up ${rss[0]} MB`);
    const sampler = setInterval(() => {
      void askStats(gateway).then(
        (s) => rss.push(mb(s.rssBytes)),
        () => undefined,
      );
    }, 5_000);
    const load = await runLoad({ ...options, durationSeconds: seconds }).finally(() => clearInterval(sampler));
    rss.push(mb((await askStats(gateway)).rssBytes));
    const growthPercent = (100 * (rss.at(-1)! - rss[0]!)) / rss[0]!;
    const failed = load.errors + load.non2xx + load.mismatches;
    ctx.progress(
      `soak: ${load.requestsPerSecond.toFixed(1)} req/s, ${failed} failed, RSS ${rss[0]} → ${rss.at(-1)} MB (${growthPercent.toFixed(1)}%), max ${Math.max(...rss)} MB`,
    );
    return {
      seconds,
      warmupSeconds,
      connections: ctx.connections,
      load,
      rssMb: rss,
      growthPercent,
      pass: failed === 0 && growthPercent < MAX_SOAK_GROWTH_PERCENT,
    };
  } finally {
    await ctx.stop(gateway);
  }
}
