import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { loadSubgraphs, subgraphs } from '../subgraphs';
import { cacheHintsOf, DOCS_PATH, renderSchemaDocs } from './schemaDocs';
import { SUPERGRAPH_PATH } from '../gateway/supergraph';
import { composeSupergraph } from './supergraph';
import { withSubgraphTable } from './subgraphTable';
import { withComposeServices } from './dockerCompose';

/** The repository root: generated files are committed under it. */
export const REPO_ROOT = join(__dirname, '..');

/** A committed file generated from the sources: CI regenerates it and fails on a difference. */
export interface GeneratedFile {
  /** Path relative to the root (the repository's by default). */
  name: string;
  /** The npm script that rewrites it. */
  command: string;
  /** Its content as the sources give it today; `root` holds the files it is generated from. */
  render(root: string): string;
}

/** gateway/supergraph.graphql: the subgraphs' SDL composed (throws with every composition error). */
export const SUPERGRAPH_FILE: GeneratedFile = {
  name: relative(REPO_ROOT, SUPERGRAPH_PATH),
  command: 'npm run compose',
  render: () => composeSupergraph(),
};

/** docs/schema.md: the reference generated from the supergraph under the root and the subgraphs' cache hints. */
export const SCHEMA_DOCS_FILE: GeneratedFile = {
  name: relative(REPO_ROOT, DOCS_PATH),
  command: 'npm run docs',
  render: (root) => renderSchemaDocs(readFileSync(join(root, SUPERGRAPH_FILE.name), 'utf8'), cacheHintsOf(loadSubgraphs())),
};

/** README.md's subgraph table, rendered from the registry (the rest of README is written by hand). */
export const README_TABLE_FILE: GeneratedFile = {
  name: 'README.md',
  command: 'npm run compose',
  render: (root) => {
    const path = existsSync(join(root, 'README.md')) ? join(root, 'README.md') : join(REPO_ROOT, 'README.md');
    return withSubgraphTable(readFileSync(path, 'utf8'), loadSubgraphs());
  },
};

/** docker-compose.yml's subgraph services and the anchors naming them, rendered from the registry. */
export const COMPOSE_FILE: GeneratedFile = {
  name: 'docker-compose.yml',
  command: 'npm run compose',
  render: (root) => {
    const path = existsSync(join(root, 'docker-compose.yml')) ? join(root, 'docker-compose.yml') : join(REPO_ROOT, 'docker-compose.yml');
    return withComposeServices(readFileSync(path, 'utf8'), subgraphs, REPO_ROOT);
  },
};

/** In dependency order: the reference is generated from the supergraph. */
export const GENERATED_FILES: readonly GeneratedFile[] = [SUPERGRAPH_FILE, SCHEMA_DOCS_FILE, README_TABLE_FILE, COMPOSE_FILE];

/**
 * Writes the files (mode `write`) or checks that each one is what its sources generate today
 * (mode `check`), under `root` (default: the repository; another folder lets one look before
 * overwriting). Reports each file on `out`; returns the exit code: 0, or 1 when a file is stale
 * (check) or cannot be generated (composition errors).
 */
export function runGenerated(
  files: readonly GeneratedFile[],
  mode: 'write' | 'check',
  options: { root?: string; out?: { log(message: string): void; error(message: string): void } } = {},
): number {
  const root = options.root ?? REPO_ROOT;
  const out = options.out ?? console;
  let code = 0;
  for (const file of files) {
    const path = join(root, file.name);
    let rendered: string;
    try {
      rendered = file.render(root);
    } catch (error) {
      out.error(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
      continue;
    }
    if (mode === 'write') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, rendered);
      out.log(`wrote ${path}`);
    } else if ((existsSync(path) ? readFileSync(path, 'utf8') : '') !== rendered) {
      out.error(`${path} is stale: run \`${file.command}\` and commit the result.`);
      code = 1;
    } else {
      out.log(`${path} is up to date`);
    }
  }
  return code;
}
