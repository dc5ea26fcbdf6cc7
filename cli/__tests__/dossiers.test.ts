import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { openPglite } from '../../shared/db';
import { createDatabase, dropDatabase } from '../../test/helpers/postgres';
import { RUN_REDIS_URL, testPrefix } from '../../test/helpers/cache';
import { createLiveBroker, type DeliveredEvent } from '../../shared/live';
import { departmentCode, generateCatalogue } from '../../subgraphs/public-services/seed';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/**
 * `npm run cli -- dossiers import` as a user runs it: a child process of cli/index.ts on an
 * embedded PGlite in a folder of its own; communes are checked with the administrative-units
 * subgraph in that process.
 */
describe('npm run cli -- dossiers import', () => {
  let dir: string;
  let env: Record<string, string>;
  const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(TSX, [join(ROOT, 'cli', 'index.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  // On the run's PostgreSQL server when there is one (a database of this suite's own: each command
  // opens it in a few seconds), else on an embedded PGlite folder, as a newcomer's machine would.
  let databaseUrl: string | null = null;
  const COUNTS = `SELECT (SELECT count(*)::int FROM public_services.dossier) AS dossiers,
     (SELECT coalesce(sum(received), 0)::int FROM public_services.evaluation_counter) AS counters,
     (SELECT coalesce(sum(accepted_rows), 0)::int FROM public_services.sync_status) AS synced`;
  const count = async (): Promise<{ dossiers: number; counters: number; synced: number }> => {
    if (databaseUrl) {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query<{ dossiers: number; counters: number; synced: number }>(COUNTS)).rows[0]!;
      } finally {
        await client.end();
      }
    }
    const pglite = await openPglite(join(dir, 'pglite'));
    try {
      return (await pglite.query<{ dossiers: number; counters: number; synced: number }>(COUNTS)).rows[0]!;
    } finally {
      await pglite.close();
    }
  };

  const catalogue = generateCatalogue();
  const commune = catalogue.find((p) => p.level === 'COMMUNE' && p.onlineLevel !== 'NONE')!;
  const provincial = catalogue.find((p) => p.level === 'PROVINCE' && p.department !== null)!;
  const rows = [
    {
      MaHoSo: '00004-250915-0001',
      MaTTHC: commune.code,
      KenhThucHien: 2,
      SoDinhDanh: '001085012345',
      NgayTiepNhan: '20250915081500',
      TrangThaiHoSo: 2,
      DaSoHoa: true,
      XacThucVNeID: 1,
    },
    {
      MaHoSo: '00004-250915-0002',
      MaTTHC: commune.code,
      KenhThucHien: '1',
      SoDinhDanh: '001085012345',
      NgayTiepNhan: '20250915090000',
      NgayHenTra: '20250920170000',
      NgayKetThucXuLy: '20250918100000',
      NgayTra: '20250918150000',
      TrangThaiHoSo: 10,
      KetQuaDienTu: true,
    },
    {
      MaHoSo: `${departmentCode(provincial.department!, '01')}-250916-0001`,
      MaTTHC: provincial.code,
      KenhThucHien: 1,
      MaSoThue: '0100109106',
      NgayTiepNhan: '2025-09-16T10:00:00+07:00',
      TrangThaiHoSo: 4,
    },
  ];
  const write = (name: string, lines: unknown[]) => {
    const file = join(dir, name);
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-dossiers-'));
    databaseUrl = process.env.LT_TEST_DATABASE_URL ? await createDatabase('cli_dossiers') : null;
    env = {
      PGLITE_DIR: join(dir, 'pglite'),
      DEV_KEYS_DIR: join(dir, 'dev-keys'),
      DATABASE_URL: databaseUrl ?? '',
      REDIS_URL: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  test('help names the command; a dry run reports and writes nothing; a bad line applies nothing; a clean file applies once', async () => {
    const help = await cli(['help']);
    expect(help.stdout).toContain('npm run cli -- dossiers import FILE [--dry-run] [--system NAME]');
    expect((await cli(['dossiers', 'export'])).code).toBe(2);

    const clean = write('clean.ndjson', rows);
    const dry = await cli(['dossiers', 'import', clean, '--dry-run']);
    expect(dry.stderr).toMatch(/Checking \[.*\] 100% \| 3\/3 lines/);
    expect(dry.stdout).toContain('Summary: 3 read, 3 new, 0 updated, 0 unchanged (duplicates), 0 stale');
    expect(dry.stdout).toContain('Dry run: every line is valid; nothing was written.');
    expect(dry.code).toBe(0);
    expect(await count()).toEqual({ dossiers: 0, counters: 0, synced: 0 });

    const bad = write('bad.ndjson', [rows[0], { ...rows[1], MaHoSo: '99999-250915-0002' }, 'not json', rows[2]]);
    const refused = await cli(['dossiers', 'import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 2 (99999-250915-0002): unknown unit: no commune with code 99999 is in force');
    expect(refused.stderr).toMatch(/line 3: malformed JSON/);
    expect(refused.stderr).toContain('2 line(s) rejected: nothing was applied');
    expect(await count()).toEqual({ dossiers: 0, counters: 0, synced: 0 });

    const applied = await cli(['dossiers', 'import', clean]);
    expect(applied.stderr).not.toContain('line ');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Imported in one transaction: 3 dossier(s) written.');
    expect(applied.stdout).toContain('REDIS_URL is not set');
    expect(await count()).toEqual({ dossiers: 3, counters: 3, synced: 3 });

    const again = await cli(['dossiers', 'import', clean]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Summary: 3 read, 0 new, 0 updated, 3 unchanged (duplicates), 0 stale');
    expect(await count()).toEqual({ dossiers: 3, counters: 3, synced: 6 });
  });

  (RUN_REDIS_URL ? test : test.skip)(
    'with REDIS_URL the live events go out after the commit (keys only, the evaluation once per unit and month); none on a refused file (a dry run: import.test.ts)',
    async () => {
      const prefix = testPrefix();
      const withRedis = { REDIS_URL: RUN_REDIS_URL!, CACHE_PREFIX: prefix };
      const fresh = rows.map((r) => ({ ...r, MaHoSo: r.MaHoSo.replace(/-000(\d)$/, '-010$1') }));
      const retained = async (channel: string): Promise<DeliveredEvent[]> => {
        const broker = createLiveBroker({ redis: RUN_REDIS_URL!, prefix });
        const events: DeliveredEvent[] = [];
        try {
          for (let attempt = 0; ; attempt++) {
            try {
              (await broker.listen(channel, (e) => void events.push(e), '0-0'))();
              return events;
            } catch (error) {
              if (attempt > 20) throw error;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
          }
        } finally {
          await broker.close();
        }
      };
      const file = write('fresh.ndjson', fresh);
      const saved = env;
      env = { ...env, ...withRedis };
      try {
        expect((await cli(['dossiers', 'import', write('fresh-bad.ndjson', [...fresh, 'not json'])])).code).toBe(1);
        expect(await retained('dossier:commune:00004')).toEqual([]);
        const applied = await cli(['dossiers', 'import', file]);
        expect(applied.code).toBe(0);
        expect(applied.stdout).toMatch(/Published \d+ live event\(s\)/);
      } finally {
        env = saved;
      }
      const commune = await retained('dossier:commune:00004');
      expect(commune.map((e) => e.keys)).toEqual([{ number: fresh[0]!.MaHoSo }, { number: fresh[1]!.MaHoSo }]);
      expect((await retained('dossier:applicant:001085012345')).map((e) => e.keys.number)).toEqual([fresh[0]!.MaHoSo, fresh[1]!.MaHoSo]);
      // The province's evaluation: one event per unit and month moved (the commune in September, the department).
      const evaluation = await retained('evaluation:01');
      expect(evaluation.map((e) => `${e.keys.unitScope} ${e.keys.unitCode} ${e.keys.month}`).sort()).toEqual(
        [`COMMUNE 00004 2025-09`, `DEPARTMENT ${fresh[2]!.MaHoSo.split('-')[0]} 2025-09`].sort(),
      );
    },
    240_000,
  );
});
