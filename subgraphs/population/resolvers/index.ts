import { Commune } from './Commune';
import { DataAccess } from './DataAccess';
import { Household } from './Household';
import { Mutation, PopulationChange } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  Query,
  Mutation,
  PopulationChange,
  Resident,
  Household,
  Commune,
  DataAccess,
};
