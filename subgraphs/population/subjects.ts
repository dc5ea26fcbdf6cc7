import type { SubjectsOf } from '../../shared/auth/personalData';

/** Whose personal data a resolved field is, for the audit log: the resident, or the household (`household:<id>`). */
export const subjectsOf: SubjectsOf = (typeName, parent, value) => {
  const p = parent as { citizenId?: string; id?: string; resident?: { citizenId?: string } };
  switch (typeName) {
    case 'Resident':
      return p.citizenId ? [p.citizenId] : [];
    case 'Household':
      return p.id ? [`household:${p.id}`] : [];
    case 'HouseholdMember':
      return p.resident?.citizenId ? [p.resident.citizenId] : [];
    // A write's payload: the ids of dissolved households (its residents and households record themselves).
    case 'PopulationChange':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map((id) => `household:${id}`) : [];
    default:
      return [];
  }
};
