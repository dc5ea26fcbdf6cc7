import { relative } from 'node:path';
import { urlVariable } from '../shared/config';
import type { SubgraphManifest } from '../shared/subgraph/manifest';
import { gatewayRole, subgraphRole } from '../shared/db/roles';
import { builtEntry } from './build';

/** The serving roles' prefix in the sketch (DATABASE_ROLE_PREFIX's default). */
const PREFIX = 'lien_thong_';
/** A serving role's URL through PgBouncer; demo passwords (the role's name): replace them. */
const roleUrl = (role: string, database: string) => `postgres://${role}:${role}@pgbouncer:6432/${database}`;

/**
 * docker-compose.yml's blocks that depend on the registry, rendered between their markers
 * (`# generated: <name>` … `# end generated: <name>`): the anchors every service merges (each
 * subgraph's URL variable, the subgraphs to wait for) and one service per subgraph.
 */
export function withComposeServices(compose: string, subgraphs: readonly SubgraphManifest[], root: string): string {
  const anchors = [
    '# The URL variable of every subgraph: each subgraph (its writes check records owned by others) and the gateway.',
    'x-subgraph-urls: &subgraph-urls',
    ...subgraphs.map((s) => `  ${urlVariable(s.name)}: http://${s.name}:${s.port}/graphql`),
    '# The serving roles and their (demo) passwords, set by the migration job: one per subgraph, one for gateways.',
    'x-role-passwords: &role-passwords',
    `  DATABASE_ROLE_PASSWORDS: ${[...subgraphs.map((s) => subgraphRole(PREFIX, s)), gatewayRole(PREFIX)].map((r) => `${r}=${r}`).join(',')}`,
    '# Every subgraph ready: what the gateway and the seeder wait for.',
    'x-subgraphs-healthy: &subgraphs-healthy',
    ...subgraphs.map((s) => `  ${s.name}: { condition: service_healthy }`),
  ];
  const services = subgraphs.flatMap((s) => [
    `  ${s.name}:`,
    '    <<: *subgraph',
    `    command: ["node", "${builtEntry(relative(root, s.entrypoint))}"]`,
    '    environment:',
    '      <<: [*subgraph-env, *subgraph-urls]',
    `      PORT: "${s.port}"`,
    '      # Its own role (README: Least privilege underneath): writes and read-your-writes on the primary, reads on the replica.',
    `      DATABASE_URL: ${roleUrl(subgraphRole(PREFIX, s), 'lienthong')}`,
    `      DATABASE_REPLICA_URL: ${roleUrl(subgraphRole(PREFIX, s), 'lienthong_replica')}`,
    '',
  ]);
  return replaceBlock(replaceBlock(compose, 'anchors', anchors), 'services', services.slice(0, -1));
}

function replaceBlock(text: string, name: string, lines: readonly string[]): string {
  const begin = new RegExp(`^( *)# generated: ${name}\\n`, 'm').exec(text);
  const end = new RegExp(`^ *# end generated: ${name}$`, 'm').exec(text);
  if (!begin || !end || end.index < begin.index) throw new Error(`docker-compose.yml has lost its "# generated: ${name}" markers`);
  return `${text.slice(0, begin.index + begin[0].length)}${lines.join('\n')}\n${text.slice(end.index)}`;
}
