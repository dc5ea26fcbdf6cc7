import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../shared/config';
import { ANONYMOUS, identityFromClaims, type Identity } from '../shared/auth/identity';
import { importInternalKeys, type InternalKeys } from '../shared/auth/internalToken';
import { loadOrCreateDevKeys, readJson, type DevKeys } from '../shared/auth/keys';

/**
 * Verifies users' bearer tokens (JWT) at the gateway: signature against the identity provider's
 * JWKS, algorithm from an allow-list (never `none`, never HMAC), issuer, audience, expiry. A request
 * without a token is the public (anonymous) caller; a request with a bad token is refused (401),
 * never downgraded to anonymous.
 */
export type Authenticate = (authorization: string | undefined) => Promise<Identity>;

export interface AuthOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  algorithms: string[];
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } },
  });
}

/** How long a verified token's identity is reused without checking its signature again (never past its expiry). */
const VERIFIED_TTL_MS = 60_000;

export function createAuthenticator(options: AuthOptions): Authenticate {
  // A signature check costs ~0.1 ms of CPU; clients send the same token for hours. A token is
  // immutable, so its verified identity is remembered briefly (bounded, and never past `exp`).
  const verified = new LRUCache<string, { identity: Identity; until: number }>({ max: 10_000 });
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return ANONYMOUS;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
    if (!match?.[1]) throw unauthenticated('Authorization must be "Bearer <JWT>"');
    const token = match[1];
    const known = verified.get(token);
    if (known && known.until > Date.now()) return known.identity;
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      });
      const identity = identityFromClaims(payload);
      verified.set(token, { identity, until: Math.min(Date.now() + VERIFIED_TTL_MS, (payload.exp ?? 0) * 1000) });
      return identity;
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      throw unauthenticated('Invalid or expired token');
    }
  };
}

/** The key material of a gateway: configured in production, generated once in development. */
export interface GatewayKeys {
  authenticate: Authenticate;
  internal: InternalKeys;
  /** Present when running on generated development keys (the CLI's `token` command signs with them). */
  dev: DevKeys | null;
}

export async function loadGatewayKeys(config: Config): Promise<GatewayKeys> {
  const production = config.NODE_ENV === 'production';
  const configured = config.AUTH_JWKS_FILE || config.AUTH_JWKS_URL;
  if (production && (!configured || !config.INTERNAL_PRIVATE_KEY_FILE || !config.INTERNAL_PUBLIC_KEY_FILE)) {
    throw new Error('In production set AUTH_JWKS_FILE or AUTH_JWKS_URL, INTERNAL_PRIVATE_KEY_FILE and INTERNAL_PUBLIC_KEY_FILE');
  }
  const dev = configured && config.INTERNAL_PRIVATE_KEY_FILE ? null : await loadOrCreateDevKeys(config.DEV_KEYS_DIR);
  const keys: JWTVerifyGetKey = config.AUTH_JWKS_URL
    ? createRemoteJWKSet(new URL(config.AUTH_JWKS_URL))
    : createLocalJWKSet(config.AUTH_JWKS_FILE ? readJson<JSONWebKeySet>(config.AUTH_JWKS_FILE) : dev!.issuerJwks);
  const internal = config.INTERNAL_PRIVATE_KEY_FILE
    ? await importInternalKeys(readJson(config.INTERNAL_PRIVATE_KEY_FILE), readJson(config.INTERNAL_PUBLIC_KEY_FILE!))
    : await importInternalKeys(dev!.internalPrivateJwk, dev!.internalPublicJwk);
  return {
    authenticate: createAuthenticator({
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys,
      algorithms: config.AUTH_ALGORITHMS,
    }),
    internal,
    dev,
  };
}
