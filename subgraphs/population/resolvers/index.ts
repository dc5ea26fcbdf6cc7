import { DateScalar } from '../../../shared/scalars';
import { Commune } from './Commune';
import { DataAccess } from './DataAccess';
import { Household } from './Household';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = { Date: DateScalar, Query, Resident, Household, Commune, DataAccess };
