import { Commune } from './Commune';
import { LegacySuccessor } from './LegacySuccessor';
import { LegacyUnit } from './LegacyUnit';
import { Province } from './Province';
import { UnitChange } from './UnitChange';
import { UnitImport } from './UnitImport';

export { Commune, LegacySuccessor, LegacyUnit, Province, UnitChange, UnitImport };
export const entities = [Province, Commune, UnitChange, LegacyUnit, LegacySuccessor, UnitImport];
