import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace';

/** What the code serving a request may know of it wherever it runs (logs, outgoing calls). */
export interface RequestScope {
  /** The request's id, also sent back as `x-request-id`. */
  requestId: string;
  /** Its W3C trace context. */
  trace: TraceContext;
}

/**
 * The scope of the HTTP request being served (shared/http/index.ts enters it); the logger reads it so
 * that every line logged while serving a request carries its id and trace id.
 */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** The scope of the request being served; undefined outside one. */
export function currentScope(): RequestScope | undefined {
  return requestScope.getStore();
}
