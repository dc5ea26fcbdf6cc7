import { importJWK, SignJWT, type JWK } from 'jose';
import type { Config } from '../config';
import type { Role } from './identity';

/** Claims of a development token; what a real identity provider would put in its tokens. */
export interface TokenClaims {
  role: Role;
  sub: string;
  org?: string;
  commune?: string;
  province?: string;
}

/**
 * Signs a token with a demonstration issuer key: the generated development key, or one written by
 * the CLI's `keys` command. Real deployments get tokens from their identity provider.
 */
export async function mintDevToken(issuerPrivateJwk: JWK, config: Config, claims: TokenClaims, lifetime = '8h'): Promise<string> {
  const key = await importJWK(issuerPrivateJwk, 'ES256');
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'ES256', kid: issuerPrivateJwk.kid ?? 'dev-issuer-1' })
    .setSubject(sub)
    .setIssuer(config.AUTH_ISSUER)
    .setAudience(config.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(key);
}
