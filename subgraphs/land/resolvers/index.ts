import { LandUseCodeScalar } from '../../../shared/graphql/scalars';
import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { LandHolder, LandParcel } from './LandParcel';
import { LandUseType } from './LandUseType';
import { LandParcelChange, LandTransfer, Mutation } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  LandUseCode: LandUseCodeScalar,
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
