import type { ApolloServer } from '@apollo/server';
import { newPersonalReads, type GatewayContext } from '../gateway/context';
import { MAX_BODY_BYTES } from '../gateway/hardening';
import { GRAPHQL_VARY } from '../gateway/door';
import { createGatewayServer } from '../gateway/server';
import { readCommittedSupergraph } from '../gateway/supergraph';
import { createAuditLog } from '../shared/audit';
import { createHttpHandler, listen } from '../shared/http';
import { REQUEST_BOUNDS } from '../shared/http/bounds';
import { currentVietnamYear } from '../shared/graphql/identifiers';
import { createLogger } from '../shared/observability/logger';
import { scalarImplementations, type SubgraphModule } from '../shared/subgraph';
import { loadSubgraphs } from '../subgraphs';
import { parse, printSchema, buildASTSchema, isScalarType, isSpecifiedScalarType } from 'graphql';
import { openTestHub, type TestHub } from './helpers/hub';
import { AS, TEST_PURPOSE } from './helpers/identities';

/** The registered subgraphs' implementations (the registry holds their manifests). */
const subgraphs = loadSubgraphs();

/**
 * The door (issue 15, part A): malformed values refused at the gateway with the subgraphs' own
 * scalar implementations, before planning and before any subgraph is called; request bodies bounded
 * before parsing; GraphQL over HTTP status codes; cache headers; the browser door.
 */

const quiet = createLogger('door-test', 'silent');

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
}

const codes = (a: Answer) => (a.body?.errors ?? []).map((e) => e.extensions?.code);

async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, text, body };
}

let hub: TestHub;
let url: string;
let close: () => Promise<void>;
/** Subgraph requests served: every one builds its loaders once (shared/subgraph createContext). */
let subgraphRequests = 0;
/** Who the HTTP context says is asking (changed by the cache-header tests). */
let caller: { identity: GatewayContext['identity']; purpose: string | null } = { identity: AS.central, purpose: TEST_PURPOSE };

const counted: SubgraphModule[] = subgraphs.map((module) => ({
  ...module,
  createLoaders: (...args: Parameters<SubgraphModule['createLoaders']>) => {
    subgraphRequests += 1;
    return module.createLoaders(...args);
  },
}));

beforeAll(async () => {
  hub = await openTestHub();
  const apollo: ApolloServer<GatewayContext> = createGatewayServer({
    supergraphSdl: readCommittedSupergraph(),
    transport: { kind: 'embedded', subgraphs: counted, db: hub.db, auditLog: createAuditLog(hub.db) },
    log: quiet,
  });
  await apollo.start();
  const handler = createHttpHandler(apollo, {
    context: async (_req, _body, { requestId }) => ({
      identity: caller.identity,
      meta: { requestId, purpose: caller.purpose },
      personal: newPersonalReads(),
    }),
    maxBodyBytes: MAX_BODY_BYTES,
    vary: GRAPHQL_VARY,
  });
  const served = await listen(handler, 0, '127.0.0.1');
  url = served.url;
  close = async () => {
    served.server.closeAllConnections();
    await new Promise<void>((resolve) => served.server.close(() => resolve()));
    await apollo.stop();
  };
});
afterAll(async () => {
  await close?.();
  await hub?.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** The current year's last two digits plus one: a birth year that has not happened yet. */
const nextYear = String((currentVietnamYear() + 1) % 100).padStart(2, '0');

/**
 * Each custom scalar of the supergraph, where it can be given (an argument of a root field, as a
 * literal or a variable), and a family of malformed values. Non-string JSON values (numbers,
 * operator-shaped objects, lists, booleans) are added to every family below.
 */
const FAMILIES: { scalar: string; variable: string; query: (value: string) => string; bad: string[] }[] = [
  {
    scalar: 'CitizenId',
    variable: 'query ($v: CitizenId!) { resident(citizenId: $v) { fullName } }',
    query: (v) => `{ resident(citizenId: ${v}) { fullName } }`,
    bad: [
      '',
      '12345',
      '00108500012', // 11 digits
      '0010850001234', // 13 digits
      '101085000123', // does not start with 0
      '003085000123', // 03 was never a province
      '000085000123',
      '001485000123', // century digit 4: born 2185
      '001585000123',
      '001685000123', // 2285
      '001885000123', // 2385
      '001985000123',
      `0012${nextYear}000123`, // next year, 21st century
      `0013${nextYear}000123`,
      '00108500012a',
      ' 001085000123',
      '001085000123 ',
      '001 085 000 123',
      '001-085-000123',
      '００１０８５０００１２３', // full-width digits
      '001085000123\u200b',
      '0010850001230000000000000000000000000000000000',
    ],
  },
  {
    scalar: 'TaxCode',
    variable: 'query ($v: TaxCode!) { enterprise(taxCode: $v) { name } }',
    query: (v) => `{ enterprise(taxCode: ${v}) { name } }`,
    bad: [
      '12',
      '0100109107', // wrong check digit
      '0100109106000', // branch 000
      '0100109106-000',
      '0100109106-01',
      '0100109106-0001',
      '0100109106--001',
      '0100109106/001',
      '0100109106_001',
      '01 00109106',
      '0100 109 106',
      'MST0100109106',
      '0100109106-abc',
      '010010910',
      '01001091060',
      '-0100109106',
    ],
  },
  {
    scalar: 'ProvinceCode',
    variable: 'query ($v: ProvinceCode!) { province(code: $v) { name } }',
    query: (v) => `{ province(code: ${v}) { name } }`,
    bad: ['', '1', '001', 'AB', '0x', ' 01', '01 ', '1e', '٠١'],
  },
  {
    scalar: 'CommuneCode',
    variable: 'query ($v: CommuneCode) { enterprises(filter: { communeCode: $v }) { totalCount } }',
    query: (v) => `{ enterprises(filter: { communeCode: ${v} }) { totalCount } }`,
    bad: ['', '4', '0004', '000004', 'abcde', '0000a', '00 04', '00004\n'],
  },
  {
    scalar: 'DossierNumber',
    variable: 'query ($v: DossierNumber!) { dossier(number: $v) { status } }',
    query: (v) => `{ dossier(number: ${v}) { status } }`,
    bad: [
      'x',
      '00004-250230-0001',
      '00004-251301-0001',
      '00004-250101-001',
      '0004-250101-0001',
      '00004-20250101-0001',
      '00004_250101_0001',
    ],
  },
  {
    scalar: 'LandUseCode',
    variable: 'query ($v: LandUseCode) { landParcels(filter: { communeCode: "00004", landUseCode: $v }) { totalCount } }',
    query: (v) => `{ landParcels(filter: { communeCode: "00004", landUseCode: ${v} }) { totalCount } }`,
    bad: ['odt', 'OD', 'ODTX', '0DT', 'O D', 'ĐẤT'],
  },
  {
    scalar: 'Date',
    variable: 'mutation ($v: Date!) { recordDeath(input: { citizenId: "001085000123", deathDate: $v }) { __typename } }',
    query: (v) => `mutation { recordDeath(input: { citizenId: "001085000123", deathDate: ${v} }) { __typename } }`,
    bad: ['2025-02-30', '2025-13-01', '2025-00-10', '25-01-01', '2025/01/01', '2025-1-1', '2025-01-01T00:00:00Z', 'yesterday'],
  },
  {
    scalar: 'DateTime',
    variable: 'mutation ($v: DateTime) { changeDossierStatus(input: { number: "00004-250101-0001", status: NEW, at: $v }) { __typename } }',
    query: (v) => `mutation { changeDossierStatus(input: { number: "00004-250101-0001", status: NEW, at: ${v} }) { __typename } }`,
    bad: ['2025-09-30T08:15:00', '2025-09-30', '2025-09-30T25:00:00+07:00', 'now', '1727661300'],
  },
];

/** Values of the wrong JSON type, as variables and as GraphQL literals. */
const WRONG_TYPES: { json: unknown; literal: string }[] = [
  { json: 1, literal: '1' },
  { json: 1.5, literal: '1.5' },
  { json: true, literal: 'true' },
  { json: { $ne: 1 }, literal: '{ ne: 1 }' },
  { json: { $gt: '' }, literal: '{ gt: "" }' },
  { json: ['001085000123'], literal: '["001085000123"]' },
  { json: [], literal: '[]' },
];

describe('scalars enforced at the gateway: 400 BAD_USER_INPUT naming the argument, no subgraph called', () => {
  test('every custom scalar of the supergraph has its implementation from the registry', () => {
    const api = buildASTSchema(parse(printSchema(buildASTSchema(parse(readCommittedSupergraph()), { assumeValidSDL: true }))), {
      assumeValidSDL: true,
    });
    const declared = Object.values(api.getTypeMap())
      .filter((t) => isScalarType(t) && !isSpecifiedScalarType(t) && !/^[A-Za-z]+__|^_/.test(t.name)) // a core feature's own (join__, link__, requiresScopes__…)
      .map((t) => t.name)
      .sort();
    const implemented = [...scalarImplementations(subgraphs).keys()];
    expect(declared.filter((name) => !implemented.includes(name))).toEqual([]);
    expect(FAMILIES.map((f) => f.scalar).sort()).toEqual(declared);
  });

  describe.each(FAMILIES)('$scalar', ({ variable, query, bad }) => {
    const cases = [...bad.map((v) => ({ json: v as unknown, literal: JSON.stringify(v) })), ...WRONG_TYPES];

    test(`${cases.length} malformed values as a variable`, async () => {
      const before = subgraphRequests;
      for (const { json } of cases) {
        const answer = await post({ query: variable, variables: { v: json } });
        expect({ value: json, status: answer.status, codes: codes(answer) }).toEqual({
          value: json,
          status: 400,
          codes: ['BAD_USER_INPUT'],
        });
        expect(answer.body?.errors?.[0]?.extensions?.argument).toBe('$v');
        expect(answer.body?.data).toBeUndefined();
      }
      expect(subgraphRequests).toBe(before);
    });

    test(`${cases.length} malformed values as a literal`, async () => {
      const before = subgraphRequests;
      for (const { json, literal } of cases) {
        const answer = await post({ query: query(literal) });
        expect({ value: json, status: answer.status, codes: codes(answer) }).toEqual({
          value: json,
          status: 400,
          codes: ['BAD_USER_INPUT'],
        });
        expect(String(answer.body?.errors?.[0]?.extensions?.argument)).toMatch(/^[a-zA-Z.[\]0-9]+$/);
      }
      expect(subgraphRequests).toBe(before);
    });
  });

  test('the argument is named, nested inside an input object too', async () => {
    const literal = await post({ query: '{ landParcels(filter: { communeCode: "4" }) { totalCount } }' });
    expect(literal.body?.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'filter.communeCode',
      field: 'landParcels',
    });
    expect(literal.body?.errors?.[0]?.message).toMatch(/"filter\.communeCode" of landParcels: Invalid CommuneCode "4"/);
    const variable = await post({
      query: 'query ($f: LandParcelFilter!) { landParcels(filter: $f) { totalCount } }',
      variables: { f: { communeCode: '00004', holderCitizenId: '001885000123' } },
    });
    expect(variable.body?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: '$f' });
    expect(variable.body?.errors?.[0]?.message).toMatch(/at "f\.holderCitizenId"; Invalid CitizenId/);
  });

  test('wrong types for built-in scalars, enums and input objects in variables: 400 before any subgraph', async () => {
    const before = subgraphRequests;
    const probes: [string, Record<string, unknown>][] = [
      ['query ($s: String) { provinces(search: $s) { code } }', { s: 5 }],
      ['query ($s: String) { provinces(search: $s) { code } }', { s: { $ne: 1 } }],
      ['query ($s: String) { provinces(search: $s) { code } }', { s: ['ha noi'] }],
      ['query ($n: Int) { communes(first: $n) { totalCount } }', { n: '10' }],
      ['query ($n: Int) { communes(first: $n) { totalCount } }', { n: 1.5 }],
      ['query ($n: Int) { communes(first: $n) { totalCount } }', { n: 2 ** 40 }],
      ['query ($n: Int) { communes(first: $n) { totalCount } }', { n: { $gt: 0 } }],
      ['query ($l: UnitLevel!) { legacyUnit(code: "02", level: $l) { name } }', { l: 'province' }],
      ['query ($l: UnitLevel!) { legacyUnit(code: "02", level: $l) { name } }', { l: 1 }],
      ['query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }', { f: { $where: 'sleep(1)' } }],
      ['query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }', { f: 'provinceCode=01' }],
      ['query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }', { f: [{ provinceCode: '01' }] }],
      ['query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }', { f: { provinceCode: '1' } }],
      ['query ($v: CitizenId!) { resident(citizenId: $v) { fullName } }', {}],
      ['query ($v: CitizenId!) { resident(citizenId: $v) { fullName } }', { v: null }],
    ];
    for (const [query, variables] of probes) {
      const answer = await post({ query, variables });
      expect({ variables, status: answer.status, codes: codes(answer) }).toEqual({ variables, status: 400, codes: ['BAD_USER_INPUT'] });
      expect(answer.body?.errors?.[0]?.extensions?.argument).toMatch(/^\$[a-z]$/);
    }
    expect(subgraphRequests).toBe(before);
  });

  test('well-formed values pass the door (and reach the subgraph), written forms of a tax code included', async () => {
    const before = subgraphRequests;
    const unknown = await post({ query: '{ resident(citizenId: "001085000123") { fullName } }' });
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    expect(subgraphRequests).toBeGreaterThan(before);
    const listed = await post({ query: '{ enterprises(filter: { provinceCode: "01" }, first: 1) { edges { node { taxCode } } } }' });
    const taxCode = (listed.body?.data as { enterprises: { edges: { node: { taxCode: string } }[] } }).enterprises.edges[0]!.node.taxCode;
    for (const written of [taxCode, ` ${taxCode} `, `${taxCode}\u00a0`]) {
      const answer = await post({ query: 'query ($t: TaxCode!) { enterprise(taxCode: $t) { taxCode } }', variables: { t: written } });
      expect({ written, data: answer.body?.data }).toEqual({ written, data: { enterprise: { taxCode } } });
    }
    // A branch in its written forms reaches the subgraph as its 13 digits (none is registered: NOT_FOUND, not BAD_USER_INPUT).
    for (const written of [`${taxCode}-001`, `${taxCode} - 001`, `${taxCode} 001`, `${taxCode}–001`, `${taxCode}001`]) {
      const answer = await post({ query: `{ enterprise(taxCode: ${JSON.stringify(written)}) { taxCode } }` });
      expect({ written, codes: codes(answer) }).toEqual({ written, codes: ['NOT_FOUND'] });
      expect(answer.body?.errors?.[0]?.message).toContain(`${taxCode}001`);
    }
  });

  test('a commune asked for with a province it does not belong to: COMMUNE_NOT_IN_PROVINCE', async () => {
    for (const query of [
      '{ enterprises(filter: { provinceCode: "79", communeCode: "00004" }) { totalCount } }',
      '{ landParcels(filter: { provinceCode: "79", communeCode: "00004" }) { totalCount } }',
    ]) {
      const answer = await post({ query });
      expect(codes(answer)).toEqual(['COMMUNE_NOT_IN_PROVINCE']);
      expect(answer.body?.errors?.[0]?.message).toMatch(/commune 00004 is in province 01, not 79/);
    }
    for (const query of [
      '{ enterprises(filter: { provinceCode: "01", communeCode: "00004" }) { totalCount } }',
      '{ landParcels(filter: { provinceCode: "01", communeCode: "00004" }) { totalCount } }',
    ]) {
      const answer = await post({ query });
      expect({ query, errors: answer.body?.errors }).toEqual({ query, errors: undefined });
    }
  });
});

describe('bounds before parsing: 4xx with a stable code, never 5xx', () => {
  const raw = (body: string | Uint8Array, contentType: string | null = 'application/json') =>
    send(url, {
      method: 'POST',
      headers: contentType === null ? {} : { 'content-type': contentType },
      body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
    });
  const nested = (open: string, close: string, depth: number, inner = '0') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

  test('deep JSON anywhere in the body: JSON_TOO_DEEP (no stack overflow)', async () => {
    const deep = [
      `{"query":"{ __typename }","variables":{"a":${nested('[', ']', 10_000)}}}`,
      `{"query":"{ __typename }","variables":{"a":${nested('{"a":', '}', 5_000)}}}`,
      `{"query":"{ __typename }","variables":{"a":${nested('[', ']', REQUEST_BOUNDS.variables.maxDepth)}}}`,
      `{"query":"{ __typename }","extensions":{"a":${nested('[', ']', REQUEST_BOUNDS.extensions.maxDepth)}}}`,
      `{"query":"{ __typename }","x":${nested('[', ']', 40_000)}}`,
      nested('[', ']', 45_000),
      `{"query":"{ __typename }","variables":{"a":${nested('[{"b":', '}]', 2_000)}}}`,
    ];
    for (const body of deep) {
      const answer = await raw(body);
      expect({ size: body.length, status: answer.status, codes: codes(answer) }).toEqual({
        size: body.length,
        status: 400,
        codes: ['JSON_TOO_DEEP'],
      });
    }
    // Brackets inside strings do not count; the limit itself is allowed.
    const ok = [
      { query: '{ __typename }', variables: { a: '['.repeat(5_000) } },
      { query: '{ __typename }', variables: { a: JSON.parse(nested('[', ']', REQUEST_BOUNDS.variables.maxDepth - 1)) as unknown } },
    ];
    for (const body of ok) expect((await post(body)).status).toBe(200);
    const get = await send(
      `${url}?query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(nested('[', ']', 2_000))}`,
      {
        headers: { 'apollo-require-preflight': '1' },
      },
    );
    expect({ status: get.status, codes: codes(get) }).toEqual({ status: 400, codes: ['JSON_TOO_DEEP'] });
  });

  test('in-process callers with deep variables get JSON_TOO_DEEP, not a stack overflow', async () => {
    let value: unknown = 'x';
    for (let i = 0; i < 50_000; i++) value = [value];
    const result = await hub.run('query ($a: String) { provinces(search: $a) { code } }', { a: value as never });
    expect(result.errors?.[0]?.extensions?.code).toMatch(/^(JSON_TOO_DEEP|BAD_USER_INPUT)$/);
  });

  test('too many values in variables or extensions: JSON_TOO_LARGE', async () => {
    const bodies = [
      { query: '{ __typename }', variables: { a: new Array(REQUEST_BOUNDS.variables.maxValues).fill(0) } },
      {
        query: '{ __typename }',
        variables: Object.fromEntries(Array.from({ length: REQUEST_BOUNDS.variables.maxValues }, (_, i) => [String(i), 1])),
      },
      { query: '{ __typename }', extensions: { a: new Array(REQUEST_BOUNDS.extensions.maxValues).fill(0) } },
      {
        query: '{ __typename }',
        extensions: Object.fromEntries(Array.from({ length: REQUEST_BOUNDS.extensions.maxValues }, (_, i) => [`k${i}`, i])),
      },
    ];
    for (const body of bodies) {
      const answer = await post(body);
      expect({ status: answer.status, codes: codes(answer) }).toEqual({ status: 400, codes: ['JSON_TOO_LARGE'] });
    }
  });

  test('variables and extensions that are not maps: 400', async () => {
    for (const body of [
      { query: '{ __typename }', variables: 'x' },
      { query: '{ __typename }', variables: [1] },
      { query: '{ __typename }', variables: 1 },
      { query: '{ __typename }', extensions: 'x' },
      { query: '{ __typename }', extensions: [] },
      { query: '{ __typename }', extensions: true },
    ]) {
      const answer = await post(body);
      expect({ body, status: answer.status, codes: codes(answer) }).toEqual({ body, status: 400, codes: ['BAD_REQUEST'] });
    }
  });

  test('invalid UTF-8: INVALID_UTF8', async () => {
    const prefix = Buffer.from('{"query":"{ provinces(search: \\"');
    const suffix = Buffer.from('\\") { code } }"}');
    const sequences = [
      [0xff],
      [0xfe],
      [0xc3, 0x28], // bad continuation
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], // truncated
      [0x80], // lone continuation
      [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
      [0x48, 0xe0, 0x20, 0x4e], // "Hà Nội" in windows-1258-ish bytes
    ];
    for (const bytes of sequences) {
      const answer = await raw(Buffer.concat([prefix, Buffer.from(bytes), suffix]));
      expect({ bytes, status: answer.status, codes: codes(answer) }).toEqual({ bytes, status: 400, codes: ['INVALID_UTF8'] });
    }
    const fine = await raw(Buffer.from('{"query":"{ provinces(search: \\"Hà Nội\\") { code } }"}'));
    expect(fine.body?.data).toEqual({ provinces: [{ code: '01' }] });
  });

  test('charsets other than UTF-8: 415 UNSUPPORTED_CHARSET; UTF-8 in any spelling accepted', async () => {
    const body = '{"query":"{ __typename }"}';
    for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', 'utf-16le', 'windows-1258', 'us-ascii', 'utf-7', 'x', '"utf-32"']) {
      const answer = await raw(body, `application/json; charset=${charset}`);
      expect({ charset, status: answer.status, codes: codes(answer) }).toEqual({ charset, status: 415, codes: ['UNSUPPORTED_CHARSET'] });
    }
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'Utf8']) {
      expect((await raw(body, `application/json; charset=${charset}`)).status).toBe(200);
    }
  });

  test('content types other than application/json: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const body = '{"query":"{ __typename }"}';
    for (const type of [
      null,
      '',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/graphql',
      'application/xml',
      'application/jsonp',
      'application/json-patch+json',
      'json',
      '*/*',
    ]) {
      const answer = await raw(body, type);
      expect({ type, status: answer.status, codes: codes(answer) }).toEqual({ type, status: 415, codes: ['UNSUPPORTED_MEDIA_TYPE'] });
    }
    expect((await raw(body, 'Application/JSON')).status).toBe(200);
  });

  test('bodies that are not JSON: 400 BAD_REQUEST; none of these bodies is ever answered 5xx', async () => {
    for (const body of ['{', 'nul', '"x', '{"query": "{ __typename }",}', "{'query': 1}", '\u0000', '{"query":"{ __typename }"}x']) {
      const answer = await raw(body);
      expect({ body, status: answer.status, codes: codes(answer) }).toEqual({ body, status: 400, codes: ['BAD_REQUEST'] });
    }
    for (const body of ['[]', '1', 'null', '"x"', '{}', '[{"query":"{ __typename }"}]', '{"query":null}', '{"query":{"$ne":1}}']) {
      const answer = await raw(body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
    }
  });
});

describe('red team: cases beyond the issue', () => {
  test('lone surrogates (valid JSON escapes, not text) are refused before any subgraph', async () => {
    const before = subgraphRequests;
    for (const text of ['\\ud800', 'Ha\\udc00 Noi', '\\udfff\\ud800']) {
      const body = `{"query":"query ($s: String) { provinces(search: $s) { code } }","variables":{"s":"${text}"}}`;
      const answer = await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect({ text, status: answer.status, codes: codes(answer) }).toEqual({ text, status: 400, codes: ['BAD_USER_INPUT'] });
    }
    // A well-formed pair (an emoji) is text.
    expect((await post({ query: 'query ($s: String) { provinces(search: $s) { code } }', variables: { s: 'Hà Nội 🏙' } })).status).toBe(200);
    expect(subgraphRequests).toBe(before + 1);
  });

  test('a subscription sent to /graphql (any transport of it) is 400 naming the stream endpoint, never a 500', async () => {
    const before = subgraphRequests;
    for (const query of [
      'subscription { evaluationChanged(provinceCode: "01") { unitCode } }',
      'subscription S { communeDossierChanged(communeCode: "00004") { number } }',
      'query Q { provinces { code } } subscription S { evaluationChanged(provinceCode: "01") { unitCode } }',
    ]) {
      const answer = await post({ query, ...(query.includes('subscription S') ? { operationName: 'S' } : {}) });
      expect({ query, status: answer.status, codes: codes(answer) }).toEqual({
        query,
        status: 400,
        codes: ['SUBSCRIPTION_ENDPOINT_REQUIRED'],
      });
      expect(answer.body?.errors?.[0]?.message).toContain('/graphql/stream');
    }
    expect(subgraphRequests).toBe(before);
  });

  test('a compressed body is 415, not a misleading bad-UTF-8 or bad-JSON error', async () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'x-custom']) {
      const answer = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"query":"{ __typename }"}',
      });
      expect({ encoding, status: answer.status, codes: codes(answer) }).toEqual({
        encoding,
        status: 415,
        codes: ['UNSUPPORTED_MEDIA_TYPE'],
      });
    }
  });

  test('__proto__ and constructor keys, huge numbers and long strings: 400, message bounded', async () => {
    const probes = [
      '{"query":"query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }","variables":{"f":{"__proto__":{"provinceCode":"01"}}}}',
      '{"query":"query ($f: CommuneFilter) { communes(filter: $f) { totalCount } }","variables":{"f":{"constructor":{"prototype":1}}}}',
      '{"query":"query ($n: Int) { communes(first: $n) { totalCount } }","variables":{"n":1e400}}',
      `{"query":"query ($v: CitizenId!) { resident(citizenId: $v) { fullName } }","variables":{"v":"${'1'.repeat(90_000)}"}}`,
    ];
    for (const body of probes) {
      const answer = await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect({ status: answer.status, codes: codes(answer) }).toEqual({ status: 400, codes: ['BAD_USER_INPUT'] });
      expect(answer.body?.errors?.[0]?.message.length).toBeLessThanOrEqual(500);
    }
  });

  test('other methods: 405 with Allow, no server name; an unsupported persisted-query version is a client error', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const response = await fetch(url, { method, headers: { 'content-type': 'application/json' } });
      expect({ method, status: response.status, allow: response.headers.get('allow') }).toEqual({
        method,
        status: 405,
        allow: 'GET, POST',
      });
      const text = await response.text();
      expect(text).not.toMatch(/apollo/i);
    }
    for (const version of [2, '1', { $ne: 1 }, null]) {
      const answer = await post({ query: '{ __typename }', extensions: { persistedQuery: { version, sha256Hash: 'x' } } });
      expect(answer.status).toBe(400);
      expect(codes(answer)[0]).not.toBe('INTERNAL_SERVER_ERROR');
    }
  });

  test('introspection off: aliases, fragments and nested selections cannot widen __type', async () => {
    const server = createGatewayServer({
      supergraphSdl: readCommittedSupergraph(),
      transport: { kind: 'embedded', subgraphs, db: hub.db, auditLog: createAuditLog(hub.db) },
      log: quiet,
      introspection: false,
    });
    await server.start();
    try {
      const run = async (query: string) => {
        const response = await server.executeOperation(
          { query },
          { contextValue: { identity: AS.central, meta: { requestId: 'door-intro-1', purpose: null }, personal: newPersonalReads() } },
        );
        return response.body.kind === 'single' ? response.body.singleResult : null;
      };
      for (const query of [
        '{ s: __schema { queryType { name } } }',
        '{ __type(name: "Resident") { name fields { name } } }',
        '{ __type(name: "Resident") { ... on __Type { fields { name } } } }',
        '{ __type(name: "Resident") { ...F } } fragment F on __Type { fields { name } }',
        '{ t: __type(name: "Resident") { kind } }',
        '{ provinces { code } ...Q } fragment Q on Query { __schema { types { name } } }',
      ]) {
        const result = await run(query);
        expect({ query, code: result?.errors?.[0]?.extensions?.code, data: result?.data }).toEqual({
          query,
          code: 'GRAPHQL_VALIDATION_FAILED',
          data: undefined,
        });
      }
      expect((await run('{ __type(name: "Resident") { name __typename } __typename }'))?.data).toEqual({
        __type: { name: 'Resident', __typename: '__Type' },
        __typename: 'Query',
      });
    } finally {
      await server.stop();
    }
  });
});

describe('GraphQL over HTTP: status codes by media type', () => {
  const bad = [
    { query: '{ resident(citizenId: "12345") { fullName } }' },
    { query: '{ provinces { nam } }' },
    { query: '{ provinces' },
    { query: 'query ($v: CitizenId!) { resident(citizenId: $v) { fullName } }', variables: { v: 1 } },
  ];
  test('application/graphql-response+json, */* or no Accept: 400; application/json alone: 200 with the errors', async () => {
    for (const body of bad) {
      for (const accept of ['application/graphql-response+json', '*/*', 'application/graphql-response+json, application/json;q=0.9']) {
        const answer = await post(body, { accept });
        expect({ accept, status: answer.status }).toEqual({ accept, status: 400 });
        expect(answer.body?.errors?.length).toBeGreaterThan(0);
      }
      const legacy = await post(body, { accept: 'application/json' });
      expect({ legacy: legacy.status, type: legacy.headers.get('content-type') }).toEqual({
        legacy: 200,
        type: 'application/json; charset=utf-8',
      });
      expect(legacy.body?.errors?.length).toBeGreaterThan(0);
      expect(legacy.body?.data).toBeUndefined();
    }
    // Refusals of the HTTP request itself keep their status for every client.
    const noQuery = await post({}, { accept: 'application/json' });
    expect(noQuery.status).toBe(400);
    const wrongType = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('Cache-Control and Vary', () => {
  afterEach(() => {
    caller = { identity: AS.central, purpose: TEST_PURPOSE };
  });

  test('every GraphQL response varies on Accept, Authorization and X-Purpose', async () => {
    for (const body of [{ query: '{ provinces { code } }' }, { query: '{ provinces' }, { query: '{ __typename }' }]) {
      const answer = await post(body);
      expect(answer.headers.get('vary')).toBe('Accept, Authorization, X-Purpose');
    }
  });

  test('personal data: no-store; public data: its public max-age; errors: no-store', async () => {
    const listed = await post({ query: '{ commune(code: "00004") { residents(first: 1) { edges { node { citizenId fullName } } } } }' });
    expect(listed.body?.errors).toBeUndefined();
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const publicData = await post({ query: '{ provinces { code name } }' });
    expect(publicData.headers.get('cache-control')).toMatch(/^max-age=\d+, public$/);
    const refused = await post({ query: '{ provinces' });
    expect(refused.headers.get('cache-control')).toBe('no-store');
    // A personal read refused for want of a purpose is no more cacheable than one that was served.
    caller = { identity: AS.central, purpose: null };
    const noPurpose = await post({ query: '{ commune(code: "00004") { residents(first: 1) { edges { node { fullName } } } } }' });
    expect(noPurpose.headers.get('cache-control')).toBe('no-store');
  });
});
