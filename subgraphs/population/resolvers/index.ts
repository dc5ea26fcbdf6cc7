import { CitizenIdScalar, DateScalar } from '../../../shared/scalars';
import { Commune } from './Commune';
import { DataAccess } from './DataAccess';
import { Household } from './Household';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = { Date: DateScalar, CitizenId: CitizenIdScalar, Query, Resident, Household, Commune, DataAccess };
