import { GraphQLError } from 'graphql';
import { CODE_PATTERNS } from '../graphql/codes';

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
  /** PROVINCE_OFFICER: the 2025 code of the province they serve; COMMUNE_OFFICER: their commune's province, when the token states it. */
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

const claim = (payload: Record<string, unknown>, name: string): string | null => {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
};

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } },
  });
}

/**
 * Turns a verified token's claims into an identity: the one mapping of roles to the claims each
 * needs (a commune officer's `commune`, a provincial officer's `province`, a citizen's ID as
 * subject). Claims that do not fit the role refuse the token (401).
 */
export function identityFromClaims(payload: Record<string, unknown>): Identity {
  const role = claim(payload, 'role');
  const subject = claim(payload, 'sub');
  if (!role || !(ROLES as readonly string[]).includes(role)) throw unauthenticated(`Token has no valid role (one of ${ROLES.join(', ')})`);
  if (!subject || subject.length > 100) throw unauthenticated('Token has no valid subject');
  const identity: Identity = { ...ANONYMOUS, subject, role: role as Role, organisation: claim(payload, 'org') };
  switch (identity.role) {
    case 'COMMUNE_OFFICER': {
      const commune = claim(payload, 'commune');
      if (!commune || !CODE_PATTERNS.communeCode.test(commune))
        throw unauthenticated('A commune officer token needs a 5-digit `commune` claim');
      // Optional: the commune's province, which lets their queries read one province's partition.
      const province = claim(payload, 'province');
      if (province !== null && !CODE_PATTERNS.provinceCode.test(province))
        throw unauthenticated("A commune officer token may carry its commune's 2-digit `province` claim, nothing else there");
      return { ...identity, communeCode: commune, ...(province !== null ? { provinceCode: province } : {}) };
    }
    case 'PROVINCE_OFFICER': {
      const province = claim(payload, 'province');
      if (!province || !CODE_PATTERNS.provinceCode.test(province))
        throw unauthenticated('A provincial officer token needs a 2-digit `province` claim');
      return { ...identity, provinceCode: province };
    }
    case 'CITIZEN':
      if (!CODE_PATTERNS.citizenId.test(subject))
        throw unauthenticated('A citizen token needs the 12-digit personal identification number as subject');
      return { ...identity, citizenId: subject, organisation: null };
    default:
      return identity;
  }
}
