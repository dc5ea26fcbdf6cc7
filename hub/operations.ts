/** The operations of the foundation issue, exactly as written there. */
export const OPERATIONS = {
  CommuneResidents: `query CommuneResidents($code: ID!) {
  commune(code: $code) {
    name
    province { name }
    residents(first: 50) {
      totalCount
      pageInfo { endCursor hasNextPage }
      edges { node { citizenId fullName household { id } landParcels { id area } representedEnterprises { taxCode name } } }
    }
  }
}`,
  ProvinceLand: `query ProvinceLand($province: ID!) {
  landParcels(filter: { provinceCode: $province, landUseCode: "ODT" }, first: 100) {
    totalCount
    edges { node { id area commune { name } holders { __typename ... on Resident { fullName } ... on Enterprise { name } } } }
  }
}`,
  Units: `query Units { provinces { code name communes(first: 3) { totalCount } } }`,
  Legacy: `query Legacy { legacyUnit(code: "02", level: PROVINCE) { name successors { code name } } }`,
};
