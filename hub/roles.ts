import { auditMigrations } from '../shared/audit';
import { documentMigrations } from '../shared/documents';
import type { RoleGrant } from '../shared/db/roles';
import type { SubgraphModule } from '../shared/subgraph';
import { subgraphs as registry } from '../subgraphs';

/** The role a subgraph's processes connect as: `<prefix><schema>`. */
export const subgraphRole = (prefix: string, module: Pick<SubgraphModule, 'schema'>): string => `${prefix}${module.schema}`;

/** The role gateways connect as (to read the trusted documents). */
export const gatewayRole = (prefix: string): string => `${prefix}gateway`;

/**
 * The serving roles of a deployment, derived from the registry: each subgraph reads and writes its
 * own schema and appends to the audit log; gateways read the published documents. Nothing else.
 */
export function servingRoles(prefix: string, modules: readonly SubgraphModule[] = registry): RoleGrant[] {
  return [
    ...modules.map((m) => ({ role: subgraphRole(prefix, m), readWrite: [m.schema], appendOnly: [auditMigrations.schema], readOnly: [] })),
    { role: gatewayRole(prefix), readWrite: [], appendOnly: [], readOnly: [documentMigrations.schema] },
  ];
}
