import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { decodeJwt, importJWK, jwtVerify, SignJWT, type JWK, type KeyLike } from 'jose';
import { ANONYMOUS, ROLES, serviceIdentity, type Identity, type RequestMeta, type Role } from './identity';

/**
 * The gateway's signed statement of who is asking, sent to a subgraph with each fetch in the
 * `x-lien-thong-identity` header. Subgraphs accept no other source of identity: a client cannot set
 * it (it does not hold the gateway's private key), and a request without it is refused — including
 * `_entities` and `_service` sent straight to a subgraph. Each token names the subgraph it is for,
 * lives 60 seconds and is bound to the exact query and variables it accompanies.
 */
export const IDENTITY_HEADER = 'x-lien-thong-identity';
const ISSUER = 'lien-thong-gateway';
const ALGORITHM = 'ES256';
const LIFETIME_SECONDS = 60;

export interface InternalKeys {
  /** Gateway only. */
  privateKey?: KeyLike | Uint8Array;
  /** Every subgraph. */
  publicKey: KeyLike | Uint8Array;
  /**
   * Subgraphs only: the service key pair with which subgraphs ask each other whether records exist
   * (references.ts). A token signed with it can only ever state the SERVICE role.
   */
  servicePrivateKey?: KeyLike | Uint8Array;
  servicePublicKey?: KeyLike | Uint8Array;
}

/** Issuer of the tokens subgraphs sign for each other's existence checks. */
const SERVICE_ISSUER = 'lien-thong-service';

export async function importInternalKeys(
  privateJwk: JWK | undefined,
  publicJwk: JWK,
  service?: { privateJwk: JWK; publicJwk: JWK },
): Promise<InternalKeys> {
  return {
    ...(privateJwk ? { privateKey: await importJWK(privateJwk, ALGORITHM) } : {}),
    publicKey: await importJWK(publicJwk, ALGORITHM),
    ...(service
      ? {
          servicePrivateKey: await importJWK(service.privateJwk, ALGORITHM),
          servicePublicKey: await importJWK(service.publicJwk, ALGORITHM),
        }
      : {}),
  };
}

/**
 * A subgraph's signed question to another (`audience`): the SERVICE identity of `caller`, bound to
 * the exact query and variables, 60 seconds.
 */
export async function signServiceIdentity(keys: InternalKeys, caller: string, audience: string, hash: string): Promise<string> {
  if (!keys.servicePrivateKey) throw new Error('This subgraph has no service key to sign existence checks with');
  return new SignJWT({ bh: hash })
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuer(SERVICE_ISSUER)
    .setSubject(caller)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(keys.servicePrivateKey);
}

/** Binds a token to one request body: sha256 of the query and its variables as sent. */
export function bodyHash(query: string, variables: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([query, variables ?? {}]))
    .digest('base64url');
}

export async function signIdentity(
  keys: InternalKeys,
  audience: string,
  identity: Identity,
  meta: RequestMeta,
  hash: string,
): Promise<string> {
  if (!keys.privateKey) throw new Error('The gateway needs the internal private key to sign identities');
  return new SignJWT({ id: identity, meta, bh: hash })
    .setProtectedHeader({ alg: ALGORITHM })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(keys.privateKey);
}

function unauthenticated(reason: string): GraphQLError {
  return new GraphQLError(`Requests to this subgraph must come through the gateway (${reason})`, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The claims of `token` once its signature, issuer, audience, age and binding to `hash` are checked. */
async function verifiedPayload(key: KeyLike | Uint8Array, issuer: string, audience: string, token: string, hash: string) {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, { issuer, audience, algorithms: [ALGORITHM], maxTokenAge: LIFETIME_SECONDS }));
  } catch {
    throw unauthenticated('invalid identity');
  }
  if (payload.bh !== hash) throw unauthenticated('identity issued for another request');
  return payload;
}

/** Checks a token's signature, audience, age and binding to `hash`; returns what it states. */
export async function verifyIdentity(
  keys: InternalKeys,
  audience: string,
  token: string | undefined,
  hash: string,
): Promise<{ identity: Identity; meta: RequestMeta }> {
  if (!token) throw unauthenticated('no identity');
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    throw unauthenticated('invalid identity');
  }
  // Another subgraph's existence check: it can only ever be the SERVICE identity.
  if (issuer === SERVICE_ISSUER) {
    if (!keys.servicePublicKey) throw unauthenticated('no service key configured');
    const caller = str((await verifiedPayload(keys.servicePublicKey, SERVICE_ISSUER, audience, token, hash)).sub);
    if (!caller) throw unauthenticated('invalid identity');
    return { identity: serviceIdentity(caller), meta: { requestId: `service:${caller}`, purpose: null } };
  }
  const payload = await verifiedPayload(keys.publicKey, ISSUER, audience, token, hash);
  const id = (payload.id ?? {}) as Record<string, unknown>;
  const meta = (payload.meta ?? {}) as Record<string, unknown>;
  const role = str(id.role);
  if (!role || !(ROLES as readonly string[]).includes(role)) throw unauthenticated('invalid identity');
  return {
    identity: {
      ...ANONYMOUS,
      subject: str(id.subject) ?? 'anonymous',
      role: role as Role,
      organisation: str(id.organisation),
      communeCode: str(id.communeCode),
      provinceCode: str(id.provinceCode),
      citizenId: str(id.citizenId),
    },
    meta: { requestId: str(meta.requestId) ?? 'unknown', purpose: str(meta.purpose) },
  };
}
