import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerStats } from './serverStats';

/**
 * The bench's ceiling: a bare `node:http` server that reads each request's body and answers it
 * with the bytes of a captured gateway response (BENCH_BODY_FILE, sent as BENCH_CONTENT_TYPE). No
 * parsing, no cache lookup, no audit: what Node itself costs for the same exchange on loopback.
 */
const bodyFile = process.env.BENCH_BODY_FILE;
if (!bodyFile) throw new Error('BENCH_BODY_FILE is required');
const body = readFileSync(bodyFile);
const headers = { 'content-type': process.env.BENCH_CONTENT_TYPE ?? 'application/json; charset=utf-8', 'content-length': body.length };

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
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
