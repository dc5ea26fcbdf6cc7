import type { Identity } from './identity';
import type { PersonalDataCategory } from './personalData';

/**
 * Authorization scopes: the one mapping of what a caller may ever do (role and stated purpose →
 * scopes) and of what the schema demands (personal-data category, write → scope). The subgraphs'
 * SDL gets Federation's `@requiresScopes` derived from it (shared/subgraph/authorization.ts), the
 * supergraph carries the directive, and the gateway refuses, before planning, a selection whose
 * scopes the caller lacks (gateway/authorization.ts). Subgraphs keep their own checks
 * (personalData.ts, mutations.ts), which this mapping mirrors and a test compares.
 */
export const Scope = {
  /** Reading basic personal data (Decree 13/2023: name, birth date, residence, ID numbers …). */
  PERSONAL_BASIC: 'personal:basic',
  /** Reading sensitive personal data. */
  PERSONAL_SENSITIVE: 'personal:sensitive',
  /** Changing a register (every mutation). */
  WRITE: 'records:write',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** The scope a field of this personal-data category requires; null for NONE. */
export function scopeForCategory(category: PersonalDataCategory): Scope | null {
  switch (category) {
    case 'BASIC':
      return Scope.PERSONAL_BASIC;
    case 'SENSITIVE':
      return Scope.PERSONAL_SENSITIVE;
    default:
      return null;
  }
}

/**
 * The scopes a caller holds. Officers hold theirs only with a stated purpose (`X-Purpose`): without
 * one they hold none, so the gateway can tell "state a purpose" from "never". Citizens read their
 * own records without a purpose and never write; the public and services hold nothing (a service's
 * existence checks never reach personal fields).
 */
export function scopesOf(identity: Identity, purpose: string | null): ReadonlySet<Scope> {
  switch (identity.role) {
    case 'CITIZEN':
      return new Set([Scope.PERSONAL_BASIC, Scope.PERSONAL_SENSITIVE]);
    case 'COMMUNE_OFFICER':
    case 'CENTRAL':
      return purpose ? new Set([Scope.PERSONAL_BASIC, Scope.PERSONAL_SENSITIVE, Scope.WRITE]) : new Set();
    case 'PROVINCE_OFFICER':
      return purpose ? new Set([Scope.PERSONAL_BASIC, Scope.WRITE]) : new Set();
    default:
      return new Set();
  }
}

/** Whether `held` satisfies `@requiresScopes(scopes:)`: one of the inner lists, every scope of it. */
export function satisfies(held: ReadonlySet<string>, alternatives: readonly (readonly string[])[]): boolean {
  return alternatives.some((all) => all.every((s) => held.has(s)));
}

/** What one selected field demands, as the schema states it (Federation's authorization directives). */
export interface Requirement {
  /** `Type.field` (or, in a subgraph's own check, the personal-data category). */
  coordinate: string;
  /** `@authenticated`: any caller with a token. */
  authenticated: boolean;
  /** `@requiresScopes(scopes:)`: one of the inner lists, all of it; null when the field has none. */
  scopes: readonly (readonly string[])[] | null;
}

/** Stable codes of an authorization refusal, and their HTTP status. */
export const AuthorizationCode = {
  /** No token, and the selection needs one (401, `WWW-Authenticate: Bearer`). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** An officer who would be allowed with a stated purpose (`X-Purpose`) sent none (403). */
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  /** The caller's role may never select these fields, purpose or not (403). */
  FORBIDDEN: 'FORBIDDEN',
} as const;
export type AuthorizationCode = (typeof AuthorizationCode)[keyof typeof AuthorizationCode];

export interface AuthorizationRefusal {
  code: AuthorizationCode;
  status: 401 | 403;
  message: string;
  /** The requirements not met (their coordinates, sorted). */
  fields: string[];
}

const ANONYMOUS_ROLES = new Set(['PUBLIC']);
const isAuthenticated = (identity: Identity) => !ANONYMOUS_ROLES.has(identity.role);

function met(requirement: Requirement, identity: Identity, held: ReadonlySet<string>): boolean {
  if (requirement.authenticated && !isAuthenticated(identity)) return false;
  return requirement.scopes === null || satisfies(held, requirement.scopes);
}

/**
 * Why a caller can never be allowed this selection, or null when the schema's requirements are met
 * (jurisdiction is then the data access's business, in each subgraph). The order of the diagnosis is
 * what a client can act on: get a token, then state a purpose; FORBIDDEN means neither would help.
 */
export function authorize(identity: Identity, purpose: string | null, requirements: Iterable<Requirement>): AuthorizationRefusal | null {
  const held = scopesOf(identity, purpose);
  const unmet = [...requirements].filter((r) => !met(r, identity, held));
  if (unmet.length === 0) return null;
  const fields = [...new Set(unmet.map((r) => r.coordinate))].sort();
  const named = fields.length > 5 ? `${fields.slice(0, 5).join(', ')} …` : fields.join(', ');
  if (!isAuthenticated(identity)) {
    return { code: 'UNAUTHENTICATED', status: 401, fields, message: `This operation needs a bearer token (${named})` };
  }
  if (!purpose) {
    const withPurpose = scopesOf(identity, 'stated');
    if (unmet.every((r) => met(r, identity, withPurpose))) {
      return {
        code: 'PURPOSE_REQUIRED',
        status: 403,
        fields,
        message: `This operation requires a stated purpose: send the case or dossier reference in the X-Purpose header (${named})`,
      };
    }
  }
  return { code: 'FORBIDDEN', status: 403, fields, message: `The role ${identity.role} may not select ${named}` };
}
