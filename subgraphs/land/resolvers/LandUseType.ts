import { badInput } from '../../../shared/graphql/errors';
import type { Context } from '../context';

/** A land-use code must be one of the classification's codes (BAD_USER_INPUT otherwise). */
export async function checkLandUseCode(argument: string, code: string, ctx: Context): Promise<string> {
  if (!/^[A-Z]{3}$/.test(code) || !(await ctx.loaders.landUseByCode.load(code))) {
    throw badInput(argument, code, 'not a land-use type code (see Query.landUseTypes)');
  }
  return code;
}

export const LandUseType = {};
