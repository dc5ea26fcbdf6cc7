import { createHash } from 'node:crypto';
import { createRedis, isCluster, type RedisClient, type RedisTarget } from '../cache';

/**
 * The live events of the hub: a write announces, after its commit, that records changed — by
 * their keys only (`{ number: "00004-250930-0001" }`), never their data — on named channels
 * (`dossier:commune:00004`). A gateway resolves each event through the graph with each
 * subscriber's own identity (gateway/live.ts), so no rule of who may see what is bypassed.
 *
 * With Redis, one Stream per channel (XADD … MINID ~ keeps the last minutes): every gateway replica
 * reads it, and a client that reconnects resumes after the last event id it received. Without
 * Redis (the embedded default) the same, in this process's memory.
 */

/** An event as a write publishes it: the channel and the keys that identify what changed. */
export interface LiveEvent {
  channel: string;
  keys: Record<string, string>;
}

/** An event as delivered to listeners: with its id in its channel's stream (`<ms>-<seq>`, increasing). */
export interface DeliveredEvent {
  id: string;
  keys: Record<string, string>;
}

/** `up` while the broker reads its source; `down` while Redis cannot be read (events wait there, nothing is lost within the retention). */
export type LiveStatus = 'up' | 'down';

/** What writes need: publish after the commit. Never throws (a failed publish is retried or counted). */
export interface LivePublisher {
  publish(events: readonly LiveEvent[]): Promise<void>;
}

/** Publishes nowhere: subgraphs with no broker (tests of one subgraph, the CLI). */
export const NO_LIVE: LivePublisher = { publish: async () => undefined };

export interface LiveBroker extends LivePublisher {
  readonly kind: 'redis' | 'memory';
  /** How long events are kept for clients that reconnect (LIVE_RETENTION_SECONDS), in ms: older ones may be gone. */
  readonly retentionMs: number;
  /**
   * Calls `onEvent` for each event of `channel` published from now on or, with `after` (an id this
   * channel delivered earlier), for every retained event after it first. Resolves once listening
   * (rejects while Redis is unreachable); call the returned function to stop.
   */
  listen(channel: string, onEvent: (event: DeliveredEvent) => void, after?: string | null): Promise<() => void>;
  status(): LiveStatus;
  /** Called on every change of {@link status}; returns the unsubscribe function. */
  onStatus(listener: (status: LiveStatus) => void): () => void;
  close(): Promise<void>;
}

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** A stream id as `<ms>-<seq>`, or null when `value` is not one (a client's Last-Event-ID is checked with it). */
export function parseEventId(value: string | null | undefined): string | null {
  return value && EVENT_ID.test(value) ? value : null;
}

/** The millisecond of a stream id (`<ms>-<seq>`): when the event was taken in. */
export function eventIdMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** Orders two stream ids (`<ms>-<seq>`). */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}

const safe = (listener: (event: DeliveredEvent) => void, event: DeliveredEvent) => {
  try {
    listener(event);
  } catch {
    // A listener's failure is its own; the others still get the event.
  }
};

class StatusListeners {
  private readonly listeners = new Set<(status: LiveStatus) => void>();
  current: LiveStatus = 'up';
  add(listener: (status: LiveStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(status: LiveStatus): void {
    if (status === this.current) return;
    this.current = status;
    for (const l of this.listeners) l(status);
  }
}

/** The in-process broker of the embedded default: the same semantics as Redis Streams, for one process. */
export class MemoryLiveBroker implements LiveBroker {
  readonly kind = 'memory';
  private readonly channels = new Map<string, { events: DeliveredEvent[]; listeners: Set<(e: DeliveredEvent) => void> }>();
  private readonly statuses = new StatusListeners();
  private lastMs = 0;
  private seq = 0;
  constructor(readonly retentionMs: number) {}

  private channel(name: string) {
    let channel = this.channels.get(name);
    if (!channel) this.channels.set(name, (channel = { events: [], listeners: new Set() }));
    return channel;
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq++;
    return `${this.lastMs}-${this.seq}`;
  }

  async publish(events: readonly LiveEvent[]): Promise<void> {
    const oldest = Date.now() - this.retentionMs;
    for (const e of events) {
      const channel = this.channel(e.channel);
      const event = { id: this.nextId(), keys: e.keys };
      channel.events.push(event);
      while (channel.events.length > 0 && Number(channel.events[0]!.id.split('-')[0]) < oldest) channel.events.shift();
      for (const listener of channel.listeners) safe(listener, event);
    }
  }

  async listen(name: string, onEvent: (event: DeliveredEvent) => void, after?: string | null): Promise<() => void> {
    const channel = this.channel(name);
    if (after) for (const e of channel.events) if (compareEventIds(e.id, after) > 0) safe(onEvent, e);
    channel.listeners.add(onEvent);
    return () => {
      channel.listeners.delete(onEvent);
      if (channel.listeners.size === 0 && channel.events.length === 0) this.channels.delete(name);
    };
  }

  status(): LiveStatus {
    return this.statuses.current;
  }
  onStatus(listener: (status: LiveStatus) => void): () => void {
    return this.statuses.add(listener);
  }
  async close(): Promise<void> {
    this.channels.clear();
  }
}

interface ReadChannel {
  key: string;
  /** The last id read from its stream: the next read asks for what follows. */
  cursor: string;
  listeners: Set<(event: DeliveredEvent) => void>;
}

const READ_BLOCK_MS = 1_000;
const READ_COUNT = 500;
const MAX_PENDING_PUBLISHES = 10_000;

/**
 * Redis Streams: XADD per channel with MINID ~ (the retention), one reader connection per process
 * doing XREAD BLOCK over every channel it has listeners for, fanning out in memory. A channel's
 * stream key is a hash of its name: a channel may name a person (a citizen's dossiers), a key must not.
 */
export class RedisLiveBroker implements LiveBroker {
  readonly kind = 'redis';
  private readonly channels = new Map<string, ReadChannel>();
  private readonly statuses = new StatusListeners();
  private readonly pending: LiveEvent[] = [];
  private closed = false;
  private wake: () => void = () => undefined;
  private readonly loop: Promise<void>;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly reader: RedisClient,
    private readonly prefix: string,
    readonly retentionMs: number,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.redis.on('ready', () => void this.flushPending());
    // A cluster client stays "ready" while the streams' master fails over (no event says when its
    // replica took over): events that could not be added meanwhile are retried every second.
    if (isCluster(redis)) {
      this.retry = setInterval(() => void (this.pending.length > 0 && this.flushPending()), 1_000);
      this.retry.unref();
    }
    this.reader.on('close', () => {
      if (!this.closed && this.channels.size > 0) this.statuses.set('down');
    });
    this.loop = this.read();
  }

  /**
   * The stream key of a channel: `<prefix>{<prefix>live}:<hash>`. The hash tag puts every stream of
   * the hub in one slot, because the reader's one XREAD names all the channels it listens to and a
   * cluster refuses a command whose keys lie in several slots (and one blocking XREAD per slot would
   * queue behind each other on a node's connection). This puts the live streams on one master,
   * deliberately: they carry keys only, one XADD per committed write (tens a second at national
   * scale, where a master takes ~100,000 commands a second) and one blocking XREAD per gateway and
   * second; the caches, which carry the load, spread over every slot. If it is ever outgrown, the
   * channels split into N tags (`{<prefix>live:0}`…) with one reader connection per tag.
   */
  keyOf(channel: string): string {
    return `${this.prefix}{${this.prefix}live}:${createHash('sha256').update(channel).digest('hex').slice(0, 32)}`;
  }

  async publish(events: readonly LiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.redis.status !== 'ready') {
      this.queue(events);
      return;
    }
    try {
      const minId = Date.now() - this.retentionMs;
      const pipeline = this.redis.pipeline();
      for (const e of events) pipeline.xadd(this.keyOf(e.channel), 'MINID', '~', String(minId), '*', 'keys', JSON.stringify(e.keys));
      const results = (await pipeline.exec()) ?? [];
      const failed = events.filter((_, i) => results[i]?.[0]);
      if (failed.length > 0) this.queue(failed);
    } catch (error) {
      this.onError(error as Error);
      this.queue(events);
    }
  }

  private queue(events: readonly LiveEvent[]): void {
    // Bounded: past it the oldest are dropped (counted by the caller's logs through onError).
    this.pending.push(...events);
    if (this.pending.length > MAX_PENDING_PUBLISHES) {
      this.pending.splice(0, this.pending.length - MAX_PENDING_PUBLISHES);
      this.onError(new Error('live events dropped: Redis away too long'));
    }
  }

  private async flushPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const events = this.pending.splice(0);
    await this.publish(events);
  }

  async listen(name: string, onEvent: (event: DeliveredEvent) => void, after?: string | null): Promise<() => void> {
    let channel = this.channels.get(name);
    if (!channel) {
      const key = this.keyOf(name);
      // Start after the stream's last event (or its beginning): the reader asks for what follows.
      const [last] = (await this.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
      channel = this.channels.get(name);
      if (!channel) {
        channel = { key, cursor: last?.[0] ?? '0-0', listeners: new Set() };
        this.channels.set(name, channel);
        this.wake();
      }
    }
    const stop = () => {
      const current = this.channels.get(name);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.channels.delete(name);
    };
    let listener = onEvent;
    if (after) {
      // Live events are held while the retained ones after `after` are read, then those not yet
      // delivered follow: nothing is lost or repeated at the seam.
      const held: DeliveredEvent[] = [];
      let seam: string = after;
      let replaying = true;
      listener = (event) => {
        if (replaying) held.push(event);
        else if (compareEventIds(event.id, seam) > 0) onEvent(event);
      };
      channel.listeners.add(listener);
      try {
        const retained = (await this.redis.xrange(channel.key, `(${after}`, '+')) as [string, string[]][];
        for (const [id, fields] of retained) {
          safe(onEvent, { id, keys: parseKeys(fields) });
          seam = id;
        }
      } catch (error) {
        stop();
        throw error;
      }
      replaying = false;
      for (const event of held) if (compareEventIds(event.id, seam) > 0) safe(onEvent, event);
    } else {
      channel.listeners.add(listener);
    }
    return stop;
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      if (this.channels.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, READ_BLOCK_MS).unref();
        });
        continue;
      }
      const channels = [...this.channels.values()];
      try {
        if (this.reader.status !== 'ready') throw new Error('Redis not ready');
        const result = (await this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          ...channels.map((c) => c.key),
          ...channels.map((c) => c.cursor),
        )) as [string, [string, string[]][]][] | null;
        this.statuses.set('up');
        for (const [key, entries] of result ?? []) {
          const channel = channels.find((c) => c.key === key);
          if (!channel) continue;
          for (const [id, fields] of entries) {
            channel.cursor = id;
            const event = { id, keys: parseKeys(fields) };
            for (const listener of channel.listeners) safe(listener, event);
          }
        }
      } catch (error) {
        if (this.closed) return;
        this.statuses.set('down');
        this.onError(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
  }

  status(): LiveStatus {
    return this.statuses.current;
  }
  onStatus(listener: (status: LiveStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearInterval(this.retry);
    this.wake();
    this.reader.disconnect();
    await this.loop.catch(() => undefined);
    await this.flushPending().catch(() => undefined);
    this.redis.disconnect();
  }
}

function parseKeys(fields: string[]): Record<string, string> {
  const index = fields.indexOf('keys');
  try {
    const parsed = JSON.parse(fields[index + 1] ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Seconds of events kept for clients that reconnect, unless LIVE_RETENTION_SECONDS says otherwise. */
export const DEFAULT_LIVE_RETENTION_SECONDS = 600;

/** The broker of a process: Redis Streams when `redis` is given (one server or a cluster), else in memory. */
export function createLiveBroker(options: {
  redis?: RedisTarget | undefined;
  prefix: string;
  retentionSeconds?: number;
  onError?: (error: Error) => void;
}): LiveBroker {
  const retentionMs = (options.retentionSeconds ?? DEFAULT_LIVE_RETENTION_SECONDS) * 1000;
  if (!options.redis) return new MemoryLiveBroker(retentionMs);
  const onError = options.onError ?? (() => undefined);
  // Publishing fails fast (no offline queue: the broker queues itself); the reader blocks up to READ_BLOCK_MS.
  const redis = createRedis(options.redis, { onError, commandTimeoutMs: 1_000 });
  const reader = createRedis(options.redis, { onError, commandTimeoutMs: READ_BLOCK_MS + 4_000 });
  return new RedisLiveBroker(redis, reader, options.prefix, retentionMs, onError);
}
