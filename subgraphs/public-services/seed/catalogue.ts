import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pick, rng } from './random';

/**
 * The synthetic procedure catalogue, provincial departments and provincial service centres (see
 * README.md for provenance and calibration). Pure and deterministic: the same every time.
 */

export interface ProcedureRow {
  code: string;
  name: string;
  field: string;
  level: 'PROVINCE' | 'COMMUNE';
  timeLimit: number;
  timeUnit: 'HOURS' | 'WORKING_DAYS';
  hasFee: boolean;
  onlineLevel: 'NONE' | 'PARTIAL' | 'FULL';
  paperResult: boolean;
  publishedOn: string | null;
  legalBasisOn: string;
  legalBasis: string;
  /** For provincial procedures: the index of the department (DEPARTMENTS) that receives them. */
  department: number | null;
}

/** Departments of every province after the 2025 reorganisation (a representative set, the same in each province). */
export const DEPARTMENTS = [
  'Sở Nội vụ',
  'Sở Tư pháp',
  'Sở Tài chính',
  'Sở Xây dựng',
  'Sở Nông nghiệp và Môi trường',
  'Sở Công Thương',
  'Sở Khoa học và Công nghệ',
  'Sở Giáo dục và Đào tạo',
  'Sở Y tế',
  'Sở Văn hoá, Thể thao và Du lịch',
  'Ban Quản lý các khu công nghiệp',
] as const;

/** Fields of procedures and their typical actions; for provincial fields, the department that receives them. */
const FIELDS: readonly { field: string; level: 'PROVINCE' | 'COMMUNE'; department: number | null; actions: readonly string[] }[] = [
  {
    field: 'Hộ tịch',
    level: 'COMMUNE',
    department: null,
    actions: [
      'Đăng ký khai sinh',
      'Đăng ký kết hôn',
      'Đăng ký khai tử',
      'Đăng ký nhận cha, mẹ, con',
      'Cấp bản sao trích lục hộ tịch',
      'Đăng ký giám hộ',
      'Xác nhận tình trạng hôn nhân',
      'Thay đổi, cải chính hộ tịch',
    ],
  },
  {
    field: 'Chứng thực',
    level: 'COMMUNE',
    department: null,
    actions: ['Chứng thực bản sao từ bản chính', 'Chứng thực chữ ký', 'Chứng thực hợp đồng, giao dịch', 'Chứng thực di chúc'],
  },
  {
    field: 'Bảo trợ xã hội',
    level: 'COMMUNE',
    department: null,
    actions: ['Trợ cấp xã hội hằng tháng', 'Hỗ trợ chi phí mai táng', 'Xác định mức độ khuyết tật', 'Trợ giúp xã hội khẩn cấp'],
  },
  {
    field: 'Đất đai',
    level: 'COMMUNE',
    department: null,
    actions: ['Hoà giải tranh chấp đất đai', 'Xác nhận hiện trạng sử dụng đất', 'Đăng ký biến động đất đai'],
  },
  {
    field: 'Hộ kinh doanh',
    level: 'COMMUNE',
    department: null,
    actions: ['Đăng ký thành lập hộ kinh doanh', 'Thay đổi nội dung đăng ký hộ kinh doanh', 'Tạm ngừng kinh doanh hộ kinh doanh'],
  },
  {
    field: 'Xây dựng',
    level: 'COMMUNE',
    department: null,
    actions: ['Cấp giấy phép xây dựng nhà ở riêng lẻ', 'Gia hạn giấy phép xây dựng'],
  },
  {
    field: 'Đăng ký doanh nghiệp',
    level: 'PROVINCE',
    department: 2,
    actions: [
      'Đăng ký thành lập doanh nghiệp',
      'Đăng ký thay đổi nội dung đăng ký doanh nghiệp',
      'Thông báo tạm ngừng kinh doanh',
      'Giải thể doanh nghiệp',
      'Đăng ký hoạt động chi nhánh',
    ],
  },
  {
    field: 'Đầu tư',
    level: 'PROVINCE',
    department: 2,
    actions: ['Chấp thuận chủ trương đầu tư', 'Điều chỉnh dự án đầu tư', 'Cấp giấy chứng nhận đăng ký đầu tư'],
  },
  {
    field: 'Tư pháp',
    level: 'PROVINCE',
    department: 1,
    actions: ['Cấp phiếu lý lịch tư pháp', 'Đăng ký hành nghề luật sư', 'Cấp thẻ công chứng viên', 'Thành lập văn phòng công chứng'],
  },
  {
    field: 'Xây dựng',
    level: 'PROVINCE',
    department: 3,
    actions: ['Cấp giấy phép xây dựng công trình', 'Thẩm định báo cáo nghiên cứu khả thi', 'Cấp chứng chỉ hành nghề xây dựng'],
  },
  {
    field: 'Giao thông vận tải',
    level: 'PROVINCE',
    department: 3,
    actions: ['Cấp đổi giấy phép lái xe', 'Cấp giấy phép kinh doanh vận tải', 'Cấp phù hiệu xe', 'Đăng ký phương tiện thuỷ nội địa'],
  },
  {
    field: 'Đất đai',
    level: 'PROVINCE',
    department: 4,
    actions: [
      'Cấp giấy chứng nhận quyền sử dụng đất lần đầu',
      'Giao đất, cho thuê đất',
      'Chuyển mục đích sử dụng đất',
      'Đăng ký biến động quyền sử dụng đất',
      'Cấp đổi giấy chứng nhận',
    ],
  },
  {
    field: 'Môi trường',
    level: 'PROVINCE',
    department: 4,
    actions: ['Cấp giấy phép môi trường', 'Thẩm định báo cáo đánh giá tác động môi trường', 'Cấp phép khai thác nước dưới đất'],
  },
  {
    field: 'Nông nghiệp',
    level: 'PROVINCE',
    department: 4,
    actions: ['Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm', 'Cấp giấy phép khai thác thuỷ sản', 'Kiểm dịch động vật'],
  },
  {
    field: 'Công thương',
    level: 'PROVINCE',
    department: 5,
    actions: [
      'Cấp giấy phép bán lẻ rượu',
      'Cấp giấy chứng nhận đủ điều kiện kinh doanh xăng dầu',
      'Đăng ký tổ chức hội chợ, triển lãm',
      'Cấp giấy phép hoạt động điện lực',
    ],
  },
  {
    field: 'Khoa học công nghệ',
    level: 'PROVINCE',
    department: 6,
    actions: ['Cấp giấy phép sử dụng thiết bị bức xạ', 'Đăng ký kết quả nhiệm vụ khoa học', 'Cấp phép tần số vô tuyến điện'],
  },
  {
    field: 'Giáo dục',
    level: 'PROVINCE',
    department: 7,
    actions: ['Cấp bản sao văn bằng', 'Công nhận trường đạt chuẩn', 'Cho phép hoạt động giáo dục', 'Chuyển trường'],
  },
  {
    field: 'Y tế',
    level: 'PROVINCE',
    department: 8,
    actions: [
      'Cấp chứng chỉ hành nghề khám chữa bệnh',
      'Cấp giấy phép hoạt động phòng khám',
      'Cấp giấy chứng nhận đủ điều kiện kinh doanh dược',
    ],
  },
  {
    field: 'Văn hoá',
    level: 'PROVINCE',
    department: 9,
    actions: ['Cấp giấy phép kinh doanh lữ hành', 'Cấp giấy phép tổ chức biểu diễn', 'Công nhận hạng cơ sở lưu trú du lịch'],
  },
  {
    field: 'Nội vụ',
    level: 'PROVINCE',
    department: 0,
    actions: ['Thành lập hội', 'Phê duyệt điều lệ hội', 'Công nhận quỹ xã hội', 'Tặng thưởng danh hiệu thi đua'],
  },
  {
    field: 'Lao động',
    level: 'PROVINCE',
    department: 0,
    actions: ['Cấp giấy phép lao động cho người nước ngoài', 'Đăng ký nội quy lao động', 'Cấp giấy phép cho thuê lại lao động'],
  },
  {
    field: 'Khu công nghiệp',
    level: 'PROVINCE',
    department: 10,
    actions: [
      'Cấp giấy phép lao động trong khu công nghiệp',
      'Điều chỉnh quy hoạch chi tiết khu công nghiệp',
      'Xác nhận hợp đồng thuê đất trong khu công nghiệp',
    ],
  },
];

/** Variants that turn one action into several procedures of the catalogue (new issue, renewal, re-issue …). */
const VARIANTS = ['', ' (cấp lại)', ' (điều chỉnh)', ' có yếu tố nước ngoài', ' (gia hạn)'];

const CATALOGUE_SEED = 766;

/**
 * About 300 procedures: every action of FIELDS in up to five variants; codes `1.00NNNN` for
 * commune-level and `2.00NNNN` for provincial ones (synthetic numbering in the national format).
 * Calibrated to the public shape of the national catalogue: most procedures online (about 45% fully,
 * 35% partially), about half with a fee, most published, time limits from hours to 30 working days.
 */
export function generateCatalogue(): ProcedureRow[] {
  const random = rng(CATALOGUE_SEED);
  const rows: ProcedureRow[] = [];
  let n = 1;
  for (const f of FIELDS) {
    for (const action of f.actions) {
      const variants = 2 + Math.floor(random() * (VARIANTS.length - 1));
      for (let v = 0; v < variants; v++) {
        const online = random();
        const hours = random() < 0.15;
        const year = 2021 + Math.floor(random() * 4);
        const legalBasisOn = `${year}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-01`;
        const published = random() < 0.96;
        rows.push({
          code: `${f.level === 'COMMUNE' ? 1 : 2}.${String(5000 + n * 7).padStart(6, '0')}`,
          name: `${action}${VARIANTS[v]}`,
          field: f.field,
          level: f.level,
          timeLimit: hours ? pick(random, [4, 8, 24, 48]) : pick(random, [1, 2, 3, 5, 7, 10, 15, 20, 30]),
          timeUnit: hours ? 'HOURS' : 'WORKING_DAYS',
          hasFee: random() < 0.55,
          onlineLevel: online < 0.45 ? 'FULL' : online < 0.8 ? 'PARTIAL' : 'NONE',
          paperResult: random() < 0.7,
          publishedOn: published ? `${Math.max(year, 2023)}-${String(1 + Math.floor(random() * 6)).padStart(2, '0')}-15` : null,
          legalBasisOn,
          legalBasis: `Văn bản quy phạm pháp luật tổng hợp số ${n}/${year} (tổng hợp)`,
          department: f.department,
        });
        n += 1;
      }
    }
  }
  return rows;
}

export interface ProvinceRef {
  code: string;
  name: string;
}

/** The 34 provinces in force since 1 July 2025 (copied from the administrative units' reference data; see README.md). */
export function loadProvinces(): ProvinceRef[] {
  return JSON.parse(readFileSync(join(__dirname, 'provinces.json'), 'utf8')) as ProvinceRef[];
}

/** A department's agency code `000.00.NN.HPP` (NN: 01 + its index in DEPARTMENTS). */
export const departmentCode = (index: number, provinceCode: string) => `000.00.${String(index + 1).padStart(2, '0')}.H${provinceCode}`;

export function generateDepartments(): { code: string; provinceCode: string; name: string }[] {
  return loadProvinces().flatMap((p) =>
    DEPARTMENTS.map((name, i) => ({ code: departmentCode(i, p.code), provinceCode: p.code, name: `${name} ${p.name}` })),
  );
}
