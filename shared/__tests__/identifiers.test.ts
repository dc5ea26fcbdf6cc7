import { CitizenIdScalar, DateScalar, TaxCodeScalar } from '../graphql/scalars';
import { currentVietnamYear, decodeCitizenId, normaliseTaxCode } from '../graphql/identifiers';

/** The identifier rules, as families: every century/sex digit, every year around "now", every written form. */
describe('citizen ID: birth years that cannot be are refused', () => {
  const now = new Date('2026-06-15T00:00:00Z');

  test.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('century/sex digit %i', (digit) => {
    // Digits 0/1 are 1900–1999, 2/3 2000–2099; 4–9 are the 22nd to 24th centuries: never yet.
    const decoded = decodeCitizenId(`001${digit}85000123`, now);
    if (digit <= 1) expect(decoded).toMatchObject({ birthYear: 1985, sex: digit === 0 ? 'MALE' : 'FEMALE' });
    else if (digit <= 3)
      expect(decoded).toBeNull(); // 2085
    else expect(decoded).toBeNull();
  });

  test('21st-century years up to the current one only (in Vietnam time)', () => {
    for (let yy = 0; yy <= 99; yy++) {
      const id = `0792${String(yy).padStart(2, '0')}000001`;
      expect({ yy, ok: decodeCitizenId(id, now) !== null }).toEqual({ yy, ok: 2000 + yy <= 2026 });
    }
    // 31 December 2026, 18:00 UTC is already 2027 in Vietnam.
    expect(currentVietnamYear(new Date('2026-12-31T18:00:00Z'))).toBe(2027);
    expect(decodeCitizenId('079227000001', new Date('2026-12-31T18:00:00Z'))).not.toBeNull();
    expect(decodeCitizenId('079227000001', new Date('2026-12-31T16:00:00Z'))).toBeNull();
  });

  test('the scalar refuses what the decoder refuses', () => {
    const next = String((currentVietnamYear() + 1) % 100).padStart(2, '0');
    for (const id of ['001485000123', '001885000123', '001985000123', `0012${next}000001`, `0013${next}000001`]) {
      expect(() => CitizenIdScalar.parseValue(id)).toThrow(/Invalid CitizenId/);
    }
    expect(CitizenIdScalar.parseValue('001085000123')).toBe('001085000123');
  });
});

describe('tax code: written forms normalised, everything else refused', () => {
  const code = '0100109106';
  test.each([
    [code, code],
    [` ${code} `, code],
    [`${code}\u00a0`, code],
    [`${code}001`, `${code}001`],
    [`${code}-001`, `${code}001`],
    [`${code} - 001`, `${code}001`],
    [`${code} -001`, `${code}001`],
    [`${code} 001`, `${code}001`],
    [`${code}\u2013001`, `${code}001`],
    [`${code}\u2010999`, `${code}999`],
  ])('%j is %s', (written, canonical) => {
    expect(normaliseTaxCode(written)).toBe(canonical);
    expect(TaxCodeScalar.parseValue(written)).toBe(canonical);
  });

  test.each([
    '0100109107',
    `${code}-000`,
    `${code}000`,
    `${code}-01`,
    `${code}-0001`,
    `${code}--001`,
    `${code}/001`,
    `${code}.001`,
    `${code}  001`,
    `${code}\t001`,
    '01 00109106',
    '0100-109-106',
    `MST ${code}`,
    `${code}-`,
    `-${code}`,
    '',
    '０１００１０９１０６',
    `${code}\n`,
  ])('%j is refused', (written) => {
    expect(normaliseTaxCode(written)).toBeNull();
    expect(() => TaxCodeScalar.parseValue(written)).toThrow(/Invalid TaxCode/);
  });
});

describe('Date: only days of the calendar', () => {
  test.each(['2025-02-29', '2025-02-30', '2024-02-30', '2025-04-31', '2025-13-01', '2025-00-01', '2025-01-00', '2025-1-01'])(
    '%s is refused',
    (day) => {
      expect(() => DateScalar.parseValue(day)).toThrow(/calendar date/);
    },
  );
  test.each(['2024-02-29', '2025-12-31', '1900-01-01'])('%s is a day', (day) => {
    expect(DateScalar.parseValue(day)).toBe(day);
  });
});
