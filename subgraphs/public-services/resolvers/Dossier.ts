import type { Context } from '../context';
import { deadlineOf } from '../deadlines';
import { decidedOnTime } from '../evaluation/counters';
import type { DossierRow } from '../loaders';
import { STATUS_CODES, type DossierStatus } from '../status';

const at = (v: Date | string | null) => (v === null ? null : new Date(v));

export const Dossier = {
  __resolveReference: (ref: { number: string }, ctx: Context) => ctx.loaders.dossierByNumber.load(ref.number),
  procedure: (d: DossierRow, _: unknown, ctx: Context) => ctx.loaders.procedureByCode.load(d.procedureCode),
  receivingUnitType: (d: DossierRow) => d.unitType,
  receivingUnitCode: (d: DossierRow) => d.unitCode,
  commune: (d: DossierRow) => (d.communeCode ? { code: d.communeCode } : null),
  department: (d: DossierRow, _: unknown, ctx: Context) =>
    d.unitType === 'DEPARTMENT' ? ctx.loaders.departmentByCode.load(d.unitCode) : null,
  province: (d: DossierRow) => ({ code: d.provinceCode }),
  applicant: (d: DossierRow) =>
    d.applicantType === 'RESIDENT'
      ? { __typename: 'Resident', citizenId: d.applicantId }
      : { __typename: 'Enterprise', taxCode: d.applicantId },
  statusCode: (d: DossierRow) => STATUS_CODES[d.status as DossierStatus],
  deadline: (d: DossierRow) => deadlineOf({ status: d.status, dueAt: at(d.dueAt)! }, new Date()),
  onTime: (d: DossierRow) =>
    d.finishedAt === null ? null : decidedOnTime({ finishedAt: at(d.finishedAt), dueAt: at(d.dueAt)!, supplementCount: d.supplementCount }),
  supplements: (d: DossierRow, _: unknown, ctx: Context) => ctx.loaders.supplementsOfDossier.load(d.number),
  history: (d: DossierRow, _: unknown, ctx: Context) => ctx.loaders.eventsOfDossier.load(d.number),
};

export const Applicant = {
  __resolveType: (a: { __typename: string }) => a.__typename,
};
