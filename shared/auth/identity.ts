/**
 * Who is asking, as the gateway established it from a verified token, and why. Subgraphs receive it
 * signed by the gateway (see internalToken.ts) and decide from it what data the request may see.
 */
export const ROLES = ['COMMUNE_OFFICER', 'PROVINCE_OFFICER', 'CENTRAL', 'CITIZEN', 'PUBLIC'] as const;
/**
 * A caller's role. `SERVICE` is a subgraph checking that the records a write refers to exist in the
 * subgraph that owns them (see references.ts): never in a user's token (ROLES leaves it out, so the
 * gateway refuses it), it sees whether records exist, never their personal fields.
 */
export type Role = (typeof ROLES)[number] | 'SERVICE';

export interface Identity {
  /** Stable id of the caller: an officer's account id, a citizen's personal identification number, or `anonymous`. */
  subject: string;
  role: Role;
  /** The caller's organisation (e.g. "UBND phường Ba Đình"), null for citizens and the public. */
  organisation: string | null;
  /** COMMUNE_OFFICER: the 2025 code of the commune they serve. */
  communeCode: string | null;
  /** PROVINCE_OFFICER: the 2025 code of the province they serve. */
  provinceCode: string | null;
  /** CITIZEN: their own personal identification number. */
  citizenId: string | null;
}

/** Why the data is read (a case or dossier reference), stated with the request; required for personal data. */
export interface RequestMeta {
  requestId: string;
  purpose: string | null;
}

/** The identity of a request without a token: public data only. */
export const ANONYMOUS: Identity = {
  subject: 'anonymous',
  role: 'PUBLIC',
  organisation: null,
  communeCode: null,
  provinceCode: null,
  citizenId: null,
};

/** The identity of one subgraph asking another whether records exist (see references.ts). */
export function serviceIdentity(service: string): Identity {
  return { ...ANONYMOUS, subject: `service:${service}`, role: 'SERVICE', organisation: service };
}
