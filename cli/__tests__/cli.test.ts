import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose';
import { openPglite } from '../../shared/db';
import { testPrefix } from '../../test/helpers/cache';
import { NO_SERVERS, postGraphQL, printedTokens, startService } from '../../test/helpers/processes';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const DATA = join(ROOT, 'subgraphs', 'administrative-units', 'seed', 'data');
const redisUrl = process.env.LT_TEST_REDIS_URL;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Every command of `npm run cli`, run as a user would: a child process of cli/index.ts, on an
 * embedded PGlite in a folder of its own, with development keys of its own and no Redis unless
 * the test gives one.
 */
describe('npm run cli', () => {
  let dir: string;
  let env: Record<string, string>;
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(TSX, [join(ROOT, 'cli', 'index.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-cli-'));
    env = {
      PGLITE_DIR: join(dir, 'pglite'),
      DEV_KEYS_DIR: join(dir, 'dev-keys'),
      DATABASE_URL: '',
      REDIS_URL: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('help lists every command; an unknown one exits 1 saying so', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    for (const command of [
      'seed',
      'token',
      'keys',
      'migrate',
      'audit verify',
      'audit checkpoint',
      'documents publish',
      'documents list',
      'documents revoke',
      'cache invalidate',
      'import-units',
      'compose',
      'check',
    ]) {
      expect(help.stdout).toContain(`npm run cli -- ${command}`.replace('npm run cli -- seed', 'npm run seed'));
    }
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });

  test('keys writes the internal key pair and a demonstration issuer', async () => {
    const out = join(dir, 'deploy-keys');
    const run = await cli(['keys', '--dir', out]);
    expect(run.code).toBe(0);
    const files = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(3);
    for (const file of Object.values(files)) {
      expect(file.startsWith(out)).toBe(true);
      expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
    }
    const privateKeys = Object.values(files).filter((f) => 'd' in (JSON.parse(readFileSync(f, 'utf8')) as JWK));
    expect(privateKeys.length).toBeGreaterThanOrEqual(1);
  });

  test('token mints a development token with the asked claims, signed by the development issuer', async () => {
    const run = await cli(['token', '--role', 'COMMUNE_OFFICER', '--commune', '00004', '--org', 'UBND phường Ba Đình', '--ttl', '1h']);
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      role: 'COMMUNE_OFFICER',
      commune: '00004',
      org: 'UBND phường Ba Đình',
      sub: 'commune-officer-dev',
      iss: 'lien-thong-dev',
      aud: 'lien-thong',
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    const { issuerPrivateJwk } = JSON.parse(readFileSync(join(dir, 'dev-keys', 'dev-keys.json'), 'utf8')) as { issuerPrivateJwk: JWK };
    const { d: _private, ...publicJwk } = issuerPrivateJwk;
    await expect(jwtVerify(token, await importJWK(publicJwk, 'ES256'))).resolves.toBeTruthy();

    const bad = await cli(['token', '--role', 'KING']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--role must be one of');
  });

  test('compose writes the supergraph and the schema reference; check passes on them and names a stale one', async () => {
    const out = join(dir, 'generated');
    const compose = await cli(['compose', '--dir', out]);
    expect(compose.code).toBe(0);
    for (const file of ['gateway/supergraph.graphql', 'docs/schema.md']) {
      expect(compose.stdout).toContain(`wrote ${join(out, file)}`);
      // What the repository commits is what the subgraphs compose to (npm run check says the same).
      expect(readFileSync(join(out, file), 'utf8')).toBe(readFileSync(join(ROOT, file), 'utf8'));
    }
    const fresh = await cli(['check', '--dir', out]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain(`${join(out, 'docs/schema.md')} is up to date`);
    writeFileSync(join(out, 'docs/schema.md'), 'edited by hand\n');
    const stale = await cli(['check', '--dir', out]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`${join(out, 'docs/schema.md')} is stale: run \`npm run docs\``);
    expect(stale.stdout).toContain(`${join(out, 'gateway/supergraph.graphql')} is up to date`);
  });

  test('cache invalidate without REDIS_URL exits 1 and says why', async () => {
    const run = await cli(['cache', 'invalidate', '--tags', 'Commune']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('REDIS_URL is not set');
    const usage = await cli(['cache', 'invalidate', '--tags', 'Citizen']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Unknown entity type(s) "Citizen"');
  });

  (redisUrl ? test : test.skip)('cache invalidate with Redis bumps the versions and exits 0', async () => {
    const prefix = testPrefix();
    try {
      const run = await cli(['cache', 'invalidate', '--tags', 'Commune,Province'], { REDIS_URL: redisUrl!, CACHE_PREFIX: prefix });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`invalidated Commune, Province (prefix "${prefix}")`);
    } finally {
      const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 0 });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  test('seed migrates, loads the reference data, seeds with progress; a re-run adds nothing', async () => {
    const first = await cli(['seed', '--residents', '40']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Database: embedded PGlite in ${join(dir, 'pglite')}`);
    expect(first.stderr).toMatch(/Seeding \[.*\] 100% \| 40\/40 residents/);
    expect(first.stdout).toMatch(/Seeded in [\d.]+ s \(seed 1\)/);
    expect(first.stdout).toMatch(/inserted: \{\s+households: [1-9]\d*,\s+residents: [1-9]\d*,/);
    const again = await cli(['seed', '--residents', '40']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /inserted: \{\s+households: 0,\s+residents: 0,\s+parcels: 0,\s+holders: 0,\s+enterprises: 0,\s+dossiers: 0\s+\}/,
    );
  });

  describe('import-units', () => {
    let data: string;
    let predecessorsOf00025: string[];
    beforeAll(() => {
      // A modified copy of the bundled data set: Ba Đình renamed, Ngọc Hà a xã, Giảng Võ merged into Ba Đình.
      data = join(dir, 'units');
      cpSync(DATA, data, { recursive: true });
      const communes = JSON.parse(readFileSync(join(data, 'communes.json'), 'utf8')) as Record<string, string>[];
      const legacy = JSON.parse(readFileSync(join(data, 'legacy-mapping.json'), 'utf8')) as {
        communes: { legacyCode: string; newCommuneCodes: string[] }[];
      };
      for (const c of communes) {
        if (c.code === '00004') Object.assign(c, { name: 'Ba Đình Mới', fullName: 'Phường Ba Đình Mới' });
        if (c.code === '00008') Object.assign(c, { type: 'xã', fullName: 'Xã Ngọc Hà' });
      }
      predecessorsOf00025 = legacy.communes.filter((c) => c.newCommuneCodes.includes('00025')).map((c) => c.legacyCode);
      for (const c of legacy.communes) {
        c.newCommuneCodes = [...new Set(c.newCommuneCodes.map((code) => (code === '00025' ? '00004' : code)))].sort();
      }
      writeFileSync(join(data, 'communes.json'), JSON.stringify(communes.filter((c) => c.code !== '00025')));
      writeFileSync(join(data, 'legacy-mapping.json'), JSON.stringify(legacy));
    });

    test('--dry-run prints exactly the differences and writes nothing', async () => {
      const run = await cli(['import-units', '--file', data, '--dry-run', '--effective-from', '2026-12-01']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      const differences = lines.slice(
        lines.indexOf('Differences with the database:') + 1,
        lines.findIndex((l) => l.startsWith('Summary:')),
      );
      expect(differences.map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
        'renamed commune 00004 Phường Ba Đình → Phường Ba Đình Mới',
        'type changed commune 00008 WARD → COMMUNE (Phường Ngọc Hà → Xã Ngọc Hà)',
        `merged commune 00025 Phường Giảng Võ → into 00004 Phường Ba Đình Mới (its ${predecessorsOf00025.length} pre-reform unit(s) now point there)`,
        expect.stringMatching(/^pre-reform links \d+ added, \d+ removed$/),
      ]);
      expect(run.stdout).toContain('Summary: 0 added, 1 removed (1 merged), 1 renamed, 1 type changed, 0 province changed');
      expect(run.stdout).toContain('Dry run: nothing was written.');
    });

    test('an invalid data set is refused as a whole, naming each problem', async () => {
      const broken = join(dir, 'broken.json');
      const communes = JSON.parse(readFileSync(join(data, 'communes.json'), 'utf8')) as Record<string, string>[];
      communes[0]!.provinceCode = '99';
      writeFileSync(
        broken,
        JSON.stringify({
          provinces: JSON.parse(readFileSync(join(data, 'provinces.json'), 'utf8')) as unknown,
          communes,
          'legacy-mapping': JSON.parse(readFileSync(join(data, 'legacy-mapping.json'), 'utf8')) as unknown,
        }),
      );
      const run = await cli(['import-units', '--file', broken]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`communes.json: commune "${communes[0]!.code}" names province "99", which is not in provinces.json`);
      expect(run.stderr).toContain('Nothing was imported.');
      const usage = await cli(['import-units', '--file', data, '--effective-from', '2026-13-01']);
      expect(usage.code).toBe(2);
    });

    test('the real import applies them (the dry run wrote nothing); the graph serves the new units, also after a restart', async () => {
      const run = await cli(['import-units', '--file', data, '--effective-from', '2026-12-01', '--legal-basis', '1/2026/NQ-UBTVQH16']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Imported in one transaction; 5 unit change(s) recorded, effective 2026-12-01.');
      expect(run.stdout).toContain('REDIS_URL is not set');
      expect(run.stdout).toContain('Later starts leave these units alone');
      const again = await cli(['import-units', '--file', data]);
      expect(again.stdout).toContain('The database already holds this data set: nothing to import.');

      // The gateway's start-up import leaves an imported data set alone.
      const gateway = await startService('gateway/index.ts', {
        ...env,
        LOG_LEVEL: 'info',
        ...NO_SERVERS,
      });
      try {
        const units = await postGraphQL(
          gateway.url,
          `{ renamed: commune(code: "00004") { name fullName effectiveFrom changes { field from to effectiveFrom legalBasis } }
             typed: commune(code: "00008") { type fullName }
             legacy: legacyUnit(code: "${predecessorsOf00025[0]}", level: COMMUNE) { successors { code } } }`,
        );
        expect(units.body.errors).toBeUndefined();
        expect(units.body.data).toMatchObject({
          renamed: {
            name: 'Ba Đình Mới',
            fullName: 'Phường Ba Đình Mới',
            effectiveFrom: '2026-12-01',
            changes: expect.arrayContaining([
              { field: 'name', from: 'Ba Đình', to: 'Ba Đình Mới', effectiveFrom: '2026-12-01', legalBasis: ['1/2026/NQ-UBTVQH16'] },
            ]),
          },
          typed: { type: 'COMMUNE', fullName: 'Xã Ngọc Hà' },
          legacy: { successors: expect.arrayContaining([{ code: '00004' }]) },
        });
        const merged = await postGraphQL(gateway.url, `{ commune(code: "00025") { name } }`);
        expect(merged.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

        // Personal reads, for the audit log checked below: one allowed (with a purpose), one refused.
        const { central, citizenId } = await printedTokens(gateway);
        const query = `{ resident(citizenId: "${citizenId}") { fullName } }`;
        const allowed = await postGraphQL(gateway.url, query, undefined, {
          authorization: `Bearer ${central}`,
          'x-purpose': 'HS-2026-0042',
        });
        expect(allowed.body.errors).toBeUndefined();
        const refused = await postGraphQL(gateway.url, query, undefined, { authorization: `Bearer ${central}` });
        expect(refused.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
      } finally {
        await gateway.stop();
      }
    });

    test('importing the bundled folder returns to it', async () => {
      const run = await cli(['import-units', '--dir', DATA]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/renamed\s+commune 00004\s+Phường Ba Đình Mới → Phường Ba Đình\n/);
      expect(run.stdout).toMatch(/added\s+commune 00025\s+Phường Giảng Võ \(province 01\)\n/);
      expect(run.stdout).toContain('The database holds the bundled data set again: later starts apply its updates.');
    });
  });

  test('documents publish stores a client’s operations from a manifest; list shows them (revocation: test/trusted-documents.test.ts)', async () => {
    const good = 'query Provinces { provinces { code } }';
    const other = 'query Communes { provinces { communes { code } } }';
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({ 'commune-app': { [sha(good)]: good, [sha(other)]: other }, 'other-app': { [sha(good)]: good } }),
    );
    const published = await cli(['documents', 'publish', manifest, '--client', 'commune-app']);
    expect([published.code, published.stdout.trim()]).toEqual([0, 'commune-app: 2 published, 0 already published']);
    const list = await cli(['documents', 'list', '--client', 'commune-app']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('2 documents');
    expect(lines.find((l) => l.includes(sha(other)))).toMatch(/^commune-app\t[0-9a-f]{64}\tCommunes\t\S+\tactive$/);
    expect(lines.find((l) => l.includes(sha(good)))).toMatch(/\tProvinces\t\S+\tactive$/);
  }, 240_000);

  test('audit checkpoint signs the head; verify: an intact chain and its checkpoint exit 0; an entry altered behind the trigger exits 1 naming it', async () => {
    const checkpoint = await cli(['audit', 'checkpoint']);
    expect(checkpoint.code).toBe(0);
    // The compact JWS, printed alone on stdout to keep elsewhere.
    expect(checkpoint.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const intact = await cli(['audit', 'verify']);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/audit chain intact: \d+ entries, [1-9]\d* checkpoints/);
    const entries = Number(/audit chain intact: (\d+) entries/.exec(intact.stdout)?.[1]);
    expect(entries).toBeGreaterThanOrEqual(1);

    const pglite = await openPglite(join(dir, 'pglite'));
    let id: string;
    try {
      const rows = await pglite.query<{ id: string }>(`SELECT max(id)::text AS id FROM audit.entry`);
      id = rows.rows[0]!.id;
      // What an administrator could do: switch the append-only trigger off and rewrite the purpose.
      await pglite.exec(`BEGIN;
        ALTER TABLE audit.entry DISABLE TRIGGER entry_append_only;
        UPDATE audit.entry SET purpose = 'HS-2026-9999' WHERE id = ${id};
        ALTER TABLE audit.entry ENABLE TRIGGER entry_append_only;
        COMMIT;`);
    } finally {
      await pglite.close();
    }
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`audit chain BROKEN at entry ${id}:`);
    expect(existsSync(join(dir, 'pglite'))).toBe(true);
  });
});
