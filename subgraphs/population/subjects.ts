import type { SubjectsOf } from '../../shared/personalData';

/** Whose personal data a resolved field is, for the audit log: the resident, or the household. */
export const subjectsOf: SubjectsOf = (typeName, parent) => {
  const p = parent as { citizenId?: string; id?: string; resident?: { citizenId?: string } };
  switch (typeName) {
    case 'Resident':
      return p.citizenId ? [p.citizenId] : [];
    case 'Household':
      return p.id ? [`household:${p.id}`] : [];
    case 'HouseholdMember':
      return p.resident?.citizenId ? [p.resident.citizenId] : [];
    default:
      return [];
  }
};
