import { checkCode } from '../../../shared/codes';
import { notFound } from '../../../shared/errors';
import type { Context } from '../context';

export const Query = {
  resident: async (_: unknown, args: { citizenId: string }, ctx: Context) => {
    const id = checkCode('citizenId', 'citizenId', args.citizenId);
    return (await ctx.loaders.residentById.load(id)) ?? Promise.reject(notFound('Resident', 'citizenId', id));
  },
  household: async (_: unknown, args: { id: string }, ctx: Context) => {
    const id = checkCode('numericId', 'id', args.id);
    return (await ctx.loaders.householdById.load(id)) ?? Promise.reject(notFound('Household', 'id', id));
  },
};
