import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeKeyFiles } from '../shared/auth/keys';
import { buildHub } from '../tools/build';
import { REPO_ROOT } from '../hub/processes';
import { createSeededDatabase, dropDatabase } from './helpers/postgres';
import { centralOfficer, postGraphQL, productionGatewayEnv, startService, startSubgraphs, type Service } from './helpers/processes';
import { DENSE_COMMUNE } from './helpers/dataset';
import { OPERATIONS } from '../hub/operations';

/**
 * `npm run build` (tools/build.ts) makes what the image runs: here built into a folder of this run's
 * own inside the repository (so that Node finds node_modules above it), then started as the image
 * starts it — every subgraph and a gateway, each `node <build>/….js` on plain Node, production
 * settings, on a copy of the run's PostgreSQL database.
 */
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
if (!postgresUrl) console.warn('[tests] the built hub is not started: no PostgreSQL server (npm test says so at the start)');

describe('npm run build', () => {
  const out = join(REPO_ROOT, '.data', `build-test-${process.pid}`);
  const build = relative(REPO_ROOT, out);
  let built: { modules: number; files: number };
  beforeAll(async () => {
    built = await buildHub(REPO_ROOT, out);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('writes every module as JavaScript beside the files it reads (SDL, seed data, the pages), and no test or page source', async () => {
    expect(built.modules).toBeGreaterThan(200);
    for (const file of [
      'gateway/index.js',
      'gateway/supergraph.graphql',
      'shared/subgraph/preamble.graphql',
      'subgraphs/population/schema.graphql',
      'subgraphs/land/seed/land-use-types.json',
      'dashboard/dist/index.html',
      'explorer/dist/index.html',
      'cli/index.js',
    ])
      await expect(readFile(join(out, file))).resolves.toBeInstanceOf(Buffer);
    await expect(readFile(join(out, 'gateway/index.ts'))).rejects.toThrow('ENOENT');
    await expect(readFile(join(out, 'dashboard/src/main.js'))).rejects.toThrow('ENOENT');
    await expect(readFile(join(out, 'shared/__tests__/config.test.js'))).rejects.toThrow('ENOENT');
  });

  (postgresUrl ? describe : describe.skip)('started as the image starts it', () => {
    const services: Service[] = [];
    let gateway: Service;
    let databaseUrl = '';
    let keyDir = '';
    let officer: Record<string, string>;
    beforeAll(async () => {
      databaseUrl = await createSeededDatabase('build');
      keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-build-'));
      const files = await writeKeyFiles(keyDir);
      const started = await startSubgraphs(
        {
          NODE_ENV: 'production',
          DATABASE_URL: databaseUrl,
          INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
          INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
          INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
        },
        undefined,
        undefined,
        build,
      );
      services.push(...started.services);
      gateway = await startService(`${build}/gateway/index.js`, { ...started.urlEnv, ...productionGatewayEnv(files) });
      services.push(gateway);
      officer = await centralOfficer(files, 'HS-2026-BUILD-0001');
    });
    afterAll(async () => {
      await Promise.all(services.map((s) => s.stop()));
      if (keyDir) rmSync(keyDir, { recursive: true, force: true });
      if (databaseUrl) await dropDatabase(databaseUrl);
    });

    test('every process is plain Node on the build (no tsx), and the federated graph answers across subgraphs', async () => {
      for (const service of services) {
        const command = readFileSync(`/proc/${service.process.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        expect(command).toEqual([process.execPath, expect.stringMatching(new RegExp(`/${build}/.+\\.js$`))]);
      }
      const units = await postGraphQL(gateway.url, '{ provinces { code } }');
      expect(units.status).toBe(200);
      expect((units.body.data?.provinces as unknown[]).length).toBe(34);
      // A commune's residents (population) with their land (land) and enterprises (enterprise), as a central officer.
      const { body } = await postGraphQL(gateway.url, OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, officer);
      expect(body.errors).toBeUndefined();
      expect(body.data).toMatchObject({ commune: { residents: { totalCount: expect.any(Number) } } });
      expect((body.data as { commune: { residents: { totalCount: number } } }).commune.residents.totalCount).toBeGreaterThan(0);
    });
  });
});
