// The preboot: inlined into index.html as a classic script (by vite.config.ts)
// so the whole registration runs while the HTML is parsed and the bundle loads,
// and never waits for it:
//   1. take this tab's Web Lock (one agent per tab);
//   2. one request, POST /auth/capability with "spawn": this tab's agent is
//      spawned and the token names it;
//   3. open the /v1/mesh socket with the token and announce ({"type":"hello"},
//      id 0) as soon as it is open; "hello.ok" is "registered and announced".
// Messages that arrive before the bundle's MeshClient adopts the socket are kept
// for it. src/boot.ts picks the promises up from window.__genesisPreboot, and
// repeats whatever did not work the slow way.
// This file must not import anything: it is compiled on its own.

const TAB_KEY = 'genesis.tab';

/** Working memory of a tab's agent. */
export function tabMemory(): Record<string, unknown> {
  return { kind: 'tab', page: location.pathname, user_agent: navigator.userAgent };
}

/** A random (v4) UUID; crypto.randomUUID exists only in secure contexts (https, localhost). */
export function newTabId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * One agent per tab: the tab id lives in sessionStorage (it survives reloads) and
 * is guarded by a Web Lock held for the page's life. A duplicated tab copies
 * sessionStorage but cannot take the lock, so it picks a fresh id.
 */
export async function acquireTabLock(): Promise<string> {
  let id = readTabId() ?? newTabId();
  if (navigator.locks) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await new Promise<boolean>((resolve) => {
        void navigator.locks.request(`genesis-tab:${id}`, { ifAvailable: true }, (lock) => {
          resolve(lock !== null);
          // Held until the page goes away.
          return lock ? new Promise<void>(() => undefined) : undefined;
        });
      });
      if (got) break;
      id = newTabId();
    }
  }
  try {
    sessionStorage.setItem(TAB_KEY, id);
  } catch {
    // storage disabled: the id lasts as long as the page
  }
  return id;
}

function readTabId(): string | null {
  try {
    return sessionStorage.getItem(TAB_KEY);
  } catch {
    return null;
  }
}

/** The reply to POST /auth/capability with "spawn". */
export interface PrebootSession {
  token: string;
  tenant_id: string;
  expires_at: unknown;
  agent: unknown;
}

/** This tab's agent is registered and announced. */
export interface PrebootAnnounced {
  agent: unknown;
  tabId: string;
  /** performance.now() when "hello.ok" arrived. */
  at: number;
}

export interface PrebootState {
  tab: Promise<string>;
  session: Promise<PrebootSession>;
  announced: Promise<PrebootAnnounced>;
  ws: WebSocket | null;
  early: string[];
}

/** How long the shell waits for the registration before it loads anyway (and retries it itself). */
const ENTRY_DEADLINE_MS = 3000;

/**
 * Starts the registration; `entry` (the built bundle, preloaded by index.html)
 * is imported once it is announced, failed, or late. In development (Vite's
 * dev server) `entry` is null and index.html loads the bundle itself.
 */
export function preboot(entry: string | null): void {
  let announced: Promise<unknown> = Promise.resolve();
  try {
    announced = register();
  } catch (e) {
    // Whatever failed here (an old browser, a storage error), boot.ts does it again.
    console.warn('genesis: preboot', e);
  }
  if (entry) {
    const deadline = new Promise((resolve) => setTimeout(resolve, ENTRY_DEADLINE_MS));
    const load = () => {
      import(entry).catch((e: unknown) => console.error('genesis: cannot load the shell', e));
    };
    void Promise.race([announced, deadline]).then(load, load);
  }
}

/** Steps 1–3; publishes its promises as window.__genesisPreboot and returns the announcement. */
function register(): Promise<PrebootAnnounced> {
  const tab = acquireTabLock();
  const session = fetch('/auth/capability', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent_label: 'tab', spawn: { label: 'tab', mem_state: tabMemory(), goals: [] } }),
  }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`capability: HTTP ${r.status}`)))) as Promise<PrebootSession>;
  const state = { tab, session, ws: null, early: [] } as unknown as PrebootState;
  state.announced = session.then(
    (s) =>
      new Promise<PrebootAnnounced>((resolve, reject) => {
        const agentId = (s.agent as { id?: unknown } | null)?.id;
        if (typeof agentId !== 'string') throw new Error('capability: no agent in the reply');
        const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
        const ws = new WebSocket(`${proto}//${location.host}/v1/mesh?token=${encodeURIComponent(s.token)}`);
        state.ws = ws;
        let settled = false;
        ws.onopen = () => {
          void tab.then((tabId) => {
            ws.send(JSON.stringify({ type: 'hello', id: 0, agent_id: agentId, tab_id: tabId }));
            ws.onmessage = (e) => {
              if (typeof e.data !== 'string') return;
              if (!settled && e.data.includes('"ref":0')) {
                const m = JSON.parse(e.data) as { type?: string; error?: { message?: string } };
                if (m.type === 'hello.ok' || m.type === 'error') {
                  settled = true;
                  const at = performance.now();
                  performance.mark('genesis:announced');
                  if (m.type === 'hello.ok') resolve({ agent: s.agent, tabId, at });
                  else reject(new Error(`hello: ${m.error?.message ?? 'refused'}`));
                  return;
                }
              }
              state.early.push(e.data);
            };
          });
        };
        ws.onmessage = (e) => {
          if (typeof e.data === 'string') state.early.push(e.data);
        };
        ws.onclose = () => {
          if (!settled) reject(new Error('mesh: closed before the announcement was answered'));
        };
      }),
  );
  state.announced.catch(() => undefined);  // boot.ts decides what a failure means
  (window as unknown as { __genesisPreboot: PrebootState }).__genesisPreboot = state;
  return state.announced;
}
