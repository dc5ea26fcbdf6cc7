import { CommuneCodeScalar, DateScalar, ProvinceCodeScalar, TaxCodeScalar } from '../../../shared/scalars';
import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = {
  Date: DateScalar,
  TaxCode: TaxCodeScalar,
  ProvinceCode: ProvinceCodeScalar,
  CommuneCode: CommuneCodeScalar,
  Query,
  Enterprise,
  Resident,
  Commune,
};
