import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportJWK, type JWK } from 'jose';
import { openHubDatabase } from '../hub/database';
import { createDataSource, prepareSchemas } from '../shared/db';
import { bodyHash, importInternalKeys, signIdentity, signServiceIdentity } from '../shared/auth/internalToken';
import { readJson, writeKeyFiles } from '../shared/auth/keys';
import { DENSE_COMMUNE, DENSE_PROVINCE, seedTestData } from './helpers/dataset';
import { asRole, createDatabase, dropDatabase, dropRoles } from './helpers/postgres';
import { Client } from 'pg';
import { migrateCommand } from '../cli/migrate';
import { servingRoles, subgraphRole } from '../hub/roles';
import { subgraphByName, subgraphs } from '../subgraphs';
import { auditMigrations } from '../shared/audit';
import { checkpointVerifier, verifyCheckpoints } from '../shared/audit/checkpoint';
import { AS, meta } from './helpers/identities';
import { OPERATIONS } from '../hub/operations';
import {
  centralOfficer,
  embeddedDefaultEnv,
  postGraphQL,
  productionGatewayEnv,
  startService,
  startSubgraphs,
  type Service,
} from './helpers/processes';
import { signToken, tampered, unsignedToken } from './helpers/tokens';

const postgresUrl = process.env.LT_TEST_DATABASE_URL;
const PURPOSE = { 'x-purpose': 'HS-2026-0042' };
/** Serving roles of this run's own (roles are shared by every database of the server). */
const ROLE_PREFIX = `lt${process.pid}_`;

/** The four operations return data (no errors) through a gateway reached over HTTP. */
async function expectOperationsWork(url: string, headers: Record<string, string>): Promise<void> {
  const residents = await postGraphQL(url, OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, headers);
  expect(residents.status).toBe(200);
  expect(residents.body.errors).toBeUndefined();
  expect((residents.body.data?.commune as { name: string; residents: { edges: unknown[] } }).residents.edges.length).toBeGreaterThan(0);
  const parcels = await postGraphQL(url, OPERATIONS.ProvinceLand, { province: DENSE_PROVINCE }, headers);
  expect(parcels.body.errors).toBeUndefined();
  const units = await postGraphQL(url, OPERATIONS.Units);
  expect((units.body.data?.provinces as unknown[]).length).toBe(34);
  const legacy = await postGraphQL(url, OPERATIONS.Legacy);
  expect(legacy.body.data).toEqual({ legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } });
}

(postgresUrl ? describe : describe.skip)('separate processes on PostgreSQL: four subgraphs and a gateway, in production mode', () => {
  const services: Service[] = [];
  let gateway: Service;
  let population: Service;
  let keyDir: string;
  let files: Awaited<ReturnType<typeof writeKeyFiles>>;
  let officer: Record<string, string>;
  let databaseUrl: string;
  beforeAll(async () => {
    // A database of this suite's own: it writes (a land transfer across processes).
    databaseUrl = await createDatabase('processes');
    // What a deployment's one-shot job does, as the owner role: migrate, then create and grant the
    // serving roles (their names this run's own: roles belong to the whole server).
    const printed: unknown[] = [];
    const console = jest.spyOn(global.console, 'log').mockImplementation((...line) => void printed.push(...line));
    try {
      expect(
        await migrateCommand(['--roles'], {
          DATABASE_OWNER_URL: databaseUrl,
          DATABASE_ROLE_PREFIX: ROLE_PREFIX,
          DATABASE_ROLE_PASSWORDS: `${ROLE_PREFIX}land=not-the-owners,${ROLE_PREFIX}gateway=another-one`,
        }),
      ).toBe(0);
      // A password for a role that is not a serving role: refused, nothing set.
      await expect(
        migrateCommand(['--roles'], {
          DATABASE_OWNER_URL: databaseUrl,
          DATABASE_ROLE_PREFIX: ROLE_PREFIX,
          DATABASE_ROLE_PASSWORDS: `${ROLE_PREFIX}land=x,postgres=taken-over`,
        }),
      ).rejects.toThrow(/not serving roles: postgres/);
    } finally {
      console.mockRestore();
    }
    expect(printed).toContain(`Role ${ROLE_PREFIX}population: population, audit (append only)`);
    const withPassword = new Client({ connectionString: databaseUrl });
    await withPassword.connect();
    const passwords = await withPassword.query<{ rolname: string }>(
      `SELECT rolname FROM pg_authid WHERE rolname LIKE $1 AND rolpassword IS NOT NULL ORDER BY rolname`,
      [`${ROLE_PREFIX}%`],
    );
    await withPassword.end();
    expect(passwords.rows.map((r) => r.rolname)).toEqual([`${ROLE_PREFIX}gateway`, `${ROLE_PREFIX}land`]);
    const setup = await openHubDatabase({ kind: 'postgres', url: databaseUrl });
    await seedTestData(setup).finally(() => setup.destroy());
    keyDir = mkdtempSync(join(tmpdir(), 'lien-thong-keys-'));
    files = await writeKeyFiles(keyDir);
    // Each subgraph as its own least-privileged role, taking signed checkpoints of the audit log.
    const started = await startSubgraphs(
      {
        NODE_ENV: 'production',
        INTERNAL_PUBLIC_KEY_FILE: files.internalPublic,
        INTERNAL_SERVICE_PRIVATE_KEY_FILE: files.servicePrivate,
        INTERNAL_SERVICE_PUBLIC_KEY_FILE: files.servicePublic,
        AUDIT_CHECKPOINT_PRIVATE_KEY_FILE: files.auditPrivate,
        AUDIT_CHECKPOINT_SECONDS: '1',
      },
      (name) => ({ DATABASE_URL: asRole(databaseUrl, subgraphRole(ROLE_PREFIX, subgraphByName(name))) }),
    );
    services.push(...started.services);
    population = started.byName.population!;
    const urls = started.urlEnv;
    gateway = await startService('gateway/index.ts', {
      ...urls,
      ...productionGatewayEnv(files),
    });
    services.push(gateway);
    officer = await centralOfficer(files, PURPOSE['x-purpose']);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    if (databaseUrl) await dropDatabase(databaseUrl);
    await dropRoles(servingRoles(ROLE_PREFIX).map((g) => g.role));
  });

  test('least privilege: each subgraph connects as its own role, which reaches only its own schema and appends to the audit log', async () => {
    const owner = new Client({ connectionString: databaseUrl });
    await owner.connect();
    const tableOf = async (schema: string) =>
      (
        await owner.query<{ name: string }>(
          `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
           WHERE table_schema = $1 AND table_name <> 'migrations' ORDER BY table_name LIMIT 1`,
          [schema],
        )
      ).rows[0]!.name;
    const denied = { code: '42501' };
    try {
      for (const module of subgraphs) {
        const role = subgraphRole(ROLE_PREFIX, module);
        const client = new Client({ connectionString: asRole(databaseUrl, role) });
        await client.connect();
        try {
          expect((await client.query<{ user: string }>('SELECT current_user AS user')).rows[0]!.user).toBe(role);
          await client.query(`SELECT 1 FROM ${await tableOf(module.schema)} LIMIT 1`);
          await client.query(`SELECT 1 FROM audit.entry LIMIT 1`);
          for (const other of subgraphs.filter((s) => s !== module)) {
            await expect(client.query(`SELECT 1 FROM ${await tableOf(other.schema)} LIMIT 1`)).rejects.toMatchObject(denied);
          }
          for (const sql of [
            `UPDATE audit.entry SET purpose = purpose`,
            `DELETE FROM audit.entry`,
            `TRUNCATE audit.entry`,
            `ALTER TABLE audit.entry DISABLE TRIGGER entry_append_only`,
            // A partition is reached through its table only (its statement triggers, the fork guard, fire there).
            `SELECT 1 FROM audit.entry_default LIMIT 1`,
            `DELETE FROM audit.archive`,
            `UPDATE audit.checkpoint SET entry_id = entry_id`,
            `DELETE FROM audit.checkpoint`,
            `CREATE TABLE ${module.schema}.intruder (id int)`,
            `DELETE FROM ${module.schema}.migrations`,
            `TRUNCATE ${await tableOf(module.schema)}`,
            `SELECT 1 FROM documents.trusted_document`,
          ]) {
            await expect(client.query(sql)).rejects.toMatchObject(denied);
          }
        } finally {
          await client.end();
        }
      }
    } finally {
      await owner.end();
    }
  });

  test('the subgraphs, as their own roles, take signed checkpoints of the audit log that verify with the public key', async () => {
    const read = await postGraphQL(gateway.url, OPERATIONS.CommuneResidents, { code: DENSE_COMMUNE }, officer);
    expect(read.body.errors).toBeUndefined();
    const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
    await db.initialize();
    try {
      const [{ head }] = (await db.query(`SELECT max(id)::text AS head FROM audit.entry`)) as [{ head: string }];
      const deadline = Date.now() + 15_000;
      const covered = async () =>
        ((await db.query(`SELECT 1 FROM audit.checkpoint WHERE entry_id >= $1::bigint`, [head])) as unknown[]).length > 0;
      while (!(await covered()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await covered()).toBe(true);
      const result = await verifyCheckpoints(db, checkpointVerifier(readJson<JWK>(files.auditPublic)));
      expect(result).toMatchObject({ ok: true, checked: expect.any(Number) });
    } finally {
      await db.destroy();
    }
  });

  test('a serving process never migrates in production: pending migrations stop it, naming them and the command to run', async () => {
    const fresh = await createDatabase('unmigrated');
    try {
      await expect(
        prepareSchemas({ kind: 'postgres', url: fresh }, [subgraphByName('population').load(), auditMigrations], false),
      ).rejects.toThrow(
        /not migrated \(population: .+; audit: CreateAudit1765000000000, AuditCheckpoint1767000000000, PartitionAudit1769200000000\).*npm run cli -- migrate --roles/,
      );
      // Nothing was created on the way.
      const client = new Client({ connectionString: fresh });
      await client.connect();
      const schemas = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname IN ('population', 'audit')`);
      await client.end();
      expect(schemas.rows).toEqual([]);
    } finally {
      await dropDatabase(fresh);
    }
  });

  test('a write across processes: land asks population and the register, over HTTP with a service identity, before transferring', async () => {
    const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
    await db.initialize();
    try {
      const [parcel] = (await db.query(
        `SELECT p.id::text AS id, p.version, h.holder_id AS holder FROM land.land_parcel p JOIN land.parcel_holder h ON h.parcel_id = p.id
         WHERE p.province_code = $1 AND h.holder_type = 'RESIDENT' AND h.share = 100 ORDER BY p.id LIMIT 1`,
        [DENSE_PROVINCE],
      )) as { id: string; version: number; holder: string }[];
      const [buyer] = (await db.query(
        `SELECT citizen_id AS id FROM population.resident WHERE citizen_id <> $1 ORDER BY citizen_id LIMIT 1`,
        [parcel!.holder],
      )) as { id: string }[];
      const [company] = (await db.query(`SELECT tax_code AS id FROM enterprise.enterprise ORDER BY tax_code LIMIT 1`)) as { id: string }[];
      const mutation = `mutation ($input: TransferLandUseRightsInput!) { transferLandUseRights(input: $input) {
        parcel { version holdings { share holder { ... on Resident { citizenId } ... on Enterprise { taxCode name } } } } } }`;
      const input = (to: Record<string, string>) => ({
        parcelId: parcel!.id,
        expectedVersion: parcel!.version,
        from: [{ holder: { citizenId: parcel!.holder }, share: 100 }],
        to: [
          { holder: to, share: 50 },
          { holder: { taxCode: company!.id }, share: 50 },
        ],
      });
      const unknown = await postGraphQL(gateway.url, mutation, { input: input({ citizenId: '001099000001' }) }, officer);
      expect(unknown.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.to[0].holder.citizenId' });
      const done = await postGraphQL(gateway.url, mutation, { input: input({ citizenId: buyer!.id }) }, officer);
      expect(done.body.errors).toBeUndefined();
      expect(done.body.data?.transferLandUseRights).toMatchObject({
        parcel: {
          version: parcel!.version + 1,
          holdings: expect.arrayContaining([
            { share: 50, holder: { citizenId: buyer!.id } },
            { share: 50, holder: expect.objectContaining({ taxCode: company!.id }) },
          ]),
        },
      });
    } finally {
      await db.destroy();
    }
  });

  test('a write in a subgraph process makes the gateway stop serving its cached public copy at once', async () => {
    const db = await createDataSource({ target: { kind: 'postgres', url: databaseUrl }, entities: [] });
    await db.initialize();
    const [enterprise] = (await db
      .query(
        `SELECT tax_code AS id FROM enterprise.enterprise WHERE head_office_province_code = $1 AND status = 'ACTIVE' ORDER BY tax_code LIMIT 1`,
        [DENSE_PROVINCE],
      )
      .finally(() => db.destroy())) as { id: string }[];
    const read = async () => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query ($t: TaxCode!) { enterprise(taxCode: $t) { status } }', variables: { t: enterprise!.id } }),
      });
      const body = (await response.json()) as { data: { enterprise: { status: string } } };
      return { status: body.data.enterprise.status, cache: response.headers.get('x-cache') };
    };
    expect(await read()).toEqual({ status: 'ACTIVE', cache: null });
    expect(await read()).toEqual({ status: 'ACTIVE', cache: 'HIT' });
    const changed = await postGraphQL(
      gateway.url,
      `mutation ($t: TaxCode!) { changeEnterpriseStatus(input: { taxCode: $t, status: SUSPENDED, reason: "Tạm ngừng" }) { enterprise { status } } }`,
      { t: enterprise!.id },
      officer,
    );
    expect(changed.body.errors).toBeUndefined();
    expect(await read()).toEqual({ status: 'SUSPENDED', cache: null });
  });

  test('a SERVICE identity sees whether records exist, never their personal fields', async () => {
    const keys = await importInternalKeys(undefined, readJson(files.internalPublic), {
      privateJwk: readJson(files.servicePrivate),
      publicJwk: readJson(files.servicePublic),
    });
    const ask = async (selection: string) => {
      const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { ${selection} } } }`;
      const variables = { r: [{ __typename: 'Resident', citizenId: '001099000001' }] };
      const token = await signServiceIdentity(keys, 'land', 'population', bodyHash(query, variables));
      return postGraphQL(population.url, query, variables, { 'x-lien-thong-identity': token });
    };
    expect((await ask('__typename')).body).toEqual({ data: { _entities: [null] } });
    const personal = await ask('fullName');
    expect(personal.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A service token is addressed to one subgraph and one body, like the gateway's.
    const query = '{ __typename }';
    const elsewhere = await signServiceIdentity(keys, 'land', 'enterprise', bodyHash(query, {}));
    expect((await postGraphQL(population.url, query, {}, { 'x-lien-thong-identity': elsewhere })).status).toBe(401);
  });

  test('the four operations work through the gateway over HTTP, the identity signed per subgraph', async () => {
    await expectOperationsWork(gateway.url, officer);
  });

  test('a refusal by a subgraph (personal data without a purpose) keeps its code, without the subgraph URL', async () => {
    const result = await postGraphQL(
      gateway.url,
      `{ commune(code: "00004") { residents(first: 1) { edges { node { fullName } } } } }`,
      undefined,
      {
        authorization: officer.authorization!,
      },
    );
    expect(result.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    expect(JSON.stringify(result.body)).not.toMatch(/127\.0\.0\.1|localhost|response/);
  });

  test('subgraph errors keep their code through the HTTP hop, without internals', async () => {
    const result = await postGraphQL(gateway.url, `{ commune(code: "99999") { name } }`, undefined, officer);
    expect((result.body.errors ?? []).map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(result.body)).not.toMatch(/stacktrace|SELECT|127\.0\.0\.1/);
    // A malformed identifier never reaches a subgraph: the gateway refuses it, naming the argument.
    const malformed = await postGraphQL(gateway.url, `{ resident(citizenId: "x") { fullName } }`, undefined, officer);
    expect(malformed.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(malformed.body)).not.toMatch(/stacktrace|SELECT|127\.0\.0\.1/);
  });

  test('each subgraph and the gateway answer /health, with their cache counters', async () => {
    for (const s of services) {
      const response = await fetch(s.url.replace('/graphql', '/health'));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', cache: expect.any(Object) });
    }
  });

  describe('a subgraph called directly, bypassing the gateway, is refused', () => {
    const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Resident { fullName } } }`;
    const variables = { r: [{ __typename: 'Resident', citizenId: '001099000001' }] };
    const signed = async (privateJwk: JWK, audience: string, query: string, vars: unknown) =>
      signIdentity(
        await importInternalKeys(privateJwk, JSON.parse(readFileSync(files.internalPublic, 'utf8')) as JWK),
        audience,
        AS.central,
        meta(),
        bodyHash(query, vars),
      );

    test.each([
      ['no identity at all', async () => ({})],
      [
        'an identity signed with another key',
        async () => {
          const { privateKey } = await generateKeyPair('ES256', { extractable: true });
          return {
            'x-lien-thong-identity': await signed({ ...(await exportJWK(privateKey)), alg: 'ES256' }, 'population', entities, variables),
          };
        },
      ],
      [
        'an identity issued for another subgraph',
        async () => ({
          'x-lien-thong-identity': await signed(
            JSON.parse(readFileSync(files.internalPrivate, 'utf8')) as JWK,
            'land',
            entities,
            variables,
          ),
        }),
      ],
      [
        'an identity issued for another request (replayed)',
        async () => ({
          'x-lien-thong-identity': await signed(
            JSON.parse(readFileSync(files.internalPrivate, 'utf8')) as JWK,
            'population',
            '{ _service { sdl } }',
            {},
          ),
        }),
      ],
      ['a client-made identity header', async () => ({ 'x-lien-thong-identity': JSON.stringify({ role: 'CENTRAL' }) })],
    ])('%s: 401 UNAUTHENTICATED, no data', async (_label, headers) => {
      const result = await postGraphQL(population.url, entities, variables, await headers());
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.body.data).toBeUndefined();
    });

    test('_service (the schema) is refused too', async () => {
      const result = await postGraphQL(population.url, `{ _service { sdl } }`);
      expect(result.status).toBe(401);
    });

    test('a correctly signed identity for this subgraph and this request is accepted', async () => {
      const headers = {
        'x-lien-thong-identity': await signed(
          JSON.parse(readFileSync(files.internalPrivate, 'utf8')) as JWK,
          'population',
          entities,
          variables,
        ),
      };
      const result = await postGraphQL(population.url, entities, variables, headers);
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
    });
  });
});

describe('npm start on the embedded default (PGlite in a fresh folder, nothing else configured)', () => {
  let gateway: Service;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-start-'));
    gateway = await startService('gateway/index.ts', embeddedDefaultEnv(dir, 400), 180_000);
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrates, seeds, prints demo tokens and serves the unified graph', async () => {
    const units = await postGraphQL(gateway.url, OPERATIONS.Units);
    expect(units.body.errors).toBeUndefined();
    expect((units.body.data?.provinces as unknown[]).length).toBe(34);
    const legacy = await postGraphQL(gateway.url, OPERATIONS.Legacy);
    expect(legacy.body.data).toEqual({ legacyUnit: { name: 'Tỉnh Hà Giang', successors: [{ code: '08', name: 'Tuyên Quang' }] } });
    expect(gateway.output()).toMatch(/seeded/);
    // The printed central token reads personal data, with a purpose.
    const central = /central \/ ministry:\s+(\S+)/.exec(gateway.output())?.[1];
    expect(central).toBeTruthy();
    const land = await postGraphQL(
      gateway.url,
      OPERATIONS.ProvinceLand,
      { province: '79' },
      { authorization: `Bearer ${central}`, ...PURPOSE },
    );
    expect(land.body.errors).toBeUndefined();
  });

  describe('bearer tokens', () => {
    const query = `{ commune(code: "00004") { residents(first: 1) { edges { node { fullName } } } } }`;
    let issuer: JWK;
    const call = (authorization: string, extra: Record<string, string> = PURPOSE) =>
      postGraphQL(gateway.url, query, undefined, { authorization, ...extra });
    beforeAll(() => {
      issuer = (JSON.parse(readFileSync(join(dir, 'keys', 'dev-keys.json'), 'utf8')) as { issuerPrivateJwk: JWK }).issuerPrivateJwk;
    });
    const officer = { role: 'COMMUNE_OFFICER', commune: '00004' };

    test('a valid token with a purpose reads its own commune', async () => {
      const result = await call(`Bearer ${await signToken(issuer, officer, { sub: 'officer-1' })}`);
      expect(result.status).toBe(200);
      expect(result.body.errors).toBeUndefined();
    });

    test.each([
      ['tampered', async () => tampered(await signToken(issuer, officer, { sub: 'officer-1' }))],
      ['expired', async () => signToken(issuer, officer, { sub: 'officer-1', expiresIn: Math.floor(Date.now() / 1000) - 120 })],
      ['unsigned (alg: none)', async () => unsignedToken({ ...officer, sub: 'officer-1' })],
      ['for another audience', async () => signToken(issuer, officer, { sub: 'officer-1', audience: 'another-service' })],
      ['from another issuer', async () => signToken(issuer, officer, { sub: 'officer-1', issuer: 'somebody-else' })],
      [
        'signed by an unknown key',
        async () => {
          const { privateKey } = await generateKeyPair('ES256', { extractable: true });
          return signToken({ ...(await exportJWK(privateKey)), kid: 'dev-issuer-1' }, officer, { sub: 'officer-1' });
        },
      ],
      ['without a role', async () => signToken(issuer, { commune: '00004' }, { sub: 'officer-1' })],
      // SERVICE is the subgraphs' own role for existence checks: never accepted from a user's token.
      ['with the internal SERVICE role', async () => signToken(issuer, { role: 'SERVICE' }, { sub: 'land' })],
      ['a commune officer without a commune', async () => signToken(issuer, { role: 'COMMUNE_OFFICER' }, { sub: 'officer-1' })],
      ['not a JWT', async () => 'not-a-token'],
    ])('%s: 401 UNAUTHENTICATED, nothing read', async (_label, make) => {
      const result = await call(`Bearer ${await make()}`);
      expect(result.status).toBe(401);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.body.data).toBeUndefined();
    });

    test.each([
      ['a hidden format character (right-to-left override)', Buffer.from('HS-2026\u202E-1', 'utf8').toString('latin1')],
      ['too short to be a reference', 'x'],
      ['too long', 'H'.repeat(201)],
    ])('a purpose that is %s is refused', async (_label, purpose) => {
      const result = await call(`Bearer ${await signToken(issuer, officer, { sub: 'officer-1' })}`, { 'x-purpose': purpose });
      expect(result.status).toBe(400);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    test('a Vietnamese purpose is accepted (UTF-8 header, normalised to NFC)', async () => {
      const purpose = Buffer.from('Hồ sơ đăng ký thường trú HS-2026-07', 'utf8').toString('latin1');
      const result = await call(`Bearer ${await signToken(issuer, officer, { sub: 'officer-1' })}`, { 'x-purpose': purpose });
      expect(result.body.errors).toBeUndefined();
    });
  });

  test('personal data without a token is refused; bad requests get a typed error, not a stack trace', async () => {
    const anonymous = await postGraphQL(gateway.url, `{ resident(citizenId: "001099000001") { fullName } }`);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });
});
