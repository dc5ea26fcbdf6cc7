import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { LandHolder, LandParcel } from './LandParcel';
import { LandUseType } from './LandUseType';
import { LandParcelChange, LandTransfer, Mutation } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

/** Its scalar (LandUseCode) is in the manifest, which the gateway reads without loading these. */
export const resolvers = {
  Query,
  Mutation,
  LandParcelChange,
  LandTransfer,
  LandParcel,
  LandHolder,
  LandUseType,
  Resident,
  Enterprise,
  Commune,
};
