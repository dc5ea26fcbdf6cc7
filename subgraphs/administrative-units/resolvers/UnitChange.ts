import type { UnitChange as UnitChangeRow } from '../entities';

export const UnitChange = {
  from: (c: UnitChangeRow) => c.oldValue,
  to: (c: UnitChangeRow) => c.newValue,
};
