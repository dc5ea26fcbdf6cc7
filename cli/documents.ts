import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DOCUMENT_ID, ManifestError, readManifest, type DocumentStore } from '../shared/documents';

export const DOCUMENTS_HELP = `  npm run cli -- documents publish MANIFEST --client NAME
      Publishes the operations of client application NAME from MANIFEST, a JSON file
      { "<client name>": { "<sha256 of the document>": "<document>" } } (one named operation per
      document; every id checked against its text, nothing written if one is wrong). A production
      gateway (TRUSTED_DOCUMENTS=enforce) then runs them, and only them, for requests that name the
      client in the apollographql-client-name header and the document by
      extensions.persistedQuery.sha256Hash.
  npm run cli -- documents list [--client NAME]
      Lists the published documents: client, id, operation, published and revoked times.
  npm run cli -- documents revoke --client NAME (ID… | --all)
      Revokes documents (kept for the record, never served again); the Redis copies are dropped, so
      every gateway refuses them from the next request.
      All three read DATABASE_URL, or the embedded PGlite in PGLITE_DIR, and REDIS_URL when set.
`;

function usage(problem: string): number {
  console.error(`${problem}\n\n${DOCUMENTS_HELP}`);
  return 2;
}

/** `documents <subcommand>`; returns the exit code (0 done, 1 refused manifest, 2 usage). */
export async function documentsCommand(args: string[], store: DocumentStore): Promise<number> {
  const [subcommand, ...rest] = args;
  let parsed: { values: { client?: string | undefined; all?: boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { client: { type: 'string' }, all: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  switch (subcommand) {
    case 'publish': {
      if (positionals.length !== 1 || !values.client) return usage('publish needs one MANIFEST file and --client NAME');
      let manifest: ReturnType<typeof readManifest>;
      try {
        manifest = readManifest(JSON.parse(readFileSync(positionals[0]!, 'utf8')));
      } catch (error) {
        if (error instanceof ManifestError || error instanceof SyntaxError) {
          console.error(error.message);
          return 1;
        }
        throw error;
      }
      const documents = manifest.get(values.client);
      if (!documents) {
        console.error(`The manifest has no client "${values.client}" (it has: ${[...manifest.keys()].join(', ') || 'none'})`);
        return 1;
      }
      const result = await store.publish(values.client, documents);
      console.log(`${values.client}: ${result.published} published, ${result.unchanged} already published`);
      return 0;
    }
    case 'list': {
      if (positionals.length > 0) return usage('list takes no arguments but --client');
      const rows = await store.list(values.client);
      for (const r of rows) {
        console.log([r.client, r.id, r.operationName ?? '-', r.publishedAt, r.revokedAt ? `revoked ${r.revokedAt}` : 'active'].join('\t'));
      }
      console.log(`${rows.length} documents`);
      return 0;
    }
    case 'revoke': {
      if (!values.client) return usage('revoke needs --client NAME');
      if (values.all === positionals.length > 0) return usage('revoke takes either document ids or --all');
      const bad = positionals.filter((id) => !DOCUMENT_ID.test(id.replace(/^sha256:/, '')));
      if (bad.length > 0) return usage(`not document ids (64 hex digits): ${bad.join(', ')}`);
      const count = await store.revoke(values.client, values.all ? undefined : positionals.map((id) => id.replace(/^sha256:/, '')));
      console.log(`${values.client}: ${count} documents revoked`);
      return 0;
    }
    default:
      return usage(subcommand === undefined ? 'Missing documents command' : `Unknown documents command "${subcommand}"`);
  }
}
