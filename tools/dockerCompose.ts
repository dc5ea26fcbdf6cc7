import { relative } from 'node:path';
import { urlVariable } from '../shared/config';
import type { SubgraphManifest } from '../shared/subgraph/manifest';

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
    '# Every subgraph ready: what the gateway and the seeder wait for.',
    'x-subgraphs-healthy: &subgraphs-healthy',
    ...subgraphs.map((s) => `  ${s.name}: { condition: service_healthy }`),
  ];
  const services = subgraphs.flatMap((s) => [
    `  ${s.name}:`,
    '    <<: *subgraph',
    `    command: ["node", "--import", "tsx", "${relative(root, s.entrypoint)}"]`,
    '    environment:',
    '      <<: [*subgraph-env, *subgraph-urls]',
    `      PORT: "${s.port}"`,
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
