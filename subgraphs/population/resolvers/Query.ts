import { checkCode } from '../../../shared/graphql/codes';
import { notFound, PublicError } from '../../../shared/graphql/errors';
import { parsePageArgs, type PageArgs } from '../../../shared/db/pagination';
import type { Context } from '../context';
import { DATA_ACCESS_LIST, dataAccessesOf } from '../repository';
import { findResident } from './Resident';

export const Query = {
  resident: async (_: unknown, args: { citizenId: string }, ctx: Context) => {
    const id = args.citizenId; // checked by the CitizenId scalar
    return (await findResident(id, 'Query.resident', ctx)) ?? Promise.reject(notFound('Resident', 'citizenId', id));
  },
  household: async (_: unknown, args: { id: string }, ctx: Context) => {
    const id = checkCode('numericId', 'id', args.id);
    return (await ctx.loaders.householdById.load(id)) ?? Promise.reject(notFound('Household', 'id', id));
  },
  myDataAccesses: async (_: unknown, args: PageArgs, ctx: Context) => {
    if (ctx.identity.role !== 'CITIZEN' || !ctx.identity.citizenId) {
      throw new PublicError('FORBIDDEN', 'Only a citizen, signed in with their own token, can list the accesses to their data');
    }
    return dataAccessesOf(ctx.db, ctx.identity.citizenId, parsePageArgs(DATA_ACCESS_LIST, args));
  },
};
