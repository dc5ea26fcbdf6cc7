export const AdministrativeUnit = {
  /** Communes are the only units that belong to a province. */
  __resolveType: (unit: object) => ('provinceCode' in unit ? 'Commune' : 'Province'),
};
