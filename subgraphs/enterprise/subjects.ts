import type { SubjectsOf } from '../../shared/auth/personalData';

/** Whose personal data a resolved field is, for the audit log: the resident, or the enterprise's representative. */
export const subjectsOf: SubjectsOf = (typeName, parent, value) => {
  if (typeName === 'Resident') {
    const id = (parent as { citizenId?: string }).citizenId;
    return id ? [id] : [];
  }
  const representative = (value as { citizenId?: string } | null)?.citizenId;
  return representative ? [representative] : [];
};
