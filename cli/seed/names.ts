import { type Random, weighted, type WeightedTable } from './random';
import type { Sex } from './codes';

/**
 * Word lists for synthetic people, places and firms. Frequencies are rough public estimates (the
 * top surnames cover most of the population: Nguyễn alone about 38%), good enough to make lists and
 * searches behave like real ones. Every string is NFC, like the administrative data.
 */

function nfc<T extends readonly (readonly [string, number])[]>(entries: T): [string, number][] {
  return entries.map(([text, weight]) => [text.normalize('NFC'), weight]);
}
function nfcList(items: readonly string[]): string[] {
  return items.map((text) => text.normalize('NFC'));
}

/** Surnames, in percent of the population. Hoàng/Vũ become Huỳnh/Võ mostly in the centre and south. */
const SURNAMES: WeightedTable<string> = weighted(nfc([
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7.1], ['Hoàng', 5.1], ['Phan', 4.5], ['Vũ', 3.9],
  ['Đặng', 2.1], ['Bùi', 2], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1], ['Lý', 0.5],
  ['Đinh', 0.7], ['Đoàn', 0.6], ['Trương', 0.6], ['Đào', 0.6], ['Trịnh', 0.6], ['Mai', 0.5], ['Lương', 0.4],
  ['Cao', 0.4], ['Lâm', 0.4], ['Hà', 0.4], ['Tạ', 0.3], ['Tô', 0.2], ['Châu', 0.2], ['Chu', 0.2], ['Quách', 0.2],
  ['Lưu', 0.2], ['Phùng', 0.2], ['Vương', 0.2], ['Nông', 0.2], ['Kiều', 0.15], ['Thái', 0.15], ['Triệu', 0.15],
  ['La', 0.1], ['Tăng', 0.1], ['Lò', 0.1], ['Văn', 0.1], ['Khúc', 0.05], ['Âu', 0.05], ['Diệp', 0.05],
]));
const SOUTHERN_VARIANTS: Record<string, string> = { 'Hoàng': 'Huỳnh', 'Vũ': 'Võ' };

/** A surname as drawn in a province; `southern` for the provinces from Đà Nẵng southwards. */
export function drawSurname(random: Random, southern: boolean): string {
  const surname = SURNAMES.draw(random);
  const variant = SOUTHERN_VARIANTS[surname];
  if (variant !== undefined && random.chance(southern ? 0.75 : 0.08)) return variant;
  return surname;
}

const MALE_MIDDLE_CLASSIC = weighted(nfc([
  ['Văn', 46], ['Đức', 7], ['Minh', 6], ['Hữu', 6], ['Quốc', 5], ['Công', 5], ['Đình', 5], ['Xuân', 3], ['Quang', 4],
  ['Thanh', 3], ['Ngọc', 2], ['Thế', 2], ['Trọng', 2], ['Mạnh', 1], ['Viết', 1], ['Tiến', 1], ['Duy', 1],
]));
const MALE_MIDDLE_MODERN = weighted(nfc([
  ['Văn', 12], ['Minh', 12], ['Gia', 9], ['Đức', 7], ['Quốc', 6], ['Hoàng', 6], ['Anh', 5], ['Bảo', 6], ['Tuấn', 3],
  ['Duy', 5], ['Nhật', 5], ['Khánh', 4], ['Thành', 4], ['Hữu', 3], ['Trung', 3], ['Quang', 4], ['Đăng', 3], ['Phúc', 2],
]));
const FEMALE_MIDDLE_CLASSIC = weighted(nfc([
  ['Thị', 62], ['Ngọc', 5], ['Thu', 4], ['Thanh', 5], ['Kim', 4], ['Hồng', 4], ['Bích', 2], ['Minh', 2], ['Tuyết', 1],
  ['Mai', 2], ['Xuân', 2], ['Hoài', 1], ['Diệu', 1], ['Phương', 2], ['Cẩm', 1],
]));
const FEMALE_MIDDLE_MODERN = weighted(nfc([
  ['Thị', 18], ['Ngọc', 9], ['Thu', 5], ['Thanh', 5], ['Phương', 5], ['Minh', 5], ['Bảo', 5], ['Khánh', 5], ['Thùy', 4],
  ['Như', 4], ['Quỳnh', 3], ['Hồng', 3], ['Mai', 3], ['Gia', 3], ['Diệu', 2], ['Hoài', 2], ['Ánh', 2], ['Tường', 2],
  ['Hà', 2], ['Kim', 2], ['Cẩm', 1],
]));

const MALE_GIVEN_CLASSIC = nfcList([
  'Anh', 'Bình', 'Chiến', 'Cường', 'Dũng', 'Định', 'Đông', 'Đức', 'Giang', 'Hải', 'Hiển', 'Hiệp', 'Hiếu', 'Hòa', 'Hoàng',
  'Hùng', 'Hưng', 'Huy', 'Khải', 'Khánh', 'Kiên', 'Lâm', 'Lợi', 'Long', 'Lực', 'Mạnh', 'Minh', 'Nam', 'Nghĩa', 'Ninh',
  'Phong', 'Phú', 'Phương', 'Quang', 'Quý', 'Quyết', 'Sơn', 'Tài', 'Tâm', 'Tân', 'Thái', 'Thắng', 'Thành', 'Thịnh',
  'Thông', 'Thuận', 'Tiến', 'Toàn', 'Trí', 'Trung', 'Trọng', 'Tú', 'Tuấn', 'Tùng', 'Vinh', 'Việt', 'Vũ', 'Xuân',
]);
const MALE_GIVEN_MODERN = nfcList([
  'An', 'Anh', 'Bách', 'Bảo', 'Dương', 'Duy', 'Đạt', 'Đăng', 'Hào', 'Hiếu', 'Hoàng', 'Huy', 'Khang', 'Khoa', 'Khôi',
  'Kiệt', 'Lâm', 'Long', 'Luân', 'Minh', 'Nam', 'Nguyên', 'Nhân', 'Nhật', 'Phát', 'Phong', 'Phúc', 'Quân', 'Sang',
  'Sơn', 'Thiện', 'Thịnh', 'Trí', 'Tuấn', 'Tùng', 'Vinh', 'Vũ',
]);
const FEMALE_GIVEN_CLASSIC = nfcList([
  'Bình', 'Cúc', 'Dung', 'Đào', 'Hà', 'Hạnh', 'Hằng', 'Hậu', 'Hiền', 'Hoa', 'Hồng', 'Huệ', 'Hương', 'Lan', 'Liên', 'Loan',
  'Lý', 'Mai', 'Nga', 'Ngân', 'Nguyệt', 'Nhung', 'Oanh', 'Phương', 'Phượng', 'Quyên', 'Sen', 'Tâm', 'Thảo', 'Thắm', 'Thoa',
  'Thơm', 'Thu', 'Thủy', 'Trang', 'Tuyết', 'Vân', 'Xuân', 'Yến',
]);
const FEMALE_GIVEN_MODERN = nfcList([
  'An', 'Anh', 'Châu', 'Chi', 'Diệp', 'Giang', 'Hà', 'Hân', 'Hiền', 'Hương', 'Huyền', 'Linh', 'My', 'Ngân', 'Ngọc', 'Nhi',
  'Nhiên', 'Như', 'Phương', 'Quỳnh', 'Tâm', 'Thảo', 'Thư', 'Tiên', 'Trâm', 'Trang', 'Trinh', 'Tú', 'Uyên', 'Vy', 'Yến',
]);

/** Share of "modern" first and middle names by year of birth: they spread from the 1990s on. */
function modernShare(birthYear: number): number {
  if (birthYear >= 2005) return 0.75;
  if (birthYear >= 1990) return 0.45;
  if (birthYear >= 1975) return 0.2;
  return 0.08;
}

/** Middle and given name ("Văn Hùng", "Ngọc Trâm") for a person of `sex` born in `birthYear`. */
export function drawPersonalName(random: Random, sex: Sex, birthYear: number): string {
  const modern = random.chance(modernShare(birthYear));
  const middles = sex === 'MALE' ? (modern ? MALE_MIDDLE_MODERN : MALE_MIDDLE_CLASSIC) : modern ? FEMALE_MIDDLE_MODERN : FEMALE_MIDDLE_CLASSIC;
  const givens = sex === 'MALE' ? (modern ? MALE_GIVEN_MODERN : MALE_GIVEN_CLASSIC) : modern ? FEMALE_GIVEN_MODERN : FEMALE_GIVEN_CLASSIC;
  const middle = middles.draw(random);
  let given = random.pick(givens);
  if (given === middle) given = random.pick(givens);
  if (given === middle) return given;
  return `${middle} ${given}`;
}

/** Streets named after historical figures and events, found in most Vietnamese towns. */
export const STREETS = nfcList([
  'Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Trãi', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Quang Trung', 'Nguyễn Huệ', 'Lê Duẩn',
  'Điện Biên Phủ', 'Hùng Vương', 'Phan Chu Trinh', 'Phan Bội Châu', 'Nguyễn Du', 'Trần Phú', 'Lê Thánh Tông',
  'Ngô Quyền', 'Bà Triệu', 'Võ Thị Sáu', 'Nguyễn Thị Minh Khai', 'Cách Mạng Tháng Tám', 'Lạc Long Quân', 'Âu Cơ',
  'Tôn Đức Thắng', 'Hoàng Diệu', 'Nguyễn Văn Cừ', 'Lê Hồng Phong', 'Trường Chinh', 'Nguyễn Chí Thanh', 'Phạm Văn Đồng',
  'Võ Văn Kiệt', 'Nguyễn Văn Linh', 'Lý Thái Tổ', 'Đinh Tiên Hoàng', 'Chu Văn An', 'Hàm Nghi', 'Trần Quang Khải',
  'Lê Lai', 'Nguyễn Thái Học', 'Phạm Ngũ Lão', 'Yết Kiêu', 'Lê Văn Tám', 'Nguyễn Đình Chiểu', 'Tô Hiến Thành',
  'Nguyễn Công Trứ', 'Hoàng Văn Thụ', 'Lê Quý Đôn', 'Nguyễn Bỉnh Khiêm', 'Trần Nhân Tông', 'Lý Tự Trọng',
  'Nguyễn Khuyến', 'Huỳnh Thúc Kháng', 'Phan Đình Phùng', 'Hồ Tùng Mậu', 'Kim Đồng', 'Trần Quốc Toản', '30 Tháng 4',
  'Nguyễn Tất Thành', 'Võ Nguyên Giáp', 'Hoàng Hoa Thám', 'Mạc Đĩnh Chi',
]);

/** Names of villages, hamlets and residential quarters. */
export const HAMLETS = nfcList([
  'Đông', 'Tây', 'Nam', 'Bắc', 'Thượng', 'Hạ', 'Trung', 'An Phú', 'Tân Lập', 'Phú Lợi', 'Hòa Bình', 'Tân Thành', 'Bình An',
  'Đồng Tâm', 'Quyết Thắng', 'Thắng Lợi', 'Thành Công', 'Đoàn Kết', 'Tiền Phong', 'Hưng Long', 'Phú Mỹ', 'Tân Hòa',
  'Mỹ Lộc', 'Vĩnh Phúc', 'Đông Hòa', 'Tây Sơn', 'Phước Lộc', 'An Bình', 'Long Thạnh', 'Bình Minh', 'Xuân Đài', 'Cầu Mới',
  'Đồng Văn', 'Gò Cát', 'Bến Đò', 'Vườn Mít', 'Cây Da', 'Giồng Trôm', 'Na Hang', 'Nà Phặc', 'Bản Mế', 'Khe Lim',
]);

/** Names given to industrial parks and clusters. */
export const INDUSTRIAL_PARKS = nfcList([
  'Tân Tạo', 'Sóng Thần', 'Quang Minh', 'Thăng Long', 'VSIP', 'Nhơn Trạch', 'Đình Vũ', 'Phố Nối', 'Yên Phong',
  'Long Hậu', 'Hòa Khánh', 'Tiên Sơn', 'Đồng An', 'Mỹ Phước', 'Bắc Thăng Long', 'Phú Nghĩa', 'Tràng Duệ', 'Amata',
]);

/** Words combined into trade names ("Minh Phát", "Hưng Thịnh"). */
const BRAND_FIRST = nfcList([
  'An', 'Bảo', 'Đại', 'Đức', 'Gia', 'Hải', 'Hoàng', 'Hồng', 'Hưng', 'Kim', 'Minh', 'Nam', 'Ngọc', 'Phú', 'Phúc', 'Phương',
  'Quang', 'Sao', 'Tân', 'Thái', 'Thành', 'Thiên', 'Thịnh', 'Toàn', 'Trường', 'Tuấn', 'Vạn', 'Việt', 'Vĩnh', 'Xuân',
]);
const BRAND_SECOND = nfcList([
  'Anh', 'Bình', 'Cường', 'Đạt', 'Dương', 'Gia', 'Hà', 'Hải', 'Hưng', 'Khang', 'Lộc', 'Long', 'Minh', 'Nam', 'Phát',
  'Phong', 'Phú', 'Sơn', 'Tài', 'Tâm', 'Thành', 'Thịnh', 'Tiến', 'Trung', 'Uy', 'Việt', 'Vinh', 'Vượng', 'Sáng', 'Á',
]);

/** A two-word trade name, sometimes followed by a geographic word. */
export function drawBrand(random: Random): string {
  const first = random.pick(BRAND_FIRST);
  let second = random.pick(BRAND_SECOND);
  if (second === first) second = random.pick(BRAND_SECOND);
  const brand = second === first ? first : `${first} ${second}`;
  const roll = random.next();
  if (roll < 0.06) return `${brand} Việt Nam`;
  if (roll < 0.09) return `${brand} Quốc tế`;
  return brand;
}
