import type { AuditEntry } from '../../../shared/audit';

/** A citizen sees the organisation, role and purpose of each access, not the official's account id. */
export const DataAccess = {
  outcome: (e: AuditEntry) => e.outcome,
  fields: (e: AuditEntry) => e.fields,
};
