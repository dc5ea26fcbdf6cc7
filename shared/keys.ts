import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import type { Config } from './config';
import { importInternalKeys, type InternalKeys } from './internalToken';

/**
 * Key material of the hub. Production configures it (a JWKS of the identity provider that issues
 * users' tokens, and the gateway's internal key pair); development generates it once into a local
 * folder so `npm start` and the CLI's `token` command work with nothing configured.
 */
export interface DevKeys {
  /** Signs development user tokens (the CLI's `token` command); its public half is the dev JWKS. */
  issuerPrivateJwk: JWK;
  issuerJwks: JSONWebKeySet;
  /** The gateway's internal signing pair (see internalToken.ts). */
  internalPrivateJwk: JWK;
  internalPublicJwk: JWK;
}

async function pair(kid: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const common = { kid, alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...common }, publicJwk: { ...(await exportJWK(publicKey)), ...common } };
}

/** Loads the development keys from `dir`, generating them on first use (never in production). */
export async function loadOrCreateDevKeys(dir: string): Promise<DevKeys> {
  const file = join(dir, 'dev-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevKeys;
  const issuer = await pair('dev-issuer-1');
  const internal = await pair('gateway-internal-1');
  const keys: DevKeys = {
    issuerPrivateJwk: issuer.privateJwk,
    issuerJwks: { keys: [issuer.publicJwk] },
    internalPrivateJwk: internal.privateJwk,
    internalPublicJwk: internal.publicJwk,
  };
  mkdirSync(dir, { recursive: true });
  // Processes starting together may all get here: the first link wins, the others read its keys.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(keys, null, 2), { mode: 0o600 });
  try {
    linkSync(temporary, file);
    return keys;
  } catch {
    return JSON.parse(readFileSync(file, 'utf8')) as DevKeys;
  } finally {
    unlinkSync(temporary);
  }
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The public half of the gateway's internal key pair, for a subgraph process. */
export async function loadSubgraphKeys(config: Config): Promise<InternalKeys> {
  if (config.INTERNAL_PUBLIC_KEY_FILE) return importInternalKeys(undefined, readJson(config.INTERNAL_PUBLIC_KEY_FILE));
  if (config.NODE_ENV === 'production') throw new Error('In production set INTERNAL_PUBLIC_KEY_FILE');
  const dev = await loadOrCreateDevKeys(config.DEV_KEYS_DIR);
  return importInternalKeys(undefined, dev.internalPublicJwk);
}

/** File names written by {@link writeKeyFiles} (and the CLI's `keys` command). */
export const KEY_FILES = {
  issuerPrivate: 'issuer-private.jwk.json',
  issuerJwks: 'issuer-jwks.json',
  internalPrivate: 'internal-private.jwk.json',
  internalPublic: 'internal-public.jwk.json',
} as const;

/**
 * Writes a fresh set of key files into `dir`: the gateway's internal pair (give the private file to
 * gateways only, the public one to subgraphs) and a demonstration token issuer (its JWKS stands in
 * for a real identity provider's). Existing files are never overwritten.
 */
export async function writeKeyFiles(dir: string): Promise<Record<keyof typeof KEY_FILES, string>> {
  const issuer = await pair(`issuer-${Date.now().toString(36)}`);
  const internal = await pair(`internal-${Date.now().toString(36)}`);
  const contents: Record<keyof typeof KEY_FILES, unknown> = {
    issuerPrivate: issuer.privateJwk,
    issuerJwks: { keys: [issuer.publicJwk] },
    internalPrivate: internal.privateJwk,
    internalPublic: internal.publicJwk,
  };
  mkdirSync(dir, { recursive: true });
  const paths = {} as Record<keyof typeof KEY_FILES, string>;
  for (const key of Object.keys(KEY_FILES) as (keyof typeof KEY_FILES)[]) {
    paths[key] = join(dir, KEY_FILES[key]);
    writeFileSync(paths[key], JSON.stringify(contents[key], null, 2), { mode: key.endsWith('Private') ? 0o600 : 0o644, flag: 'wx' });
  }
  return paths;
}
