import { createClient, type Client } from 'graphql-sse';
import { CLIENT_HEADERS, persisted, STREAM_URL } from './api';

/** How the live stream stands, as the page shows it. */
export type LiveStatus = 'connecting' | 'live' | 'retrying' | 'unavailable' | 'failed';

/** Thrown from the retry hook to stop retrying: the hub has no stream endpoint (HTTP 404). */
class StreamUnavailable extends Error {}

/**
 * A graphql-sse client on the hub's `/graphql/stream` (distinct connections mode: one streaming POST
 * per subscription, which the hub serves), reporting its status. A 404 means the hub serves no
 * subscriptions: the client stops at once instead of retrying, and the page stays static with a
 * note. Other network failures are retried by graphql-sse (exponential back-off; the hub resumes
 * from the last event id).
 */
export function createLive(headers: () => Record<string, string>, onStatus: (status: LiveStatus, detail?: string) => void): Client {
  let lastStatus = 0;
  return createClient({
    url: STREAM_URL,
    headers: () => ({ ...CLIENT_HEADERS, ...headers() }),
    credentials: 'same-origin',
    retryAttempts: 8,
    fetchFn: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      lastStatus = response.status;
      return response;
    },
    retry: async (retries: number) => {
      if (lastStatus === 404) throw new StreamUnavailable('HTTP 404');
      onStatus('retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** retries) + Math.random() * 500));
    },
    on: {
      connecting: () => onStatus('connecting'),
      connected: () => onStatus('live'),
    },
  });
}

/** Subscribes; `onEvent` gets each event's data, `onEnd` the reason the subscription stopped. Returns the unsubscribe. */
export function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onEvent: (data: T) => void,
  onEnd: (status: LiveStatus, detail: string) => void,
): () => void {
  // By id (graphql-sse's protocol wants a query string: empty, the id names the document).
  return client.subscribe<T>(
    { query: '', variables, ...persisted(query) },
    {
      next: (result) => {
        if (result.data) onEvent(result.data);
        else if (result.errors?.length) onEnd('failed', result.errors.map((e) => e.message).join('; '));
      },
      error: (error: unknown) => {
        if (error instanceof StreamUnavailable) onEnd('unavailable', 'HTTP 404');
        else onEnd('failed', describe(error));
      },
      complete: () => undefined,
    },
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return error.map((e: { message?: string }) => e.message ?? String(e)).join('; ');
  return String(error);
}

/** Calls `run` once, `waitMs` after the last of a burst of calls, with everything the burst carried. */
export function debounce<T>(waitMs: number, run: (items: T[]) => void): (item: T) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let items: T[] = [];
  return (item) => {
    items.push(item);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const burst = items;
      items = [];
      run(burst);
    }, waitMs);
  };
}
