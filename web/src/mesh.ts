// The tab's peer connection to /v1/mesh. Tracks `seq` so a lost message is
// noticed (the fleet then reloads from GET /v1/agents), reconnects with backoff.

import type { MeshMessage } from './types';

/** Sequence tracking, separate from the socket so it can be unit-tested. */
export class SeqTracker {
  private last: number | null = null;

  /** Returns 'ok', 'gap' (messages were lost: resync) or 'stale' (duplicate/old: drop). */
  accept(seq: number): 'ok' | 'gap' | 'stale' {
    if (!Number.isInteger(seq)) return 'ok';
    const prev = this.last;
    if (prev !== null && seq <= prev) return 'stale';
    this.last = seq;
    if (prev === null || seq === prev + 1) return 'ok';
    return 'gap';
  }

  reset(): void {
    this.last = null;
  }
}

export function parseMeshMessage(text: string): MeshMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return null;
  return { seq: typeof o.seq === 'number' ? o.seq : NaN, type: o.type, data: o.data ?? null };
}

export interface MeshHandlers {
  onMessage(m: MeshMessage): void;
  /** Called on (re)connect after the first and when a gap is detected: reload state. */
  onResync(): void;
  onState?(state: 'open' | 'closed'): void;
}

export function meshUrl(loc: Location, token: string): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${proto}//${loc.host}/v1/mesh${q}`;
}

export class MeshClient {
  private ws: WebSocket | null = null;
  private readonly seq = new SeqTracker();
  private connects = 0;
  private backoff = 250;
  private closed = false;
  private hello: Record<string, unknown> | null = null;
  private nextRef = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly url: () => string,
    private readonly handlers: MeshHandlers,
  ) {}

  /**
   * Opens the socket; resolves once it is open (rejects if the first attempt
   * fails). `adopt` takes over a socket the preboot script opened earlier, with
   * the messages it received before this client existed.
   */
  connect(adopt?: { ws: WebSocket; early: string[] }): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = adopt && adopt.ws.readyState <= WebSocket.OPEN ? adopt.ws : new WebSocket(this.url());
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.backoff = 250;
        this.seq.reset();
        if (this.connects++ > 0) this.handlers.onResync();
        if (this.hello) ws.send(JSON.stringify(this.hello));
        this.handlers.onState?.('open');
        resolve();
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return;
        const m = parseMeshMessage(ev.data);
        if (!m) return;
        if (this.settle(ev.data, m)) return;
        const s = this.seq.accept(m.seq);
        if (s === 'stale') return;
        this.handlers.onMessage(m);
        if (s === 'gap') this.handlers.onResync();
      };
      ws.onclose = () => {
        this.handlers.onState?.('closed');
        if (!opened) reject(new Error('mesh connection failed'));
        if (this.closed) return;
        setTimeout(() => {
          if (!this.closed) this.connect().catch(() => undefined);
        }, this.backoff);
        this.backoff = Math.min(this.backoff * 2, 5000);
      };
      if (ws === adopt?.ws) {
        const onmessage = ws.onmessage;
        if (ws.readyState === WebSocket.OPEN) ws.onopen(new Event('open'));
        for (const data of adopt.early.splice(0)) onmessage.call(ws, new MessageEvent('message', { data }));
      }
    });
  }

  /** Resolves a request() whose reply ("<type>.ok" or "error" with its ref) arrived. */
  private settle(text: string, m: MeshMessage): boolean {
    if (!m.type.endsWith('.ok') && m.type !== 'error') return false;
    const o = JSON.parse(text) as { ref?: unknown; error?: { message?: string } };
    const p = typeof o.ref === 'number' ? this.pending.get(o.ref) : undefined;
    if (!p) return false;
    this.pending.delete(o.ref as number);
    if (m.type === 'error') p.reject(new Error(o.error?.message ?? 'mesh error'));
    else p.resolve(m.data);
    return true;
  }

  /** Sends a typed message and resolves with the reply's data ("<type>.ok"). */
  request(msg: Record<string, unknown>): Promise<unknown> {
    const id = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ ...msg, id });
    });
  }

  /** Remembers the announcement to repeat after reconnects (the preboot sent the first). */
  announceOnReconnect(hello: { type: 'hello'; agent_id: string; tab_id: string }): void {
    this.hello = { ...hello };
  }

  /** Sends a typed message now and remembers `hello` to re-announce after reconnects. */
  send(msg: Record<string, unknown>): void {
    if (msg.type === 'hello') this.hello = { type: 'hello', agent_id: msg.agent_id, tab_id: msg.tab_id };
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}
