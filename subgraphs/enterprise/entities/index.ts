import { Enterprise } from './Enterprise';
import { EnterpriseEvent } from './EnterpriseEvent';

export { Enterprise, EnterpriseEvent };
export const entities = [Enterprise, EnterpriseEvent];
