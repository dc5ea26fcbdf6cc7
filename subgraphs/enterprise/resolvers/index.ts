import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { EnterpriseChange, EnterpriseEvent, Mutation } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  Query,
  Mutation,
  EnterpriseChange,
  EnterpriseEvent,
  Enterprise,
  Resident,
  Commune,
};
