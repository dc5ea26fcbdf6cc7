import { Department } from './Department';
import { Dossier } from './Dossier';
import { DossierEvent } from './DossierEvent';
import { DossierSupplement } from './DossierSupplement';
import { EvaluationCounter } from './EvaluationCounter';
import { Feedback } from './Feedback';
import { Procedure } from './Procedure';
import { ServiceCentre } from './ServiceCentre';
import { SyncStatus } from './SyncStatus';

export { Department, Dossier, DossierEvent, DossierSupplement, EvaluationCounter, Feedback, Procedure, ServiceCentre, SyncStatus };
export const entities = [
  Procedure,
  Department,
  ServiceCentre,
  Dossier,
  DossierEvent,
  DossierSupplement,
  Feedback,
  EvaluationCounter,
  SyncStatus,
];
