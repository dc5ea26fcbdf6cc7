import type { Context } from '../context';

export const Procedure = {
  __resolveReference: (ref: { code: string }, ctx: Context) => ctx.loaders.procedureByCode.load(ref.code),
};
