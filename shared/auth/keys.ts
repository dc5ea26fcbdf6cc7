import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import type { Config } from '../config';
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

/** Reads `file`, or creates it with `make()` first; processes starting together agree on one content. */
async function createOnce<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  const content = await make();
  mkdirSync(dirname(file), { recursive: true });
  // Processes starting together may all get here: the first link wins, the others read its keys.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(content, null, 2), { mode: 0o600 });
  try {
    linkSync(temporary, file);
    return content;
  } catch {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } finally {
    unlinkSync(temporary);
  }
}

/** Loads the development keys from `dir`, generating them on first use (never in production). */
export async function loadOrCreateDevKeys(dir: string): Promise<DevKeys> {
  return createOnce(join(dir, 'dev-keys.json'), async () => {
    const issuer = await pair('dev-issuer-1');
    const internal = await pair('gateway-internal-1');
    return {
      issuerPrivateJwk: issuer.privateJwk,
      issuerJwks: { keys: [issuer.publicJwk] },
      internalPrivateJwk: internal.privateJwk,
      internalPublicJwk: internal.publicJwk,
    };
  });
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/**
 * The keys of a subgraph process: the public half of the gateway's internal pair (to verify the
 * identity of each request) and the service pair (to sign its own existence checks to other
 * subgraphs, and verify theirs).
 */
export async function loadSubgraphKeys(config: Config): Promise<InternalKeys> {
  const production = config.NODE_ENV === 'production';
  const {
    INTERNAL_PUBLIC_KEY_FILE: publicFile,
    INTERNAL_SERVICE_PRIVATE_KEY_FILE: servicePrivate,
    INTERNAL_SERVICE_PUBLIC_KEY_FILE: servicePublic,
  } = config;
  if (production && !(publicFile && servicePrivate && servicePublic)) {
    throw new Error('In production set INTERNAL_PUBLIC_KEY_FILE, INTERNAL_SERVICE_PRIVATE_KEY_FILE and INTERNAL_SERVICE_PUBLIC_KEY_FILE');
  }
  const gatewayPublic = publicFile ? readJson<JWK>(publicFile) : (await loadOrCreateDevKeys(config.DEV_KEYS_DIR)).internalPublicJwk;
  const service =
    servicePrivate && servicePublic
      ? { privateJwk: readJson<JWK>(servicePrivate), publicJwk: readJson<JWK>(servicePublic) }
      : await createOnce(join(config.DEV_KEYS_DIR, 'dev-service-keys.json'), () => pair('subgraph-service-1'));
  return importInternalKeys(undefined, gatewayPublic, service);
}

/** File names written by {@link writeKeyFiles} (and the CLI's `keys` command). */
export const KEY_FILES = {
  issuerPrivate: 'issuer-private.jwk.json',
  issuerJwks: 'issuer-jwks.json',
  internalPrivate: 'internal-private.jwk.json',
  internalPublic: 'internal-public.jwk.json',
  servicePrivate: 'service-private.jwk.json',
  servicePublic: 'service-public.jwk.json',
  auditPrivate: 'audit-checkpoint-private.jwk.json',
  auditPublic: 'audit-checkpoint-public.jwk.json',
} as const;

/**
 * Writes a fresh set of key files into `dir`: the gateway's internal pair (give the private file to
 * gateways only, the public one to subgraphs), the subgraphs' service pair (both files to every
 * subgraph, none to gateways) and a demonstration token issuer (its JWKS stands in for a real
 * identity provider's). Existing files are never overwritten (missing ones are added).
 */
export async function writeKeyFiles(dir: string): Promise<Record<keyof typeof KEY_FILES, string>> {
  const issuer = await pair(`issuer-${Date.now().toString(36)}`);
  const internal = await pair(`internal-${Date.now().toString(36)}`);
  const service = await pair(`service-${Date.now().toString(36)}`);
  const audit = await pair(`audit-checkpoint-${Date.now().toString(36)}`);
  const contents: Record<keyof typeof KEY_FILES, unknown> = {
    issuerPrivate: issuer.privateJwk,
    issuerJwks: { keys: [issuer.publicJwk] },
    internalPrivate: internal.privateJwk,
    internalPublic: internal.publicJwk,
    servicePrivate: service.privateJwk,
    servicePublic: service.publicJwk,
    auditPrivate: audit.privateJwk,
    auditPublic: audit.publicJwk,
  };
  mkdirSync(dir, { recursive: true });
  const paths = {} as Record<keyof typeof KEY_FILES, string>;
  for (const key of Object.keys(KEY_FILES) as (keyof typeof KEY_FILES)[]) {
    paths[key] = join(dir, KEY_FILES[key]);
    // Pairs written by an earlier version are kept; only the missing ones are added.
    if (existsSync(paths[key])) continue;
    writeFileSync(paths[key], JSON.stringify(contents[key], null, 2), { mode: key.endsWith('Private') ? 0o600 : 0o644, flag: 'wx' });
  }
  return paths;
}

/**
 * The audit checkpoint keys of a process (shared/audit/checkpoint.ts): from
 * AUDIT_CHECKPOINT_PRIVATE_KEY_FILE / AUDIT_CHECKPOINT_PUBLIC_KEY_FILE, else, outside production,
 * a development pair generated once; in production a half that is not configured is absent (no
 * checkpoints taken, or none checked).
 */
export async function loadCheckpointKeys(config: Config): Promise<{ privateJwk?: JWK; publicKeys?: JWK | JSONWebKeySet }> {
  const { AUDIT_CHECKPOINT_PRIVATE_KEY_FILE: privateFile, AUDIT_CHECKPOINT_PUBLIC_KEY_FILE: publicFile } = config;
  const dev =
    config.NODE_ENV !== 'production' && !(privateFile && publicFile)
      ? await createOnce(join(config.DEV_KEYS_DIR, 'dev-audit-keys.json'), () => pair('dev-audit-checkpoint-1'))
      : undefined;
  const privateJwk = privateFile ? readJson<JWK>(privateFile) : dev?.privateJwk;
  const publicKeys = publicFile ? readJson<JWK | JSONWebKeySet>(publicFile) : dev?.publicJwk;
  return { ...(privateJwk ? { privateJwk } : {}), ...(publicKeys ? { publicKeys } : {}) };
}
