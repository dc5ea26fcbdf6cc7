import type { Context } from '../context';
import { applicantKey } from '../loaders';

export const Enterprise = {
  /** Enterprises are owned by the enterprise subgraph; this subgraph only adds the dossiers they submitted. */
  __resolveReference: (ref: { taxCode: string }) => ref,
  dossiers: (e: { taxCode: string }, _: unknown, ctx: Context) =>
    ctx.loaders.dossiersOfApplicant.load(applicantKey('ENTERPRISE', e.taxCode)),
};
