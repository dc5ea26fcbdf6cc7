import { AdministrativeUnit } from './AdministrativeUnit';
import { Commune } from './Commune';
import { LegacyUnit } from './LegacyUnit';
import { Province } from './Province';
import { Query } from './Query';
import { UnitChange } from './UnitChange';

export const resolvers = {
  Query,
  AdministrativeUnit,
  Province,
  Commune,
  LegacyUnit,
  UnitChange,
};
