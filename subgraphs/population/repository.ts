import type { DataSource } from 'typeorm';
import { createAuditLog, type AuditEntry } from '../../shared/audit';
import { toConnection, type Connection, type ListKind, type PageRequest } from '../../shared/db/pagination';

export const DATA_ACCESS_LIST: ListKind = { name: 'data-access', keyPattern: /^[1-9]\d{0,18}$/ };

/** The accesses to one citizen's data, newest first, as a connection (cursor: the audit entry id). */
export async function dataAccessesOf(db: DataSource, citizenId: string, page: PageRequest): Promise<Connection<AuditEntry>> {
  const { entries, total } = await createAuditLog(db).accessesTo(citizenId, { limit: page.limit + 1, beforeId: page.after });
  return toConnection(DATA_ACCESS_LIST, page, entries, total, (e) => e.id);
}
