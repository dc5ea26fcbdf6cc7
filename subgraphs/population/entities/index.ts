import { Household } from './Household';
import { Resident } from './Resident';

export { Household, Resident };
export const entities = [Resident, Household];
