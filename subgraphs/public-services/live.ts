import type { LiveEvent, LivePublisher } from '../../shared/live';
import type { Delta } from './evaluation/counters';

/**
 * The live events of this subgraph's writes, on the channels its `Subscription` fields name in
 * schema.graphql (`@live`): keys only, resolved by the gateway with each subscriber's identity.
 */

/** A dossier changed: for its receiving commune's officers and for its applicant (a resident). */
export function dossierEvents(d: { number: string; communeCode: string | null; applicantType: string; applicantId: string }): LiveEvent[] {
  const keys = { number: d.number };
  return [
    ...(d.communeCode ? [{ channel: `dossier:commune:${d.communeCode}`, keys }] : []),
    ...(d.applicantType === 'RESIDENT' ? [{ channel: `dossier:applicant:${d.applicantId}`, keys }] : []),
  ];
}

/** The units and months whose counters moved: on their province's channel and on the channel of every province (`*`). */
export function evaluationEvents(deltas: readonly Delta[]): LiveEvent[] {
  const seen = new Set<string>();
  const events: LiveEvent[] = [];
  for (const d of deltas) {
    const keys = { unitScope: d.unitType, unitCode: d.unitCode, provinceCode: d.provinceCode, month: d.month.slice(0, 7) };
    const id = JSON.stringify(keys);
    if (seen.has(id)) continue;
    seen.add(id);
    events.push({ channel: `evaluation:${d.provinceCode}`, keys }, { channel: 'evaluation:*', keys });
  }
  return events;
}

/** Events per publish of a large batch (one pipelined XADD round trip each). */
const PUBLISH_CHUNK = 1_000;

/**
 * Publishes many events (an import's) in chunks, so one round trip never carries 100,000 of them:
 * each chunk is one pipeline of XADDs. Never throws (a publisher queues or counts its failures).
 */
export async function publishInChunks(live: LivePublisher, events: readonly LiveEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += PUBLISH_CHUNK) await live.publish(events.slice(i, i + PUBLISH_CHUNK)).catch(() => undefined);
}
