import { OPERATIONS } from '../../hub/operations';
/** Who an example is written for; the role its token must carry (PUBLIC: no token at all). */
export type Persona = 'COMMUNE_OFFICER' | 'PROVINCE_OFFICER' | 'CITIZEN' | 'PUBLIC';

export interface PersonaInfo {
  id: Persona;
  label: string;
  /** What the explorer tells the user to send. */
  needs: string;
}

/** A ready operation of the explorer's example picker. */
export interface Example {
  /** The operation name, also the tab's title. */
  name: string;
  persona: Persona;
  description: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Variables taken from the token (e.g. a citizen's own identification number, the token's `sub`). */
  variablesFromToken?: Record<string, 'sub'>;
}

export const PERSONAS: readonly PersonaInfo[] = [
  {
    id: 'COMMUNE_OFFICER',
    label: 'Commune officer — Phường Ba Đình (00004)',
    needs: 'a COMMUNE_OFFICER token and a purpose (X-Purpose)',
  },
  {
    id: 'PROVINCE_OFFICER',
    label: 'Provincial land office — Hà Nội (01)',
    needs: 'a PROVINCE_OFFICER token and a purpose (X-Purpose)',
  },
  { id: 'CITIZEN', label: 'Citizen', needs: 'a CITIZEN token (their own data: no purpose needed)' },
  { id: 'PUBLIC', label: 'Developer / public', needs: 'no token' },
];

/**
 * The explorer's examples. The four operations of the foundation issue are hub/operations.ts's own
 * (the same text the tests and the bench send); the others show the citizen's and the public's view.
 */
export const EXAMPLES: readonly Example[] = [
  {
    name: 'CommuneResidents',
    persona: 'COMMUNE_OFFICER',
    description: 'Residents of a commune, their household, land and businesses, in one request.',
    query: OPERATIONS.CommuneResidents,
    variables: { code: '00004' },
  },
  {
    name: 'ProvinceLand',
    persona: 'PROVINCE_OFFICER',
    description: 'Urban residential land (ODT) across a province, with its holders.',
    query: OPERATIONS.ProvinceLand,
    variables: { province: '01' },
  },
  {
    name: 'TransferLandUseRights',
    persona: 'PROVINCE_OFFICER',
    description:
      'A write: transfer half of a parcel’s rights. Fill in a parcel of ParcelToTransfer (its id, version and holder) and a buyer; run it twice with the same idempotencyKey: the second answers replayed: true.',
    query: `mutation TransferLandUseRights($input: TransferLandUseRightsInput!) {
  transferLandUseRights(input: $input) {
    parcel { id version certificateNumber holdings { share holder { ... on Resident { citizenId fullName } ... on Enterprise { taxCode name } } } }
    transfer { id certificateNumber previousCertificateNumber }
    replayed
  }
}`,
    variables: {
      input: {
        idempotencyKey: 'change-me-to-a-new-uuid',
        parcelId: '',
        expectedVersion: 1,
        from: [{ holder: { citizenId: '' }, share: 50 }],
        to: [{ holder: { citizenId: '' }, share: 50 }],
      },
    },
  },
  {
    name: 'ParcelToTransfer',
    persona: 'PROVINCE_OFFICER',
    description: 'Parcels of Phường Ba Đình with their version and holders: the values TransferLandUseRights needs.',
    query: `query ParcelToTransfer {
  commune(code: "00004") {
    landParcels(first: 5) { edges { node { id version holdings { share holder { ... on Resident { citizenId } } } } } }
  }
}`,
  },
  {
    name: 'MyDataAccesses',
    persona: 'CITIZEN',
    description: 'Who read my personal data, when and why (newest first).',
    query: `query MyDataAccesses {
  myDataAccesses(first: 20) {
    totalCount
    edges { node { at organisation role purpose fields outcome requestId } }
  }
}`,
  },
  {
    name: 'MyRecord',
    persona: 'CITIZEN',
    description: 'My own record, household and land (the variable is the token’s sub).',
    query: `query MyRecord($citizenId: CitizenId!) {
  resident(citizenId: $citizenId) {
    fullName
    birthDate
    permanentResidence { name province { name } }
    household { id address }
    landParcels { id area }
  }
}`,
    variables: { citizenId: '' },
    variablesFromToken: { citizenId: 'sub' },
  },
  {
    name: 'Units',
    persona: 'PUBLIC',
    description: 'The 34 provinces and their number of communes.',
    query: OPERATIONS.Units,
  },
  {
    name: 'SearchProvinces',
    persona: 'PUBLIC',
    description: 'Provinces by name, ignoring diacritics ("ha noi" finds Hà Nội).',
    query: `query SearchProvinces($search: String) { provinces(search: $search) { code name } }`,
    variables: { search: 'ha noi' },
  },
  {
    name: 'Search',
    persona: 'PUBLIC',
    description: 'Communes by name, in every province.',
    query: `query Search { communes(filter: { search: "hoa binh" }) { edges { node { code fullName province { name } } } } }`,
  },
  {
    name: 'Legacy',
    persona: 'PUBLIC',
    description: 'A pre-reform province code from an old document, and what it became.',
    query: OPERATIONS.Legacy,
  },
];
