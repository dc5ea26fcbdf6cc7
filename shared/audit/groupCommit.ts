import type { AuditLog, AuditRecord } from './';

/**
 * Group commit for the audit log: appends from concurrent requests are written together in one
 * transaction (the chain stays linear: one writer per batch), and each caller's promise settles
 * only when its records are committed — no response leaves before its trace. Under load this turns
 * one locked transaction per request into one per batch.
 */
export function groupCommit(log: AuditLog): AuditLog {
  let queue: { records: AuditRecord[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;
  const flush = async () => {
    flushing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await log.append(batch.flatMap((b) => b.records));
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    flushing = false;
  };
  return {
    append(records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, resolve, reject });
        if (!flushing) void flush();
      });
    },
    accessesTo: (subject, page) => log.accessesTo(subject, page),
    verify: (options) => log.verify(options),
  };
}
