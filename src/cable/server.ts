/**
 * `/cable`: Chatwoot's Action Cable endpoint (spec/EVENTS.md §2). Accepts
 * WebSocket upgrades from any origin with the subprotocol
 * `actioncable-v1-json`, or AnyCable's extended `actioncable-v1-ext-json`
 * (reliable streams and session restore, protocol.ts), preferred when a
 * client offers both; a client reconnecting with the extended protocol
 * names the session to restore by the `sid` query parameter or the
 * `X-ANYCABLE-RESTORE-SID` header (sessions.ts). It greets each connection,
 * pings every connection every 3 seconds (heartbeat.ts), and on shutdown
 * tells every client to reconnect (`disconnect`, `server_restart`,
 * `reconnect: true`). A frame that is not a command is logged and ignored
 * (connection.ts); only a frame the WebSocket layer cannot read closes the
 * socket, as in Action Cable's websocket-driver: one larger than
 * MAX_FRAME_BYTES (1009) or a text frame that is not UTF-8 (1007).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CableConnection, type ConnectionDeps } from './connection.ts';
import { Heartbeat } from './heartbeat.ts';
import { CABLE_EXT_PROTOCOL, CABLE_PROTOCOL } from './protocol.ts';

/** The largest client frame accepted (larger closes with 1009); Action Cable commands are a few hundred bytes. */
const MAX_FRAME_BYTES = 64 * 1024;

/** The session a reconnecting extended-protocol client asks to restore, as AnyCable names it: header first, then query. */
function restoreSidOf(request: IncomingMessage): string | undefined {
  const header = request.headers['x-anycable-restore-sid'];
  if (typeof header === 'string' && header !== '') return header;
  return new URL(request.url ?? '/', 'http://localhost').searchParams.get('sid') || undefined;
}

export class CableServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    // Rails' client offers `actioncable-v1-json` and `actioncable-unsupported`; AnyCable's offers the one it is configured with.
    handleProtocols: (protocols) =>
      protocols.has(CABLE_EXT_PROTOCOL) ? CABLE_EXT_PROTOCOL : protocols.has(CABLE_PROTOCOL) ? CABLE_PROTOCOL : false,
  });
  private readonly connections = new Set<CableConnection>();
  private readonly heartbeat = new Heartbeat<CableConnection>();

  constructor(private readonly deps: ConnectionDeps) {}

  /** How many sockets are open. */
  get size(): number {
    return this.connections.size;
  }

  start(): void {
    this.heartbeat.start();
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const extended = ws.protocol === CABLE_EXT_PROTOCOL;
      const connection = new CableConnection(ws, this.deps, extended);
      this.connections.add(connection);
      this.heartbeat.add(connection);
      ws.on('message', (data, isBinary) => connection.onFrame(data, isBinary));
      ws.on('close', () => {
        this.connections.delete(connection);
        this.heartbeat.remove(connection);
        connection.onClose();
      });
      ws.on('error', () => ws.terminate());
      connection.open(extended ? restoreSidOf(request) : undefined);
    });
  }

  /** Tells every client the server restarts (they reconnect), then closes the sockets. */
  stop(): void {
    this.heartbeat.stop();
    for (const connection of this.connections) connection.disconnect('server_restart', true);
    this.connections.clear();
  }
}
