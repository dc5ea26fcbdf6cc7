import { Enterprise } from './Enterprise';

export { Enterprise };
export const entities = [Enterprise];
