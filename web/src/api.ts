// Thin typed client of genesisd's HTTP API. Errors come back as ApiError with
// the server's {"error":{"code","message"}} body, never as thrown strings.
import { toAgent, type Agent, type Capability, type CognitionEvent, type SigmaCounts, type SigmaRuleRow, type SigmaSwitch } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  token = '';

  constructor(private readonly base = '') {}

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['Content-Type'] = 'application/json';
    if (this.token) h['Authorization'] = `Bearer ${this.token}`;
    return h;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: this.headers(body !== undefined) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText);
    }
    return data as T;
  }

  async capability(agentLabel?: string): Promise<Capability> {
    // Same request as src/preboot.ts makes.
    const cap = await this.request<Capability>('POST', '/auth/capability', agentLabel ? { agent_label: agentLabel } : {});
    this.token = cap.token;
    return cap;
  }

  async spawn(body: { label: string; parent_id?: string | null; mem_state?: unknown; goals?: unknown; emotion?: unknown }): Promise<Agent> {
    const a = toAgent(await this.request<unknown>('POST', '/v1/agents', body));
    if (!a) throw new ApiError(500, 'bad_response', 'spawn returned no agent');
    return a;
  }

  async agent(id: string): Promise<Agent> {
    const a = toAgent(await this.request<unknown>('GET', `/v1/agents/${encodeURIComponent(id)}`));
    if (!a) throw new ApiError(500, 'bad_response', 'agent without id');
    return a;
  }

  /** Every live agent, following next_cursor pages. */
  async allAgents(pageSize = 1000): Promise<Agent[]> {
    const out: Agent[] = [];
    let cursor: string | null = null;
    for (;;) {
      const q = new URLSearchParams({ limit: String(pageSize) });
      if (cursor) q.set('cursor', cursor);
      const page = await this.request<{ agents?: unknown[]; next_cursor?: string | null }>('GET', `/v1/agents?${q}`);
      for (const raw of page.agents ?? []) {
        const a = toAgent(raw);
        if (a) out.push(a);
      }
      cursor = page.next_cursor ?? null;
      if (!cursor) return out;
    }
  }

  async move(id: string, newParent: string | null): Promise<Agent> {
    const a = toAgent(await this.request<unknown>('POST', `/v1/agents/${encodeURIComponent(id)}/move`, { new_parent: newParent }));
    if (!a) throw new ApiError(500, 'bad_response', 'move returned no agent');
    return a;
  }

  async remove(id: string): Promise<void> {
    await this.request<unknown>('DELETE', `/v1/agents/${encodeURIComponent(id)}`);
  }

  async events(id: string, limit = 20): Promise<CognitionEvent[]> {
    const r = await this.request<{ events?: CognitionEvent[] } | CognitionEvent[]>(
      'GET',
      `/v1/agents/${encodeURIComponent(id)}/events?limit=${limit}`,
    );
    return Array.isArray(r) ? r : (r.events ?? []);
  }

  async postEvent(id: string, type: CognitionEvent['type'], payload: unknown): Promise<void> {
    await this.request<unknown>('POST', `/v1/agents/${encodeURIComponent(id)}/events`, { type, payload });
  }

  /** genesisd's Sigma rules; empty filters are left out. */
  async sigmaRules(f: { q?: string; level?: string; enabled?: string; limit?: number }): Promise<SigmaCounts & { rules: SigmaRuleRow[]; total: number }> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
    return this.request('GET', `/v1/sigma/rules?${q}`);
  }

  async sigmaSwitches(): Promise<SigmaCounts & { switches: SigmaSwitch[] }> {
    return this.request('GET', '/v1/sigma/switches');
  }

  async addSigmaSwitch(selector: string, enabled: boolean): Promise<SigmaCounts & { switch: SigmaSwitch }> {
    return this.request('POST', '/v1/sigma/switches', { selector, enabled });
  }

  async removeSigmaSwitch(id: number): Promise<SigmaCounts> {
    return this.request('DELETE', `/v1/sigma/switches/${id}`);
  }

  /** Fire-and-forget DELETE that survives the page going away (tab close). */
  removeOnUnload(id: string): void {
    void fetch(this.base + `/v1/agents/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      keepalive: true,
      headers: this.headers(false),
    }).catch(() => undefined);
  }
}
