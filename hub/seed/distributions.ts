import type { EnterpriseStatus, LegalForm } from '../../subgraphs/enterprise/seed';
import { weighted, type WeightedTable } from './random';

/**
 * The distributions the synthetic world is drawn from, apart from the generator (world.ts) that
 * draws them: regional conventions (hamlets, alleys, farmland by region), household sizes,
 * enterprises (legal forms, status, capital, sectors, industry codes, their land) and parcel
 * areas. Each states its calibration; the generator's determinism contract does not depend on
 * their values, only on drawing them in the same order.
 */

export type CommuneType = 'xã' | 'phường' | 'đặc khu';

/** Conventions that differ across the country: surnames, the words for hamlets and alleys, farmland. */
export interface Region {
  southern: boolean;
  hamlet: WeightedTable<string>;
  alley: string;
  quarter: string;
  farmland: WeightedTable<string>;
}

export const FARMLAND = {
  delta: weighted([
    ['LUC', 55],
    ['LUK', 8],
    ['BHK', 15],
    ['CLN', 10],
    ['NTS', 12],
  ]),
  mekong: weighted([
    ['LUC', 42],
    ['LUK', 6],
    ['CLN', 22],
    ['NTS', 22],
    ['BHK', 8],
  ]),
  highlands: weighted([
    ['CLN', 45],
    ['BHK', 15],
    ['NHK', 10],
    ['RSX', 15],
    ['LUK', 10],
    ['LUC', 5],
  ]),
  mountains: weighted([
    ['LUK', 20],
    ['LUC', 10],
    ['NHK', 20],
    ['RSX', 30],
    ['CLN', 15],
    ['BHK', 5],
  ]),
  coast: weighted([
    ['LUC', 35],
    ['LUK', 10],
    ['BHK', 15],
    ['CLN', 12],
    ['RSX', 18],
    ['NTS', 9],
    ['LMU', 1],
  ]),
  southeast: weighted([
    ['CLN', 50],
    ['LUC', 15],
    ['BHK', 15],
    ['NTS', 10],
    ['RSX', 10],
  ]),
};
export const MEKONG = new Set(['80', '82', '86', '91', '92', '96']);
export const HIGHLANDS = new Set(['52', '66', '68']);
export const MOUNTAINS = new Set(['04', '08', '11', '12', '14', '15', '19', '20']);
export const DELTA = new Set(['01', '24', '25', '31', '33', '37']);
export const SOUTHEAST = new Set(['75', '79']);

export function regionOf(provinceCode: string): Region {
  const n = Number(provinceCode);
  const south = MEKONG.has(provinceCode) || SOUTHEAST.has(provinceCode);
  let hamlet: WeightedTable<string>;
  if (south) hamlet = weighted([['ấp', 1]]);
  else if (['11', '12', '14'].includes(provinceCode))
    hamlet = weighted([
      ['bản', 5],
      ['thôn', 4],
      ['tổ', 1],
    ]);
  else if (['19', '25', '40', '42'].includes(provinceCode))
    hamlet = weighted([
      ['xóm', 4],
      ['thôn', 6],
    ]);
  else if (provinceCode === '66')
    hamlet = weighted([
      ['buôn', 3],
      ['thôn', 7],
    ]);
  else if (provinceCode === '52')
    hamlet = weighted([
      ['làng', 2],
      ['thôn', 8],
    ]);
  else hamlet = weighted([['thôn', 1]]);
  const farmland = MEKONG.has(provinceCode)
    ? FARMLAND.mekong
    : HIGHLANDS.has(provinceCode)
      ? FARMLAND.highlands
      : MOUNTAINS.has(provinceCode)
        ? FARMLAND.mountains
        : DELTA.has(provinceCode)
          ? FARMLAND.delta
          : SOUTHEAST.has(provinceCode)
            ? FARMLAND.southeast
            : FARMLAND.coast;
  return {
    southern: n >= 48,
    hamlet,
    alley: south ? 'hẻm' : ['46', '48'].includes(provinceCode) ? 'kiệt' : 'ngõ',
    quarter: south ? 'khu phố' : 'tổ dân phố',
    farmland,
  };
}

/** Household sizes: mean ≈ 3.5 persons, as in the 2019 census. */
export const HOUSEHOLD_SIZE = weighted([
  [1, 10],
  [2, 17],
  [3, 22],
  [4, 27],
  [5, 13],
  [6, 7],
  [7, 4],
]);

export const LEGAL_FORM: WeightedTable<LegalForm> = weighted([
  ['SINGLE_MEMBER_LLC', 44],
  ['MULTI_MEMBER_LLC', 30],
  ['JOINT_STOCK_COMPANY', 15.5],
  ['SOLE_PROPRIETORSHIP', 10],
  ['PARTNERSHIP', 0.5],
]);
export const STATUS: WeightedTable<EnterpriseStatus> = weighted([
  ['ACTIVE', 85],
  ['SUSPENDED', 8],
  ['DISSOLVED', 7],
]);

/** Charter capital range in VND per legal form (log-uniform, rounded to two significant digits). */
export const CAPITAL: Record<LegalForm, [number, number]> = {
  SOLE_PROPRIETORSHIP: [100e6, 5e9],
  PARTNERSHIP: [500e6, 20e9],
  SINGLE_MEMBER_LLC: [100e6, 50e9],
  MULTI_MEMBER_LLC: [500e6, 100e9],
  JOINT_STOCK_COMPANY: [1e9, 500e9],
};

export type SectorKind = 'trade' | 'service' | 'industry' | 'agriculture';

/** A line of business: words for the trade name and its VSIC 2018 activity codes (main activity first). */
export interface Sector {
  kind: SectorKind;
  phrases: string[];
  codes: string[];
}

export const SECTORS = {
  trade: {
    kind: 'trade',
    phrases: ['Thương mại', 'Thương mại và Dịch vụ', 'Thương mại Dịch vụ Tổng hợp', 'Xuất nhập khẩu'],
    codes: ['4659', '4669', '4649', '4690', '4610', '4632', '4641', '4663', '4652', '4620'],
  },
  construction: {
    kind: 'service',
    phrases: ['Xây dựng', 'Đầu tư Xây dựng', 'Xây dựng và Thương mại', 'Kiến trúc và Xây dựng'],
    codes: ['4101', '4102', '4212', '4299', '4321', '4322', '4330', '4390', '7110', '4663'],
  },
  software: {
    kind: 'service',
    phrases: ['Công nghệ', 'Giải pháp Phần mềm', 'Công nghệ Thông tin', 'Công nghệ Số'],
    codes: ['6201', '6202', '6209', '6311', '5820', '4651', '7310'],
  },
  food: {
    kind: 'service',
    phrases: ['Dịch vụ Ăn uống', 'Nhà hàng', 'Khách sạn và Du lịch', 'Du lịch'],
    codes: ['5610', '5630', '5621', '5510', '7911', '7912'],
  },
  transport: {
    kind: 'service',
    phrases: ['Vận tải', 'Vận tải và Logistics', 'Giao nhận Vận tải', 'Vận tải Hành khách'],
    codes: ['4933', '4932', '5210', '5229', '5320', '5022'],
  },
  garments: { kind: 'industry', phrases: ['May mặc', 'Dệt may', 'Thời trang'], codes: ['1410', '1430', '1312', '4641', '4771'] },
  farming: {
    kind: 'agriculture',
    phrases: ['Nông nghiệp', 'Nông sản', 'Chăn nuôi', 'Thủy sản'],
    codes: ['0111', '0118', '0121', '0126', '0145', '0146', '0322', '4620'],
  },
  foodProcessing: {
    kind: 'industry',
    phrases: ['Thực phẩm', 'Chế biến Thực phẩm', 'Chế biến Nông sản'],
    codes: ['1010', '1020', '1061', '1079', '1080', '4632'],
  },
  engineering: {
    kind: 'industry',
    phrases: ['Cơ khí', 'Sản xuất và Thương mại', 'Kỹ thuật Công nghiệp', 'Nhựa', 'Bao bì'],
    codes: ['2511', '2592', '3312', '2220', '1702', '2599', '4659'],
  },
  furniture: { kind: 'industry', phrases: ['Nội thất', 'Đồ gỗ'], codes: ['3100', '1622', '4649', '4759'] },
  realEstate: { kind: 'service', phrases: ['Bất động sản', 'Đầu tư Bất động sản', 'Địa ốc'], codes: ['6810', '6820', '4101', '7110'] },
  consulting: {
    kind: 'service',
    phrases: ['Tư vấn', 'Tư vấn Đầu tư', 'Kế toán Thuế', 'Tư vấn Quản lý'],
    codes: ['7020', '6920', '7320', '8299'],
  },
  education: { kind: 'service', phrases: ['Giáo dục', 'Đào tạo', 'Giáo dục và Đào tạo'], codes: ['8559', '8560'] },
  health: { kind: 'trade', phrases: ['Dược phẩm', 'Thiết bị Y tế', 'Y tế'], codes: ['4772', '8620', '4649', '4659'] },
  energy: { kind: 'industry', phrases: ['Năng lượng', 'Điện mặt trời'], codes: ['3511', '4321', '4659'] },
  automotive: { kind: 'trade', phrases: ['Ô tô', 'Dịch vụ Ô tô'], codes: ['4511', '4520', '4530'] },
  media: { kind: 'service', phrases: ['Truyền thông', 'Quảng cáo', 'Sự kiện'], codes: ['7310', '8230', '1811'] },
  fuel: { kind: 'trade', phrases: ['Xăng dầu'], codes: ['4730', '4661'] },
  law: { kind: 'service', phrases: ['Luật'], codes: ['6910'] },
  audit: { kind: 'service', phrases: ['Kiểm toán'], codes: ['6920', '7020'] },
  design: { kind: 'service', phrases: ['Tư vấn Thiết kế'], codes: ['7110', '7410'] },
} satisfies Record<string, Sector>;

export const COMPANY_SECTOR = weighted<Sector>([
  [SECTORS.trade, 30],
  [SECTORS.construction, 15],
  [SECTORS.software, 7],
  [SECTORS.food, 8],
  [SECTORS.transport, 7],
  [SECTORS.garments, 5],
  [SECTORS.farming, 5],
  [SECTORS.foodProcessing, 4],
  [SECTORS.engineering, 6],
  [SECTORS.furniture, 3],
  [SECTORS.realEstate, 4],
  [SECTORS.consulting, 5],
  [SECTORS.education, 2],
  [SECTORS.health, 2],
  [SECTORS.energy, 1],
  [SECTORS.automotive, 2],
  [SECTORS.media, 2],
]);
export const PROPRIETORSHIP_SECTOR = weighted<Sector>([
  [SECTORS.trade, 35],
  [SECTORS.food, 15],
  [SECTORS.transport, 12],
  [SECTORS.farming, 12],
  [SECTORS.fuel, 10],
  [SECTORS.construction, 8],
  [SECTORS.furniture, 5],
  [SECTORS.foodProcessing, 3],
]);
export const PARTNERSHIP_SECTOR = weighted<Sector>([
  [SECTORS.law, 6],
  [SECTORS.audit, 2],
  [SECTORS.design, 2],
]);

export const INDUSTRY_CODE_COUNT = weighted([
  [1, 25],
  [2, 30],
  [3, 25],
  [4, 20],
]);
export const ENTERPRISE_PARCELS = weighted([
  [0, 50],
  [1, 33],
  [2, 12],
  [3, 5],
]);
export const ENTERPRISE_LAND: Record<SectorKind, WeightedTable<string>> = {
  industry: weighted([
    ['SKC', 55],
    ['SKK', 35],
    ['TMD', 10],
  ]),
  trade: weighted([
    ['TMD', 55],
    ['ODT', 35],
    ['SKC', 10],
  ]),
  service: weighted([
    ['TMD', 55],
    ['ODT', 35],
    ['SKC', 10],
  ]),
  agriculture: weighted([
    ['SKC', 60],
    ['TMD', 40],
  ]),
};
export const RURAL_FARM_PARCELS = weighted([
  [0, 15],
  [1, 27],
  [2, 29],
  [3, 19],
  [4, 10],
]);

/** Parcel areas in m² by land use (log-uniform). */
export const AREA: Record<string, [number, number]> = {
  ODT: [40, 300],
  ONT: [100, 1000],
  LUC: [300, 5000],
  LUK: [300, 3000],
  BHK: [200, 3000],
  NHK: [500, 8000],
  CLN: [500, 10000],
  NTS: [500, 20000],
  RSX: [5000, 100000],
  LMU: [1000, 10000],
  TMD: [80, 5000],
  SKC: [300, 30000],
  SKK: [5000, 150000],
};

/** Where people who live away from home go, and where firms register outside their founder's province. */
export const DESTINATION = weighted([
  ['79', 35],
  ['01', 25],
  ['75', 8],
  ['31', 6],
  ['48', 6],
  ['24', 6],
  ['92', 3],
  ['56', 3],
  ['22', 3],
  ['33', 2],
  ['80', 3],
]);

/** Share of adults (22–70) who are the legal representative of an enterprise, by kind of commune. */
export const FOUNDER_RATE: Record<CommuneType, number> = { phường: 0.134, xã: 0.042, 'đặc khu': 0.067 };
