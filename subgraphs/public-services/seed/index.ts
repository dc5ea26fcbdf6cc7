import type { DataSource } from 'typeorm';
import { generateCatalogue, generateDepartments, loadProvinces } from './catalogue';

export { generateCatalogue, generateDepartments, departmentCode, DEPARTMENTS } from './catalogue';
export { generateDossiers, insertSeedDossiers, insertWorldDossiers, type DossierSeedOptions, type WorldDossierRows } from './dossiers';

/**
 * Loads the reference data of this subgraph (idempotent; rows are updated in place): the synthetic
 * procedure catalogue, the provincial departments and each province's service centre.
 */
export async function seedCatalogue(db: DataSource): Promise<void> {
  const procedures = generateCatalogue();
  const departments = generateDepartments();
  const provinces = loadProvinces();
  await db.transaction(async (m) => {
    await m.query(
      `INSERT INTO public_services.procedure (code, name, field, level, time_limit, time_unit, has_fee, online_level, paper_result, published_on, legal_basis_on, legal_basis)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::bool[], $8::text[], $9::bool[], $10::date[], $11::date[], $12::text[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, field = EXCLUDED.field, level = EXCLUDED.level, time_limit = EXCLUDED.time_limit,
         time_unit = EXCLUDED.time_unit, has_fee = EXCLUDED.has_fee, online_level = EXCLUDED.online_level, paper_result = EXCLUDED.paper_result,
         published_on = EXCLUDED.published_on, legal_basis_on = EXCLUDED.legal_basis_on, legal_basis = EXCLUDED.legal_basis`,
      [
        procedures.map((p) => p.code),
        procedures.map((p) => p.name),
        procedures.map((p) => p.field),
        procedures.map((p) => p.level),
        procedures.map((p) => p.timeLimit),
        procedures.map((p) => p.timeUnit),
        procedures.map((p) => p.hasFee),
        procedures.map((p) => p.onlineLevel),
        procedures.map((p) => p.paperResult),
        procedures.map((p) => p.publishedOn),
        procedures.map((p) => p.legalBasisOn),
        procedures.map((p) => p.legalBasis),
      ],
    );
    await m.query(
      `INSERT INTO public_services.department (code, province_code, name) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, province_code = EXCLUDED.province_code`,
      [departments.map((d) => d.code), departments.map((d) => d.provinceCode), departments.map((d) => d.name)],
    );
    await m.query(
      `INSERT INTO public_services.service_centre (code, name, level, province_code, commune_code)
       SELECT 'TTPVHCC.' || c, 'Trung tâm Phục vụ hành chính công ' || n, 'PROVINCE', c, NULL FROM unnest($1::text[], $2::text[]) AS p(c, n)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name`,
      [provinces.map((p) => p.code), provinces.map((p) => p.name)],
    );
  });
}
