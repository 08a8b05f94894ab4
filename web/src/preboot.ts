// The preboot: a few lines inlined into index.html (by vite.config.ts) that
// start the boot's network work while the HTML is still being parsed, before
// the bundle is fetched: the capability token, then in parallel this tab's
// agent (POST /v1/agents) and the /v1/mesh socket (messages that arrive early
// are kept for the MeshClient that adopts it). src/boot.ts picks the promises
// up from window.__genesisPreboot and finishes the boot (Web Lock, announce).
// This file must not import anything: it is compiled on its own.

/** Working memory of a tab's agent. */
export function tabMemory(): Record<string, unknown> {
  return { kind: 'tab', page: location.pathname, user_agent: navigator.userAgent };
}

export function preboot(): void {
  const json = (r: Response): Promise<unknown> => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`)));
  const capability = fetch('/auth/capability', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent_label: 'tab' }),
  }).then(json) as Promise<{ token: string; tenant_id: string; expires_at: unknown }>;
  const state = {
    capability,
    agent: null as Promise<unknown> | null,
    ws: null as WebSocket | null,
    early: [] as string[],
  };
  state.agent = capability.then((cap) => {
    try {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const ws = new WebSocket(`${proto}//${location.host}/v1/mesh?token=${encodeURIComponent(cap.token)}`);
      ws.onmessage = (e) => {
        if (typeof e.data === 'string') state.early.push(e.data);
      };
      state.ws = ws;
    } catch {
      // the MeshClient opens its own
    }
    return fetch('/v1/agents', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${cap.token}` },
      body: JSON.stringify({ label: 'tab', mem_state: tabMemory(), goals: [] }),
    }).then(json);
  });
  (window as unknown as { __genesisPreboot: typeof state }).__genesisPreboot = state;
}
