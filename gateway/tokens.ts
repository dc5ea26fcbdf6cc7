import { importJWK, SignJWT, type JWK } from 'jose';
import type { Config } from '../shared/config';
import type { Role } from '../shared/auth/identity';
import type { DevKeys } from '../shared/auth/keys';

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

/** One ready-to-use token per persona, for the demo banner of `npm start`. */
export async function demoTokens(dev: DevKeys, config: Config, citizenId: string | null): Promise<Record<string, string>> {
  const personas: [string, TokenClaims][] = [
    [
      'commune officer, Phường Ba Đình (00004)',
      { role: 'COMMUNE_OFFICER', sub: 'officer-badinh-1', org: 'UBND phường Ba Đình', commune: '00004' },
    ],
    [
      'provincial officer, Hà Nội (01)',
      { role: 'PROVINCE_OFFICER', sub: 'land-office-hanoi-1', org: 'Văn phòng đăng ký đất đai Hà Nội', province: '01' },
    ],
    ['central / ministry', { role: 'CENTRAL', sub: 'ministry-1', org: 'Bộ Công an' }],
    ...(citizenId ? ([[`citizen ${citizenId}`, { role: 'CITIZEN', sub: citizenId }]] as [string, TokenClaims][]) : []),
    ['public / developer', { role: 'PUBLIC', sub: 'developer-1' }],
  ];
  const tokens: Record<string, string> = {};
  for (const [label, claims] of personas) tokens[label] = await mintDevToken(dev.issuerPrivateJwk, config, claims);
  return tokens;
}
