import { importJWK, SignJWT, type JWK } from 'jose';

/** Signs a user token as an identity provider would; options let tests forge bad ones. */
export async function signToken(
  privateJwk: JWK,
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string; expiresIn?: string | number; sub?: string } = {},
): Promise<string> {
  const key = await importJWK(privateJwk, 'ES256');
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setIssuer(options.issuer ?? 'lien-thong-dev')
    .setAudience(options.audience ?? 'lien-thong')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.sub) jwt.setSubject(options.sub);
  return jwt.sign(key);
}

/** An unsigned token (`alg: none`) with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: 'lien-thong-dev', aud: 'lien-thong', exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

/** The same token with one character of its payload changed. */
export function tampered(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const json = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  json.commune = '00008';
  return `${header}.${Buffer.from(JSON.stringify(json)).toString('base64url')}.${signature}`;
}
