import { CitizenIdScalar, CommuneCodeScalar, DateScalar } from '../../../shared/graphql/scalars';
import { Commune } from './Commune';
import { DataAccess } from './DataAccess';
import { Household } from './Household';
import { Mutation, PopulationChange } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  Date: DateScalar,
  CitizenId: CitizenIdScalar,
  CommuneCode: CommuneCodeScalar,
  Query,
  Mutation,
  PopulationChange,
  Resident,
  Household,
  Commune,
  DataAccess,
};
