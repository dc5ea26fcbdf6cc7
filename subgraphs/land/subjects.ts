import type { SubjectsOf } from '../../shared/auth/personalData';

type Holder = { __typename?: string; citizenId?: string } | null;

/** Whose personal data a resolved field is, for the audit log: the resident, or the resident holders of a parcel. */
export const subjectsOf: SubjectsOf = (typeName, parent, value) => {
  if (typeName === 'Resident') {
    const id = (parent as { citizenId?: string }).citizenId;
    return id ? [id] : [];
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  return items
    .map((item) => ((item as { holder?: Holder }).holder ?? (item as Holder))?.citizenId)
    .filter((id): id is string => typeof id === 'string');
};
