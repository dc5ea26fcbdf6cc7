import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Node's own `freeParser`, the function its HTTP server calls when a connection leaves HTTP (an
 * upgrade to WebSocket, a CONNECT tunnel). `_http_common` is one of Node's public legacy module
 * names (listed in `module.builtinModules`, present from Node 0.x to 24 without a deprecation);
 * `freeParser` returns the parser to Node's pool of 1,000 and closes it beyond.
 */
const { freeParser } = createRequire(__filename)('_http_common') as {
  freeParser?: (parser: unknown, req: IncomingMessage | null, socket: Socket | null) => void;
};

type WithParser = Socket & { parser?: { incoming?: unknown } | null };

/**
 * Lets go of the HTTP request parser of a connection that now only carries one endless response:
 * an event stream whose request has been read whole. An open connection of Node's HTTP server keeps
 * its llhttp parser (about 5.8 KB of native memory on Node 24) and a handful of bound callbacks
 * for the next request of the connection; an event stream has no next request, so at 10,000
 * streams that is ~60 MB kept for nothing (bench/README.md, the live part's floor).
 *
 * Done as Node does for an upgrade: its `data` and `end` listeners (which feed the parser) are
 * removed, the parser is unconsumed from the socket and freed. From then on the connection is the
 * response's alone: bytes from the client (a pipelined request, which an endless response could
 * never answer) close it; the client's end closes it; the response's end closes it (as
 * `Connection: close` would), without waiting for the client. The response's `close` event comes as before.
 *
 * Returns false, and changes nothing, when the connection is not in the expected state — another
 * request already started on it, or a Node whose internals differ (the listeners are found by the
 * names Node gives them): the stream then keeps its parser, as without this call.
 */
export function releaseRequestParser(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket as WithParser;
  const parser = socket.parser;
  if (!freeParser || !parser || parser.incoming !== req || !req.complete || !res.headersSent) return false;
  const onData = socket.listeners('data').filter((f) => f.name === 'bound socketOnData');
  const onEnd = socket.listeners('end').filter((f) => f.name === 'bound socketOnEnd');
  if (onData.length !== 1 || onEnd.length !== 1) return false;
  socket.removeListener('data', onData[0] as (...args: unknown[]) => void);
  socket.removeListener('end', onEnd[0] as (...args: unknown[]) => void);
  freeParser(parser, req, socket);
  socket.on('data', () => socket.destroy());
  socket.on('end', () => socket.destroy());
  // As Node does for a response sent with `Connection: close`: closed once the last bytes are out,
  // without waiting for the client's side (a graceful shutdown's closeAllConnections no longer
  // sees this connection, so nothing may keep it open after the stream's end).
  res.once('finish', () => socket.destroySoon());
  return true;
}
