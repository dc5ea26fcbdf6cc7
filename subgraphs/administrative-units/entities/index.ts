import { Commune } from './Commune';
import { LegacySuccessor } from './LegacySuccessor';
import { LegacyUnit } from './LegacyUnit';
import { Province } from './Province';
import { UnitChange } from './UnitChange';

export { Commune, LegacySuccessor, LegacyUnit, Province, UnitChange };
export const entities = [Province, Commune, UnitChange, LegacyUnit, LegacySuccessor];
