import { auditMigrations } from '../shared/audit';
import { documentMigrations } from '../shared/documents';
import { gatewayRole, subgraphRole, type RoleGrant } from '../shared/db/roles';
import type { SubgraphManifest } from '../shared/subgraph/manifest';
import { subgraphs as registry } from '../subgraphs';

export { gatewayRole, subgraphRole } from '../shared/db/roles';

/**
 * The serving roles of a deployment, derived from the registry: each subgraph reads and writes its
 * own schema and appends to the audit log; gateways read the published documents. Nothing else.
 */
export function servingRoles(prefix: string, modules: readonly SubgraphManifest[] = registry): RoleGrant[] {
  return [
    ...modules.map((m) => ({ role: subgraphRole(prefix, m), readWrite: [m.schema], appendOnly: [auditMigrations.schema], readOnly: [] })),
    { role: gatewayRole(prefix), readWrite: [], appendOnly: [], readOnly: [documentMigrations.schema] },
  ];
}
