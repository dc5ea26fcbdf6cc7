import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { releaseRequestParser } from '../shared/http/eventStream';
import { answerStats } from './serverStats';

/**
 * The bench's ceiling: a bare `node:http` server that reads each request's body and answers it
 * with the bytes of a captured gateway response (BENCH_BODY_FILE, sent as BENCH_CONTENT_TYPE). No
 * parsing, no cache lookup, no audit: what Node itself costs for the same exchange on loopback.
 */
const sse = process.env.BENCH_SSE === 'true';
const bodyFile = process.env.BENCH_BODY_FILE;
if (!bodyFile && !sse) throw new Error('BENCH_BODY_FILE is required');
const body = bodyFile ? readFileSync(bodyFile) : Buffer.alloc(0);
const headers = { 'content-type': process.env.BENCH_CONTENT_TYPE ?? 'application/json; charset=utf-8', 'content-length': body.length };

/**
 * With BENCH_SSE=true, the live part's floor instead: every request is answered as an event stream
 * (the gateway's headers, a heartbeat every 15 s) and kept open, its request parser released as
 * the gateway releases it. What Node itself holds per open connection, nothing of GraphQL.
 */
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (sse) {
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': randomUUID() });
      res.flushHeaders();
      // As the gateway does (gateway/live.ts): the connection keeps no parser for a next request.
      releaseRequestParser(req, res);
      const heartbeat = setInterval(() => res.write(':\n\n'), 15_000);
      res.once('close', () => clearInterval(heartbeat));
      return;
    }
    res.writeHead(200, headers);
    res.end(body);
  });
});
// As shared/http/index.ts's listen(): the same keep-alive as the gateway.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`bare server ready at http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
answerStats(() => null);
process.once('SIGTERM', () => process.exit(0));
