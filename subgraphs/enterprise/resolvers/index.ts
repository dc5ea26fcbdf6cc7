import { CitizenIdScalar, CommuneCodeScalar, DateScalar, ProvinceCodeScalar, TaxCodeScalar } from '../../../shared/graphql/scalars';
import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { EnterpriseChange, EnterpriseEvent, Mutation } from './Mutation';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  Date: DateScalar,
  TaxCode: TaxCodeScalar,
  ProvinceCode: ProvinceCodeScalar,
  CommuneCode: CommuneCodeScalar,
  CitizenId: CitizenIdScalar,
  Query,
  Mutation,
  EnterpriseChange,
  EnterpriseEvent,
  Enterprise,
  Resident,
  Commune,
};
