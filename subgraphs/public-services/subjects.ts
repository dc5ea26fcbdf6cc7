import type { SubjectsOf } from '../../shared/auth/personalData';

type Row = { applicantType?: string; applicantId?: string } | null | undefined;

const residentOf = (row: Row): string[] => (row?.applicantType === 'RESIDENT' && row.applicantId ? [row.applicantId] : []);

/**
 * Whose personal data a resolved field is, for the audit log: the resident who submitted each
 * dossier read (enterprises are not data subjects), from a dossier, a list or a connection of them.
 */
export const subjectsOf: SubjectsOf = (typeName, parent, value) => {
  if (typeName === 'Resident') {
    const id = (parent as { citizenId?: string }).citizenId;
    return id ? [id] : [];
  }
  if (typeName === 'Dossier') return residentOf(parent as Row);
  if (typeName === 'DossierChange') return residentOf(value as Row);
  if (Array.isArray(value)) return value.flatMap((v) => residentOf(v as Row));
  const edges = (value as { edges?: { node?: Row }[] } | null)?.edges;
  if (Array.isArray(edges)) return edges.flatMap((e) => residentOf(e.node));
  return residentOf(value as Row);
};
