import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { databaseTarget, loadHubConfig, openHubDatabase } from '../hub';
import { createAuditLog } from '../shared/audit';
import { serviceIdentity } from '../shared/auth/identity';
import { createEntityCaching, disabledEntityCaching } from '../shared/cache/entityCache';
import { createLiveBroker, type LiveBroker } from '../shared/live';
import { createLogger } from '../shared/observability/logger';
import { createContext } from '../shared/subgraph';
import { createReferences, type ExecutionResult } from '../shared/subgraph/references';
import { createSubgraphServer } from '../shared/subgraph/server';
import { subgraphByName } from '../subgraphs';
import { communeLookup, importDossiers, type ImportPhase } from '../subgraphs/public-services/seed/import';

const SERVICE = 'public-services';

export const DOSSIERS_HELP = `  npm run cli -- dossiers import FILE [--dry-run] [--system NAME]
      Imports dossiers from FILE, NDJSON in the national public service portal's synchronisation
      format (one JSON object per line): MaHoSo (number), MaTTHC (procedure code), DonViXuLy (unit
      code, optional: the number's), KenhThucHien (1 in person, 2 online, 3 postal), SoDinhDanh
      (citizen ID) or MaSoThue (tax code) of the applicant, NgayNopHoSo, NgayTiepNhan, NgayHenTra,
      NgayKetThucXuLy, NgayTra, NgayCapNhat (event time; default the latest of the others) as
      yyyyMMddHHmmss in Vietnam time or ISO 8601, TrangThaiHoSo (national status 1–10), SoLanBoSung,
      LyDoBoSung, flags DaSoHoa, TaiSuDung, LayTuKhoDuLieu, XacThucVNeID, ThanhToanTrucTuyen,
      KetQuaDienTu (true/false or 1/0); see subgraphs/public-services/README.md. Every line is
      checked first; a rejected line is reported with its number and reason and then NOTHING is
      applied (its refusal is counted in the sync status of its system). Otherwise all of it in one
      transaction: new dossiers, newer statuses, counters, history, sync status, audit; the same
      dossier again changes nothing, an older status after a newer one is skipped (stale). --system
      names the reporting system of the whole file (default each receiving unit's one-stop system).
      --dry-run validates and reports only. Cached dossiers are invalidated on REDIS_URL, and the live
      events are published there after the commit (one per dossier written, one per unit and month
      whose evaluation moved), so subscribers of every gateway see the import.
      Exit code 0 imported (or dry run clean), 1 rejected lines or failure, 2 usage.
`;

function usage(message: string): number {
  console.error(`${message}\n\n${DOSSIERS_HELP}`);
  return 2;
}

/**
 * Commune checks answered in this process by the administrative-units subgraph, through its
 * `_entities` as the public-services SERVICE identity: what the hub does for a write, without a
 * gateway.
 */
function inProcessCommunes(db: DataSource) {
  const owners = subgraphByName(SERVICE).references ?? {};
  const log = createLogger('cli', 'silent');
  const servers = new Map<string, ReturnType<typeof createSubgraphServer>>();
  const references = createReferences(owners, async (service, query, variables) => {
    const module = subgraphByName(service).load();
    let server = servers.get(service);
    if (!server) {
      server = createSubgraphServer(module, createAuditLog(db), log);
      await server.start();
      servers.set(service, server);
    }
    const contextValue = createContext(
      module,
      db,
      serviceIdentity(SERVICE),
      { requestId: 'cli:dossiers-import', purpose: null },
      disabledEntityCaching(),
    );
    const response = await server.executeOperation({ query, variables }, { contextValue });
    return response.body.kind === 'single' ? (response.body.singleResult as ExecutionResult) : { errors: [{ message: 'incremental' }] };
  });
  return {
    lookup: communeLookup(references),
    stop: async () => {
      for (const server of servers.values()) await server.stop();
    },
  };
}

/**
 * `dossiers import` of the command line. Returns the process exit code: 0 imported (or a clean
 * dry run), 1 rejected lines, failed import or caches left stale, 2 usage.
 */
export async function dossiersCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import') return usage(`Unknown dossiers command "${sub ?? ''}"`);
  let values: { 'dry-run'?: boolean; system?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { 'dry-run': { type: 'boolean' }, system: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  if (positionals.length !== 1) return usage('Give exactly one FILE');
  if (values.system !== undefined && !/^[\w.:-]{1,100}$/.test(values.system))
    return usage(`--system must be 1 to 100 letters, digits, ".", "_", ":" or "-", got "${values.system}"`);
  const file = resolve(positionals[0]!);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const dryRun = values['dry-run'] ?? false;
  const config = loadHubConfig(env);
  const target = await databaseTarget(config);
  console.log(`Database: ${target.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`}`);
  const caching =
    !dryRun && config.REDIS ? createEntityCaching({ redis: config.REDIS, prefix: config.CACHE_PREFIX, ttls: config.ENTITY_TTLS }) : null;
  // Live events after the commit, for the gateways' subscribers (Redis Streams: a hub's in-memory broker is another process's).
  let liveFailed = false;
  const broker: LiveBroker | null =
    !dryRun && config.REDIS
      ? createLiveBroker({
          redis: config.REDIS,
          prefix: config.CACHE_PREFIX,
          retentionSeconds: config.LIVE_RETENTION_SECONDS,
          onError: () => void (liveFailed = true),
        })
      : null;
  const db = await openHubDatabase(target);
  const communes = inProcessCommunes(db);
  const bar = new SingleBar(
    {
      format: '{phase} [{bar}] {percentage}% | {value}/{total} lines | {eta_formatted} left',
      // Without a terminal (CI, a log file) a line every 5 s, and at the start and the end.
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  let phase: ImportPhase | null = null;
  const LABELS: Record<ImportPhase, string> = { read: 'Reading ', check: 'Checking', apply: 'Applying' };
  try {
    await caching?.bus.ready();
    const started = Date.now();
    const report = await importDossiers(db, text, {
      dryRun,
      communes: communes.lookup,
      ...(values.system ? { system: values.system } : {}),
      actor: { subject: `cli:${userInfo().username}`, role: 'SERVICE', organisation: 'npm run cli -- dossiers import' },
      purpose: `import of ${file}`,
      ...(broker ? { live: broker } : {}),
      onProgress: (p, done, total) => {
        if (p !== phase) {
          if (phase) bar.stop();
          phase = p;
          bar.start(total, done, { phase: LABELS[p] });
        } else bar.update(done);
      },
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    for (const r of report.rejected) console.error(`line ${r.line}${r.number ? ` (${r.number})` : ''}: ${r.reason}`);
    console.log(
      `Summary: ${report.read} read, ${report.created} new, ${report.updated} updated, ${report.unchanged} unchanged (duplicates), ` +
        `${report.stale} stale (older than the dossier's latest event), ${report.rejected.length} rejected; ${seconds.toFixed(1)} s`,
    );
    if (report.rejected.length > 0) {
      console.error(
        dryRun
          ? `Dry run: ${report.rejected.length} line(s) would be rejected, so nothing would be applied.`
          : `${report.rejected.length} line(s) rejected: nothing was applied (the refusal is counted in the sync status of their systems).`,
      );
      return 1;
    }
    if (dryRun) {
      console.log('Dry run: every line is valid; nothing was written.');
      return 0;
    }
    console.log(`Imported in one transaction: ${report.dossiers} dossier(s) written.`);
    if (!caching || !broker) {
      console.log(
        'REDIS_URL is not set (nor REDIS_CLUSTER_NODES): a hub running elsewhere keeps its cached dossiers until their TTL passes, and its subscribers are not told.',
      );
      return 0;
    }
    // Sends what waited for Redis; an error meanwhile means some events may not have gone out.
    await broker.close();
    if (liveFailed) {
      console.error('Imported, but Redis did not answer: the live events of the import may not have reached the subscribers.');
      return 1;
    }
    console.log(`Published ${report.events} live event(s) for the subscribers.`);
    if (caching.bus.consistent()) await caching.bus.invalidate(['Dossier']);
    if (!caching.bus.consistent()) {
      console.error(
        'Imported, but Redis did not answer: cached dossiers were not invalidated. Run `npm run cli -- cache invalidate --tags Dossier`.',
      );
      return 1;
    }
    console.log(`Invalidated the cached Dossier (prefix "${config.CACHE_PREFIX}").`);
    return 0;
  } finally {
    bar.stop();
    await communes.stop();
    await caching?.close();
    await broker?.close();
    await db.destroy();
    if (target.kind === 'pglite') await target.pglite.close();
  }
}
