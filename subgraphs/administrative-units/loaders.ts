import { In, type DataSource } from 'typeorm';
import { loaderCaches, type EntityCaching } from '../../shared/cache/entityCache';
import type { Jurisdiction } from '../../shared/auth/jurisdiction';
import { groupedLoader, keyedLoader } from '../../shared/db/loaders';
import { keysetSource } from '../../shared/db/keyset';
import { connectionLoaders, type ListKind } from '../../shared/db/pagination';
import { Commune, LegacyUnit, Province, UnitChange } from './entities';

export const COMMUNE_LIST: ListKind = { name: 'commune', keyPattern: /^\d{5}$/ };
export const LEGACY_LIST: ListKind = { name: 'legacy-unit', keyPattern: /^(PROVINCE|DISTRICT|COMMUNE):\d{2,5}$/ };

/** `LEVEL:code`, the key of a pre-reform unit (the code alone is ambiguous across levels). */
export const legacyKey = (level: string, code: string): string => `${level}:${code}`;

const COMMUNE_COLUMNS = `code, name, full_name AS "fullName", type, province_code AS "provinceCode", effective_from::text AS "effectiveFrom"`;

/**
 * Per-request loaders of this subgraph: one SQL statement per batch, whatever the batch size.
 * Administrative units are public: every caller shares one cache key space.
 */
export function createLoaders(db: DataSource, jurisdiction: Jurisdiction, cache: EntityCaching) {
  const { shared } = loaderCaches(cache, 'administrative-units', jurisdiction);
  return {
    provinceByCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(Province).findBy({ code: In([...codes]) }),
      (p) => p.code,
      shared('provinceByCode', ['Province']),
    ),
    communeByCode: keyedLoader(
      (codes: readonly string[]) => db.getRepository(Commune).findBy({ code: In([...codes]) }),
      (c) => c.code,
      shared('communeByCode', ['Commune']),
    ),
    legacyUnitByKey: keyedLoader(
      async (keys: readonly string[]) => {
        const where = keys.map((k) => {
          const [level, code] = k.split(':');
          return { level: level ?? '', code: code ?? '' };
        });
        return db.getRepository(LegacyUnit).find({ where });
      },
      (u) => legacyKey(u.level, u.code),
      shared('legacyUnitByKey', ['LegacyUnit']),
    ),
    /** Today's commune codes that took over a pre-reform unit, by `LEVEL:code`. */
    successorsOf: groupedLoader(
      (keys: readonly string[]): Promise<{ key: string; communeCode: string }[]> =>
        db.query(
          `SELECT level || ':' || legacy_code AS key, commune_code AS "communeCode"
           FROM administrative_units.legacy_successor WHERE (level, legacy_code) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           ORDER BY commune_code`,
          [keys.map((k) => k.split(':')[0]), keys.map((k) => k.split(':')[1])],
        ),
      (r) => r.key,
      shared('successorsOf', ['LegacyUnit', 'Commune']),
    ),
    /** Pre-reform units whose territory went (wholly or partly) into a commune, by commune code. */
    predecessorsByCommune: groupedLoader(
      (codes: readonly string[]): Promise<(LegacyUnit & { communeCode: string })[]> =>
        db.query(
          `SELECT s.commune_code AS "communeCode", u.level, u.code, u.name, u.legacy_province_code AS "legacyProvinceCode",
                u.legacy_district_code AS "legacyDistrictCode", u.new_province_code AS "newProvinceCode", u.status, u.correction
         FROM administrative_units.legacy_successor s
         JOIN administrative_units.legacy_unit u ON u.level = s.level AND u.code = s.legacy_code
         WHERE s.commune_code = ANY($1) ORDER BY u.level, u.code`,
          [codes],
        ),
      (r) => r.communeCode,
      shared('predecessorsByCommune', ['LegacyUnit', 'Commune']),
    ),
    /** Pre-reform provinces merged into a province, by province code. */
    mergedFromByProvince: groupedLoader(
      (codes: readonly string[]) =>
        db.getRepository(LegacyUnit).find({ where: { level: 'PROVINCE', newProvinceCode: In([...codes]) }, order: { code: 'ASC' } }),
      (r) => r.newProvinceCode,
      shared('mergedFromByProvince', ['LegacyUnit', 'Province']),
    ),
    changesByUnit: groupedLoader(
      (keys: readonly string[]) =>
        db.getRepository(UnitChange).find({
          where: keys.map((k) => {
            const [level, code] = k.split(':');
            return { level: level ?? '', code: code ?? '' };
          }),
          order: { effectiveFrom: 'ASC', id: 'ASC' },
        }),
      (r) => legacyKey(r.level, r.code),
      shared('changesByUnit', ['Province', 'Commune']),
    ),
    communesOfProvince: connectionLoaders(
      keysetSource<Commune, string | null>(db, {
        kind: COMMUNE_LIST,
        table: 'administrative_units.commune',
        columns: COMMUNE_COLUMNS,
        parentColumn: 'province_code',
        keyColumn: 'code',
        keyType: 'text',
        filterColumn: 'type',
        keyOf: (c) => c.code,
      }),
      shared('communesOfProvince', ['Commune']),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
export { COMMUNE_COLUMNS };
