import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientError, gql, GraphQLClient, request } from 'graphql-request';
import { OPERATIONS } from '../hub/operations';
import { embeddedDefaultEnv, printedTokens, startService, type Service } from './helpers/processes';

/** The typed error code a client finds on the first GraphQL error of a failed request. */
function codeOf(error: unknown): unknown {
  if (!(error instanceof ClientError)) throw error;
  return error.response.errors?.[0]?.extensions?.code;
}

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('the request was expected to fail');
}

/**
 * A mainstream GraphQL client (graphql-request 6, the last release that loads from CommonJS)
 * against `npm start` on the embedded default, as an application would use the hub: plain HTTP,
 * variables, a bearer token and the X-Purpose header, typed error codes.
 */
describe('client compatibility: graphql-request against a running gateway', () => {
  let gateway: Service;
  let dir: string;
  let central: string;
  let citizenId: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lien-thong-client-'));
    gateway = await startService('gateway/index.ts', { ...embeddedDefaultEnv(dir, 200), REDIS_URL: '' }, 180_000);
    // The demo tokens `npm start` prints, as a developer would copy them.
    ({ central, citizenId } = await printedTokens(gateway));
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a public query without a token', async () => {
    const data = await request<{ provinces: { code: string; name: string }[] }>(gateway.url, OPERATIONS.Units);
    expect(data.provinces).toHaveLength(34);
    expect(data.provinces.find((p) => p.code === '01')?.name).toBe('Hà Nội');
  });

  test('variables', async () => {
    const query = gql`
      query Commune($code: ID!) {
        commune(code: $code) {
          fullName
          province {
            name
          }
        }
      }
    `;
    const data = await request<{ commune: { fullName: string; province: { name: string } } }>(gateway.url, query, { code: '00004' });
    expect(data.commune).toEqual({ fullName: 'Phường Ba Đình', province: { name: 'Hà Nội' } });
  });

  test('a personal query with a bearer token and X-Purpose', async () => {
    const client = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${central}`, 'x-purpose': 'HS-2026-0042' } });
    const query = gql`
      query Resident($id: CitizenId!) {
        resident(citizenId: $id) {
          citizenId
          fullName
          household {
            id
          }
        }
      }
    `;
    const data = await client.request<{ resident: { citizenId: string; fullName: string } }>(query, { id: citizenId });
    expect(data.resident.citizenId).toBe(citizenId);
    expect(data.resident.fullName).toEqual(expect.any(String));
    // The same request from a client that forgot the purpose is refused with a typed code.
    const forgetful = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${central}` } });
    expect(codeOf(await failure(forgetful.request(query, { id: citizenId })))).toBe('PURPOSE_REQUIRED');
  });

  test('errors reach the client with their typed extensions.code and HTTP status', async () => {
    const notFound = await failure(request(gateway.url, `query { commune(code: "99999") { name } }`));
    expect(codeOf(notFound)).toBe('NOT_FOUND');
    expect(notFound.response.errors?.[0]?.extensions?.requestId).toEqual(expect.any(String));

    const anonymous = await failure(
      request(gateway.url, `query ($id: CitizenId!) { resident(citizenId: $id) { fullName } }`, { id: citizenId }),
    );
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.response.status).toBe(401);

    const badToken = await failure(
      request({ url: gateway.url, document: OPERATIONS.Units, requestHeaders: { authorization: 'Bearer not-a-token' } }),
    );
    expect(badToken.response.status).toBe(401);
    expect(codeOf(badToken)).toBe('UNAUTHENTICATED');

    // A variable that is no tax code (its check digit is wrong) is refused naming the value.
    const badVariable = await failure(
      request(gateway.url, `query ($t: TaxCode!) { enterprise(taxCode: $t) { name } }`, { t: '0100109105' }),
    );
    expect(codeOf(badVariable)).toBe('BAD_USER_INPUT');
    expect(badVariable.response.errors?.[0]?.message).toContain('0100109105');
  });

  test("with errorPolicy 'all' the client keeps the partial data next to the errors", async () => {
    const client = new GraphQLClient(gateway.url, { errorPolicy: 'all' });
    const result = await client.rawRequest<{ known: { name: string } | null; unknown: { name: string } | null }>(
      `query { known: commune(code: "00004") { name } unknown: commune(code: "99999") { name } }`,
    );
    expect(result.data).toEqual({ known: { name: 'Ba Đình' }, unknown: null });
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['unknown'], 'NOT_FOUND']]);
  });
});
