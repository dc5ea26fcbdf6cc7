/**
 * The national dossier status coding (TrangThaiHoSo 1–10 of the national public service portal's
 * synchronisation format) and the transitions the one-stop process allows between them.
 */
export const STATUS_CODES = {
  NEW: 1,
  RECEIVED: 2,
  NOT_RECEIVED: 3,
  IN_PROGRESS: 4,
  SUPPLEMENT_REQUESTED: 5,
  FEE_REQUESTED: 6,
  WITHDRAWN: 7,
  STOPPED: 8,
  DONE: 9,
  RETURNED: 10,
} as const;

export type DossierStatus = keyof typeof STATUS_CODES;

const BY_CODE = new Map<number, DossierStatus>(Object.entries(STATUS_CODES).map(([name, code]) => [code, name as DossierStatus]));

/** The status of a national code 1–10, or null for any other value. */
export function statusOfCode(code: number): DossierStatus | null {
  return BY_CODE.get(code) ?? null;
}

/**
 * Which status may follow which. A refusal at reception, a withdrawal, a stop and a returned result
 * are final; a decided dossier can only have its result returned.
 */
export const TRANSITIONS: Readonly<Record<DossierStatus, readonly DossierStatus[]>> = {
  NEW: ['RECEIVED', 'NOT_RECEIVED', 'WITHDRAWN'],
  RECEIVED: ['IN_PROGRESS', 'SUPPLEMENT_REQUESTED', 'FEE_REQUESTED', 'WITHDRAWN', 'STOPPED', 'DONE'],
  NOT_RECEIVED: [],
  IN_PROGRESS: ['SUPPLEMENT_REQUESTED', 'FEE_REQUESTED', 'WITHDRAWN', 'STOPPED', 'DONE'],
  SUPPLEMENT_REQUESTED: ['IN_PROGRESS', 'WITHDRAWN', 'STOPPED'],
  FEE_REQUESTED: ['IN_PROGRESS', 'WITHDRAWN', 'STOPPED', 'DONE'],
  WITHDRAWN: [],
  STOPPED: [],
  DONE: ['RETURNED'],
  RETURNED: [],
};

export function isLegalTransition(from: DossierStatus, to: DossierStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses after which nothing changes any more. */
export const FINAL: ReadonlySet<DossierStatus> = new Set(['NOT_RECEIVED', 'WITHDRAWN', 'STOPPED', 'RETURNED']);

/**
 * How far along the process a status is, to order deliveries of the same dossier that arrive out of
 * order (an import): a status of lower rank never overwrites one of higher rank.
 */
export const STATUS_RANK: Readonly<Record<DossierStatus, number>> = {
  NEW: 0,
  RECEIVED: 1,
  IN_PROGRESS: 2,
  SUPPLEMENT_REQUESTED: 2,
  FEE_REQUESTED: 2,
  NOT_RECEIVED: 3,
  DONE: 3,
  WITHDRAWN: 4,
  STOPPED: 4,
  RETURNED: 4,
};
