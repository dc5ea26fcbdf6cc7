import { DateScalar } from '../../../shared/scalars';
import { Commune } from './Commune';
import { Enterprise } from './Enterprise';
import { Query } from './Query';
import { Resident } from './Resident';

export const resolvers = { Date: DateScalar, Query, Enterprise, Resident, Commune };
