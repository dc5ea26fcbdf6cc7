import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startGateway, type RunningGateway } from '../gateway/main';
import { REPO_ROOT } from '../hub/processes';
import { urlVariable } from '../shared/config';
import { writeKeyFiles } from '../shared/auth/keys';
import { auditMigrations } from '../shared/audit';
import { migrate } from '../shared/db';
import { loadSubgraphs, subgraphs } from '../subgraphs';
import { composeSupergraph } from '../tools/supergraph';
import { subgraphSummary, withSubgraphTable } from '../tools/subgraphTable';
import { withComposeServices } from '../tools/dockerCompose';
import { builtEntry } from '../tools/build';
import { createDatabase, dropDatabase } from './helpers/postgres';
import { postGraphQL, startSubgraphs, type Service } from './helpers/processes';
import { registryFixture } from './fixtures/registry-fixture/manifest';

/**
 * Adding a subgraph is its folder and one registry line: a throwaway subgraph (test/fixtures)
 * added to the registry's list — and nothing else — composes, answers `_entities` through the
 * gateway embedded and as its own process, and shows in readiness and metrics.
 */
const postgresUrl = process.env.LT_TEST_DATABASE_URL;
const extended = [...subgraphs, registryFixture];
/** Their implementations, for what is generated from the SDL (composition, README's table). */
const extendedModules = loadSubgraphs(extended);
const NOTE_QUERY = `{ commune(code: "00004") { name fixtureNote { id text } } }`;
const NOTE = { name: 'Ba Đình', fixtureNote: { id: 'n1', text: 'Ghi chú của phường Ba Đình' } };

async function getJson(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

describe('a subgraph added through the registry alone', () => {
  const quiet = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  afterAll(() => quiet.mockRestore());

  it('composes with the others, its SDL preamble given, its entity owned and its field on Commune contributed', () => {
    const sdl = composeSupergraph(extendedModules);
    expect(sdl).toMatch(/type FixtureNote\b/);
    expect(sdl).toMatch(/join__graph\(name: "registry-fixture", url: "http:\/\/registry-fixture:4099\/graphql"\)/);
    expect(subgraphSummary(registryFixture.load())).toEqual({ owns: ['`FixtureNote` (key `id`)'], contributes: ['`Commune.fixtureNote`'] });
  });

  it('gets its docker-compose service, its URL everywhere, and its README row from the generators', () => {
    const yaml = withComposeServices(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), extended, REPO_ROOT);
    const services = (
      parseYaml(yaml, { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, string> }> }
    ).services;
    expect(services['registry-fixture']?.command).toEqual(['node', 'dist/test/fixtures/registry-fixture/index.js']);
    expect(services['registry-fixture']?.environment?.PORT).toBe('4099');
    for (const name of ['gateway-1', 'gateway-2', 'population', 'registry-fixture']) {
      expect(services[name]?.environment?.REGISTRY_FIXTURE_URL).toBe('http://registry-fixture:4099/graphql');
    }
    const readme = withSubgraphTable(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), extendedModules);
    expect(readme).toContain(
      '| `registry-fixture` | Thử nghiệm — a throwaway subgraph added through the registry alone: `FixtureNote` (key `id`) |',
    );
  });

  describe('embedded in the gateway (npm start’s mode)', () => {
    let dir: string;
    let gateway: RunningGateway;
    let databaseUrl: string | null = null;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lien-thong-registry-'));
      databaseUrl = postgresUrl ? await createDatabase('registry') : null;
      gateway = await startGateway(
        {
          PORT: '0',
          LOG_LEVEL: 'silent',
          DEV_KEYS_DIR: join(dir, 'keys'),
          SEED_RESIDENTS: '20',
          ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: join(dir, 'pglite') }),
        },
        { subgraphs: extended, supergraphSdl: composeSupergraph(extendedModules) },
      );
    }, 180_000);
    afterAll(async () => {
      await gateway?.stop();
      if (databaseUrl) await dropDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers through the gateway: the commune from administrative-units, its note from the fixture (_entities)', async () => {
      const { status, body } = await postGraphQL(gateway.url, NOTE_QUERY);
      expect(status).toBe(200);
      expect(body).toEqual({ data: { commune: NOTE } });
    });

    it('appears in readiness and in the metrics', async () => {
      const origin = new URL(gateway.url).origin;
      const ready = await getJson(`${origin}/ready`);
      expect(ready).toMatchObject({ ready: true, subgraphs: { 'registry-fixture': 'embedded', population: 'embedded' } });
      const metrics = await (await fetch(`${origin}/metrics`)).text();
      expect(metrics).toMatch(/lienthong_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="registry-fixture"/);
    });
  });

  (postgresUrl ? describe : describe.skip)('as its own process, behind a gateway in front of separate processes', () => {
    const services: Service[] = [];
    let gateway: RunningGateway;
    let fixture: Service;
    let databaseUrl: string;
    let keyDir: string;
    beforeAll(async () => {
      databaseUrl = await createDatabase('registry_processes');
      // The owner's job before production processes start (they never migrate): the fixture's schema too.
      await migrate({ kind: 'postgres', url: databaseUrl }, [...extendedModules, auditMigrations]);
      keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-keys-'));
      const files = await writeKeyFiles(keyDir);
      const started = await startSubgraphs(
        {
          DATABASE_URL: databaseUrl,
          NODE_ENV: 'production',
          CACHE_ENABLED: 'false',
          INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
          INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
          INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
        },
        undefined,
        extended,
      );
      services.push(...started.services);
      fixture = started.byName['registry-fixture']!;
      gateway = await startGateway(
        {
          ...started.urlEnv,
          PORT: '0',
          LOG_LEVEL: 'silent',
          NODE_ENV: 'production',
          // Queries as text (production's default runs published documents only: trusted-documents.test.ts).
          TRUSTED_DOCUMENTS: 'off',
          CACHE_ENABLED: 'false',
          AUTH_JWKS_FILE: files.issuerJwks,
          INTERNAL_PRIVATE_KEY_FILE: files.internalPrivate,
          INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
        },
        { subgraphs: extended, supergraphSdl: composeSupergraph(extendedModules) },
      );
    }, 180_000);
    afterAll(async () => {
      await gateway?.stop();
      await Promise.all(services.map((s) => s.stop()));
      await dropDatabase(databaseUrl);
      rmSync(keyDir, { recursive: true, force: true });
    });

    it('answers _entities through the gateway over HTTP, signed; refuses a direct unsigned call (401)', async () => {
      const { status, body } = await postGraphQL(gateway.url, NOTE_QUERY);
      expect(status).toBe(200);
      expect(body).toEqual({ data: { commune: NOTE } });
      const direct = await postGraphQL(
        fixture.url,
        `{ _entities(representations: [{ __typename: "Commune", code: "00004" }]) { __typename } }`,
      );
      expect(direct.status).toBe(401);
      expect(direct.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('appears in the gateway’s readiness (its /ready asked) and metrics, and serves its own', async () => {
      const origin = new URL(gateway.url).origin;
      expect(await getJson(`${origin}/ready`)).toMatchObject({ ready: true, status: 'ok', subgraphs: { 'registry-fixture': 'ok' } });
      const metrics = await (await fetch(`${origin}/metrics`)).text();
      expect(metrics).toMatch(/lienthong_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="registry-fixture",outcome="ok"\} [1-9]/);
      const own = new URL(fixture.url).origin;
      expect(await getJson(`${own}/ready`)).toMatchObject({ ready: true, database: 'ok' });
      expect(await (await fetch(`${own}/metrics`)).text()).toMatch(/service="registry-fixture"/);
      // Stopped, it is reported unavailable and the gateway degraded, still ready (it answers without it).
      await fixture.stop();
      expect(await getJson(`${origin}/ready`)).toMatchObject({
        ready: true,
        status: 'degraded',
        subgraphs: { 'registry-fixture': 'unavailable' },
      });
    });
  });
});

describe('a gateway in front of separate subgraph processes', () => {
  /** A file of a subgraph folder that its manifest may bring: the manifest and what it imports (scalars, open-data sets). */
  const manifestFiles = new Set(
    subgraphs.flatMap((s) => {
      const manifest = join(dirname(s.entrypoint), 'manifest.ts');
      const imports = [...readFileSync(manifest, 'utf8').matchAll(/^import (?!type )[^;]*from '(\.\/[^']+)';$/gm)].map(
        (m) => `${resolve(dirname(manifest), m[1]!)}.ts`,
      );
      return [manifest, ...imports];
    }),
  );
  const underSubgraphs = (files: string[]) => files.filter((f) => f.startsWith(join(REPO_ROOT, 'subgraphs') + sep));
  let report: { remote: string[]; rssMb: number; withImplementations: string[] };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lien-thong-remote-modules-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'fixtures', 'remote-gateway-modules.ts')],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            ...Object.fromEntries(subgraphs.map((s) => [urlVariable(s.name), 'http://127.0.0.1:9/graphql'])),
            PORT: '0',
            LOG_LEVEL: 'silent',
            DEV_KEYS_DIR: join(dir, 'keys'),
            DATABASE_URL: '',
            REDIS_URL: '',
          },
          timeout: 120_000,
          maxBuffer: 16 * 2 ** 20,
        },
      );
      report = JSON.parse(/^MODULES (.*)$/m.exec(stdout)![1]!) as typeof report;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('loads the subgraphs’ manifests only: none of their code (resolvers, entities, migrations, seeds), no TypeORM', () => {
    expect(underSubgraphs(report.remote).filter((f) => f !== join(REPO_ROOT, 'subgraphs', 'index.ts') && !manifestFiles.has(f))).toEqual(
      [],
    );
    expect(report.remote.filter((f) => /node_modules[\\/](typeorm|@electric-sql[\\/]pglite)[\\/]/.test(f))).toEqual([]);
  });

  it('(control) would see them: asked for the implementations, the same process loads every subgraph.ts and TypeORM', () => {
    const loaded = new Set(report.withImplementations);
    for (const s of subgraphs) expect([s.name, loaded.has(join(dirname(s.entrypoint), 'subgraph.ts'))]).toEqual([s.name, true]);
    expect(underSubgraphs(report.withImplementations).length).toBeGreaterThan(underSubgraphs(report.remote).length + 50);
    expect(report.withImplementations.some((f) => /node_modules[\\/]typeorm[\\/]/.test(f))).toBe(true);
  });
});

describe('everything else is derived from the registry', () => {
  const compose = parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
  };

  it.each(subgraphs.map((s) => [s.name, s] as const))('docker-compose.yml runs %s with its port and every subgraph URL', (_, s) => {
    const service = compose.services[s.name];
    expect(service).toBeDefined();
    expect(service!.command?.join(' ')).toContain(builtEntry(relative(REPO_ROOT, s.entrypoint)));
    expect(service!.environment?.PORT).toBe(String(s.port));
    for (const other of subgraphs)
      expect(service!.environment?.[urlVariable(other.name)]).toBe(`http://${other.name}:${other.port}/graphql`);
  });

  it('docker-compose.yml gives every gateway replica every URL variable it expects and waits for every subgraph', () => {
    const gateways = Object.values(compose.services).filter((service) => service.command?.includes('dist/gateway/index.js'));
    expect(gateways.length).toBeGreaterThanOrEqual(2);
    const expected = Object.fromEntries(subgraphs.map((s) => [urlVariable(s.name), `http://${s.name}:${s.port}/graphql`]));
    for (const gateway of gateways) {
      const given = Object.fromEntries(
        Object.entries(gateway.environment ?? {}).filter(([k]) => k.endsWith('_URL') && !['REDIS_URL', 'DATABASE_URL'].includes(k)),
      );
      expect(given).toEqual(expected);
      expect(Object.keys(gateway.depends_on ?? {})).toEqual(expect.arrayContaining(subgraphs.map((s) => s.name)));
    }
  });

  it('the registry has one line per subgraph folder, with distinct names, schemas and ports', () => {
    const folders = readdirSync(join(REPO_ROOT, 'subgraphs'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(subgraphs.map((s) => s.name).sort()).toEqual(folders.sort());
    for (const key of ['name', 'schema', 'port'] as const) expect(new Set(subgraphs.map((s) => s[key])).size).toBe(subgraphs.length);
    for (const s of subgraphs) expect(dirname(s.entrypoint)).toBe(join(REPO_ROOT, 'subgraphs', s.name));
  });

  it('the gateway names no subgraph, table or entity type (outside its generated supergraph)', () => {
    const words = [...new Set(subgraphs.flatMap((s) => [s.name, s.schema, ...Object.keys(s.entityTypes)]))];
    const pattern = new RegExp(`(^|[^A-Za-z0-9_-])(${words.join('|')})($|[^A-Za-z0-9_-])`);
    const found: string[] = [];
    for (const file of filesUnder(join(REPO_ROOT, 'gateway'))) {
      if (file.endsWith('supergraph.graphql')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (pattern.test(line)) found.push(`${relative(REPO_ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  /** Which top-level folders each top-level folder's code imports (tests belong to the test layer). */
  const folderEdges = (): Map<string, Set<string>> => {
    const roots = ['shared', 'subgraphs', 'hub', 'gateway', 'explorer', 'dashboard', 'tools', 'cli', 'bench', 'test'];
    const edges = new Map<string, Set<string>>(roots.map((r) => [r, new Set()]));
    for (const root of roots) {
      for (const file of filesUnder(join(REPO_ROOT, root))) {
        // Tests (a folder's __tests__) belong to the test layer, whatever folder holds them.
        if (!/\.tsx?$/.test(file) || file.includes(`${sep}dist${sep}`) || file.includes(`${sep}__tests__${sep}`)) continue;
        for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
          const target = relative(REPO_ROOT, resolve(dirname(file), spec!)).split(sep)[0]!;
          if (target !== root && edges.has(target)) edges.get(root)!.add(target);
        }
      }
    }
    return edges;
  };
  const reachable = (edges: Map<string, Set<string>>, from: string, seen = new Set<string>()): Set<string> => {
    for (const next of edges.get(from)!) if (!seen.has(next)) reachable(edges, next, seen.add(next));
    return seen;
  };

  it('no import cycle between the top-level folders', () => {
    const edges = folderEdges();
    const cycles = [...edges.keys()].filter((r) => reachable(edges, r).has(r)).map((r) => `${r} → ${[...edges.get(r)!].join(', ')}`);
    expect(cycles).toEqual([]);
    // The layers: shared/ imports nothing; the bench no test helper.
    expect([...edges.get('shared')!]).toEqual([]);
    expect(edges.get('bench')!.has('test')).toBe(false);
  });

  it('the production image copies every folder the gateway, the subgraphs and the CLI reach', () => {
    const edges = folderEdges();
    const needed = new Set(['gateway', 'subgraphs', 'cli'].flatMap((root) => [root, ...reachable(edges, root)]));
    const copied = new Set([...readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').matchAll(/^COPY (\S+) \.\/\1$/gm)].map((m) => m[1]));
    expect([...needed].filter((folder) => !copied.has(folder)).sort()).toEqual([]);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'node_modules' ? [] : filesUnder(join(dir, e.name))) : [join(dir, e.name)],
  );
}
