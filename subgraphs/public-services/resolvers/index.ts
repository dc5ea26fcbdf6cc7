import { Commune } from './Commune';
import { Department } from './Department';
import { Applicant, Dossier } from './Dossier';
import { Enterprise } from './Enterprise';
import { Evaluation, Period } from './Evaluation';
import { EvaluationChange } from './EvaluationChange';
import { DossierChange, FeedbackChange, Mutation } from './Mutation';
import { Procedure } from './Procedure';
import { Province } from './Province';
import { Query } from './Query';
import { Resident } from './Resident';
import { ServiceCentre } from './ServiceCentre';

/** Its scalars (DateTime, DossierNumber) are in the manifest, which the gateway reads without loading these. */
export const resolvers = {
  Query,
  Mutation,
  DossierChange,
  FeedbackChange,
  Dossier,
  Applicant,
  Procedure,
  Department,
  ServiceCentre,
  Evaluation,
  EvaluationChange,
  Period,
  Resident,
  Enterprise,
  Commune,
  Province,
};
