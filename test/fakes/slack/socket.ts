import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Slack's Socket Mode (https://api.slack.com/apis/socket-mode): the fake Web API answers
 * apps.connections.open with this server's ws:// URL; the app connects, gets `hello`, and then receives envelopes
 * ({ envelope_id, type: events_api | slash_commands | interactive, payload, accepts_response_payload }) that it must
 * acknowledge by sending back { envelope_id, payload? } over the socket. `send` resolves with that acknowledgement.
 */
export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown> | undefined;
  /** Milliseconds from sending the envelope to its acknowledgement. */
  ms: number;
}

export class FakeSocketMode {
  /** Every envelope sent and its acknowledgement (undefined while not acknowledged). */
  readonly envelopes: { envelope: Record<string, unknown>; ack?: SocketAck }[] = [];
  /** Connections opened (apps.connections.open tickets used). */
  connections = 0;
  private readonly waiting = new Map<string, { at: number; resolve: (a: SocketAck) => void }>();
  private readonly sockets = new Set<WebSocket>();
  private readonly connectedWaiters: (() => void)[] = [];
  private readonly tickets = new Set<string>();
  private http!: Server;
  private wss!: WebSocketServer;
  private base = '';
  private pinger: NodeJS.Timeout | null = null;

  static async start(): Promise<FakeSocketMode> {
    const f = new FakeSocketMode();
    f.http = createServer((_req, res) => res.writeHead(426).end());
    f.wss = new WebSocketServer({ server: f.http });
    f.wss.on('connection', (ws, req) => f.accept(ws, req.url ?? ''));
    await new Promise<void>((resolve) => f.http.listen(0, '127.0.0.1', resolve));
    f.base = `ws://127.0.0.1:${(f.http.address() as AddressInfo).port}`;
    // Slack pings its clients; the SDK reconnects when no ping arrives for 30 s.
    f.pinger = setInterval(() => {
      for (const s of f.sockets) s.ping();
    }, 5000);
    return f;
  }

  /** What apps.connections.open answers: a one-time URL of this server. */
  openUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.base}/link/?ticket=${ticket}&app_id=A0PDIBOT1`;
  }

  /** Resolves once an app is connected (after hello). */
  connected(): Promise<void> {
    if (this.sockets.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  private accept(ws: WebSocket, url: string): void {
    const ticket = new URL(url, this.base).searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      ws.close(4001, 'invalid ticket');
      return;
    }
    this.connections += 1;
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (!msg.envelope_id) return;
      const w = this.waiting.get(msg.envelope_id);
      if (!w) return;
      this.waiting.delete(msg.envelope_id);
      const ack: SocketAck = {
        envelopeId: msg.envelope_id,
        payload: msg.payload && Object.keys(msg.payload).length ? msg.payload : undefined,
        ms: performance.now() - w.at,
      };
      const rec = this.envelopes.find((e) => e.envelope.envelope_id === msg.envelope_id);
      if (rec) rec.ack = ack;
      w.resolve(ack);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-socket', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0PDIBOT1' },
      }),
    );
    for (const r of this.connectedWaiters.splice(0)) r();
  }

  /** Sends an envelope to the connected app; resolves with its acknowledgement (rejects after `timeoutMs`). */
  send(
    type: 'events_api' | 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    extra: { retryAttempt?: number; retryReason?: string } = {},
    timeoutMs = 3000,
  ): Promise<SocketAck> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
    const envelope: Record<string, unknown> = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      ...(type === 'events_api' ? { retry_attempt: extra.retryAttempt ?? 0, retry_reason: extra.retryReason ?? '' } : {}),
    };
    this.envelopes.push({ envelope });
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(String(envelope.envelope_id));
        reject(new Error(`envelope ${String(envelope.envelope_id)} (${type}) not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(String(envelope.envelope_id), {
        at: performance.now(),
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      socket.send(JSON.stringify(envelope));
    });
  }

  async close(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
