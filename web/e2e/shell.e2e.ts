// End-to-end: the shell served by a real genesisd, in Debian's headless Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO,
  api,
  decodePng,
  launch,
  litPixels,
  meanColor,
  openShell,
  screenOf,
  startDaemon,
  waitForAgent,
  waitForRest,
  waitFrames,
  watchCsp,
  cspViolations,
  type Daemon,
} from './harness';

/** expect.poll waits 1 s by default; the machine running tests may be busy. */
const POLL = { timeout: 20000, interval: 100 };

const SHOTS = process.env.GENESIS_SCREENSHOTS ?? join(REPO, 'build/web-e2e');
const CLI = process.env.GENESIS_CLI ?? join(REPO, 'build/apps/genesis/genesis');

let daemon: Daemon;
let browser: Browser;
let ctx: BrowserContext;

async function spawn(label: string, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await api(daemon.url, 'POST', '/v1/agents', { label, ...extra });
  expect(r.status).toBe(201);
  return r.data;
}

async function poll<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeout = 20000): Promise<T> {
  const end = Date.now() + timeout;
  let v = await f();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
    v = await f();
  }
  return v;
}

/** World position of agent `id` in the layout. */
async function worldOf(page: Page, id: string): Promise<number[]> {
  const p = await page.evaluate((aid) => {
    const v = window.__genesis.view!;
    const n = v.model.nodes.get(aid);
    return n ? v.position(n.index) : null;
  }, id);
  if (!p) throw new Error(`agent ${id} has no position`);
  return p;
}

/** Drags agent `from` onto agent `to` with real pointer events, following `to` as it moves. */
async function drag(page: Page, from: string, to: string, beforeUp?: () => Promise<void>): Promise<void> {
  const a = await screenOf(page, from);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  let b = await screenOf(page, to);
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  for (let i = 0; i < 4; i++) {
    b = await screenOf(page, to);
    await page.mouse.move(b.x, b.y, { steps: 3 });
  }
  await beforeUp?.();
  await page.mouse.up();
}

beforeAll(async () => {
  daemon = await startDaemon();
  browser = await launch(false);
  ctx = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
});

describe('boot', () => {
  it("registers the tab's agent, announces it and reports the boot time", async () => {
    const page = await openShell(ctx, daemon.url);
    const g = await page.evaluate(() => ({ id: window.__genesis.agentId, bootMs: window.__genesis.bootMs }));
    expect(g.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.bootMs).toBeGreaterThan(0);
    const agent = await api(daemon.url, 'GET', `/v1/agents/${g.id}`);
    expect(agent.status).toBe(200);
    expect(agent.data.label).toBe('tab');
    expect(agent.data.mem_state.kind).toBe('tab');
    // One request spawned it (the preboot's POST /auth/capability with "spawn"):
    // this tab has exactly one live agent.
    const tabs = await api(daemon.url, 'GET', '/v1/agents?label=tab&limit=1000');
    expect(tabs.data.agents.map((a: any) => a.id)).toEqual([g.id]);
    await expect(page.textContent('#boot-status')).resolves.toMatch(/booted in \d+ ms/);
    // The boot time is reported to genesisd as a perceive event of the tab's agent.
    const events = await poll(
      () => api(daemon.url, 'GET', `/v1/agents/${g.id}/events`),
      (r) => (r.data.events ?? []).some((e: any) => e.type === 'perceive' && typeof e.payload?.boot_ms === 'number'),
    );
    expect(events.status).toBe(200);
    // Closing the tab removes its agent.
    await page.close({ runBeforeUnload: true });
    await poll(
      () => api(daemon.url, 'GET', `/v1/agents/${g.id}`),
      (r) => r.status === 404 || r.data?.deleted_at != null,
    );
  });

  it('boots the slow way, with one agent, when the preboot cannot register', async () => {
    const c = await browser.newContext();
    const page = await c.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    watchCsp(page);
    // The preboot's combined request fails; the shell must still register, announce
    // and leave exactly one agent for the tab.
    await page.route('**/auth/capability', (route) =>
      (route.request().postData() ?? '').includes('"spawn"')
        ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"down"}}' })
        : route.continue(),
    );
    await page.goto(daemon.url + '/');
    await page.waitForFunction(() => !!window.__genesis && (window.__genesis.bootMs !== null || window.__genesis.error !== null), null, { timeout: 30000 });
    const g = await page.evaluate(() => ({ id: window.__genesis.agentId, error: window.__genesis.error }));
    expect(g.error).toBeNull();
    const agent = await api(daemon.url, 'GET', `/v1/agents/${g.id}`);
    expect(agent.status).toBe(200);
    expect(agent.data.label).toBe('tab');
    const pageAgents = (await api(daemon.url, 'GET', '/v1/agents?label=tab&limit=1000')).data.agents.filter(
      (a: any) => a.deleted_at == null,
    );
    expect(pageAgents.map((a: any) => a.id)).toContain(g.id);
    await c.close();
  });

  it('boots on a plain-http origin (insecure context: no Service Worker, Web Locks or randomUUID)', async () => {
    // genesis.test resolves to the daemon on 127.0.0.1, but http://genesis.test is
    // not a secure context, as a fleet host on the LAN would not be.
    const b = await launch(false, ['--host-resolver-rules=MAP genesis.test 127.0.0.1']);
    try {
      const page = await (await b.newContext()).newPage();
      page.on('pageerror', (e) => console.error('pageerror:', e.message));
      watchCsp(page);
      await page.goto(daemon.url.replace('127.0.0.1', 'genesis.test') + '/');
      await page.waitForFunction(() => !!window.__genesis && (window.__genesis.bootMs !== null || window.__genesis.error !== null), null, { timeout: 30000 });
      const g = await page.evaluate(() => ({
        secure: window.isSecureContext,
        uuid: typeof crypto.randomUUID,
        id: window.__genesis.agentId,
        error: window.__genesis.error,
      }));
      expect(g.secure).toBe(false);
      expect(g.uuid).toBe('undefined');
      expect(g.error).toBeNull();
      const agent = await api(daemon.url, 'GET', `/v1/agents/${g.id}`);
      expect(agent.status).toBe(200);
      expect(agent.data.label).toBe('tab');
    } finally {
      await b.close();
    }
  });

  it('boots the second visit from the Service Worker cache', async () => {
    const c = await browser.newContext();
    const page = await openShell(c, daemon.url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true));
    await page.evaluate(() => navigator.serviceWorker.ready);
    const served: string[] = [];
    page.on('response', (r) => {
      if (r.fromServiceWorker()) served.push(new URL(r.url()).pathname);
    });
    await page.reload();
    await page.waitForFunction(() => !!window.__genesis && window.__genesis.bootMs !== null);
    expect(await page.evaluate(() => window.__genesis.warm)).toBe(true);
    expect(served).toContain('/');
    expect(served.some((p) => p.startsWith('/assets/') && p.endsWith('.js'))).toBe(true);
    await c.close();
  });
});

describe('fleet view', () => {
  let page: Page;
  beforeAll(async () => {
    page = await openShell(ctx, daemon.url);
  });

  it('shows an agent spawned with the CLI, live', async () => {
    expect(existsSync(CLI)).toBe(true);
    const out = execFileSync(CLI, ['--server', daemon.url.replace('http://', ''), '--json', 'agent', 'spawn', 'from-cli', '--mem', '{"origin":"cli"}'], {
      encoding: 'utf8',
    });
    const id = JSON.parse(out).id as string;
    await waitForAgent(page, id);
    expect(await page.evaluate((aid) => window.__genesis.model.nodes.get(aid)?.agent.label, id)).toBe('from-cli');
  });

  it('opens the inspector with the right memory on click, and the full page', async () => {
    const mem = { mission: 'watch-dns', depth: { level: 3, tags: ['alpha', 'beta'] } };
    const a = await spawn('inspected', { mem_state: mem, goals: [{ id: 'g1', weight: 0.7, ttl: 60 }] });
    await api(daemon.url, 'POST', `/v1/agents/${a.id}/events`, { type: 'plan', payload: { step: 'scan-resolvers' } });
    await waitForAgent(page, a.id);
    await waitForRest(page);
    const p = await screenOf(page, a.id);
    await page.mouse.click(p.x, p.y);
    const insp = page.locator('#inspector');
    await expect.poll(() => insp.getAttribute('data-agent-id'), POLL).toBe(a.id);
    await expect.poll(() => insp.locator('[data-testid=memory]').textContent(), POLL).toContain('"watch-dns"');
    const text = (await insp.textContent())!;
    expect(text).toContain(a.id);
    expect(text).toContain('inspected');
    expect(text).toContain('"alpha"');
    expect(text).toContain('g1');
    await expect.poll(async () => (await insp.textContent()) ?? '', POLL).toContain('scan-resolvers');
    expect(await insp.locator('a.full-link').getAttribute('href')).toBe(`/inspect/${a.id}`);
    await page.keyboard.press('Escape');
    const full = await ctx.newPage();
    watchCsp(full);
    await full.goto(`${daemon.url}/inspect/${a.id}`);
    await expect.poll(async () => (await full.locator('#inspector-page').textContent()) ?? '', POLL).toContain('"watch-dns"');
    expect(await full.locator('#inspector-page').textContent()).toContain('scan-resolvers');
    await full.close();
  });

  it('re-parents an agent dragged onto another, and another tab sees the move live', async () => {
    const parent = await spawn('new-parent');
    const child = await spawn('dragged');
    await waitForAgent(page, parent.id);
    await waitForAgent(page, child.id);
    const other = await openShell(ctx, daemon.url);
    await other.waitForFunction((c) => window.__genesis.model.nodes.has(c), child.id);
    // The other tab's own agent reheats this tab's layout when it arrives: aim after that.
    await waitForAgent(page, await other.evaluate(() => window.__genesis.agentId!));
    await waitForRest(page);
    // The drag must start on the child and end on the parent, not on a neighbour.
    const hits = await page.evaluate(
      ([c, p]) => {
        const v = window.__genesis.view!;
        const at = (id: string) => {
          const s = v.screenOf(id)!;
          const r = v.canvas.getBoundingClientRect();
          return v.pick(s.x - r.left, s.y - r.top)?.agent.id;
        };
        return [at(c!), at(p!)];
      },
      [child.id, parent.id],
    );
    expect(hits).toEqual([child.id, parent.id]);
    await drag(page, child.id, parent.id);
    const moved = await poll(
      () => api(daemon.url, 'GET', `/v1/agents/${child.id}`),
      (r) => r.data.parent_id === parent.id,
    ).catch(async (e: Error) => {
      const toast = await page.locator('#toast').textContent();
      throw new Error(`${e.message}; last toast: ${JSON.stringify(toast)}`);
    });
    expect(moved.data.path).toContain('new-parent');
    // The view got the move from the mesh and now draws the edge.
    await page.waitForFunction(
      ([c, p]) => window.__genesis.model.nodes.get(c!)?.agent.parent_id === p,
      [child.id, parent.id],
    );
    // The other tab was told by the mesh, without reloading.
    await other.waitForFunction(
      ([c, p]) => window.__genesis.model.nodes.get(c!)?.agent.parent_id === p && window.__genesis.model.links().pairs.length > 0,
      [child.id, parent.id],
    );
    await other.close();
  });

  it('refuses a cyclic move visibly and snaps the node back', async () => {
    // Three levels down, so the drop point is well away from where the drag
    // started and the snap back is visible.
    const top = await spawn('cycle-top');
    const mid1 = await spawn('cycle-mid1', { parent_id: top.id });
    const mid2 = await spawn('cycle-mid2', { parent_id: mid1.id });
    const below = await spawn('cycle-below', { parent_id: mid2.id });
    await waitForAgent(page, below.id);
    await waitForRest(page);
    // The drop point is where the pointer meets top's depth: if the chain points at the
    // viewer it is close to where the drag started. Orbit until it is well away.
    const dropDistance = () =>
      page.evaluate(
        ([t, b]) => {
          const v = window.__genesis.view!;
          const from = v.position(v.model.nodes.get(t!)!.index)!;
          const s = v.screenOf(b!)!;
          const r = v.canvas.getBoundingClientRect();
          const dpr = v.canvas.width / r.width;
          const w = v.camera.unprojectAtDepth((s.x - r.left) * dpr, (s.y - r.top) * dpr, [from[0]!, from[1]!, from[2]!]);
          return Math.hypot(w[0] - from[0]!, w[1] - from[1]!, w[2] - from[2]!);
        },
        [top.id, below.id],
      );
    for (let i = 0; i < 12 && (await dropDistance()) <= 15; i++) {
      await page.evaluate(() => window.__genesis.view!.canvas.focus());
      for (let k = 0; k < 4; k++) await page.keyboard.press('ArrowLeft');
      await waitFrames(page);
    }
    const before = await worldOf(page, top.id);
    let dropped: number[] = [];
    await drag(page, top.id, below.id, async () => {
      dropped = await worldOf(page, top.id);
    });
    const toast = page.locator('#toast');
    // (An earlier test's "moved ..." toast may still be showing: wait for this one.)
    await expect.poll(async () => ((await toast.isVisible()) ? await toast.textContent() : ''), POLL).toMatch(/move refused: .+/);
    expect(await toast.getAttribute('data-kind')).toBe('error');
    const r = await api(daemon.url, 'GET', `/v1/agents/${top.id}`);
    expect(r.data.parent_id).toBeNull();
    // Snapped back to where the drag started, not left where it was dropped (the layout
    // then moves on from there).
    const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
    expect(dist(dropped, before)).toBeGreaterThan(10);
    const snap = await page.evaluate(() => window.__genesis.view!.lastSnapBack);
    expect(snap?.id).toBe(top.id);
    expect(dist(snap!.to, before)).toBeLessThan(1); // the layout was nearly at rest
  });

  it("a second tab sees the first tab's agent, and the first sees the second's", async () => {
    const first = await page.evaluate(() => window.__genesis.agentId!);
    const second = await openShell(ctx, daemon.url);
    const secondId = await second.evaluate(() => window.__genesis.agentId!);
    expect(secondId).not.toBe(first);
    await waitForAgent(second, first);
    await waitForAgent(page, secondId);
    await second.close({ runBeforeUnload: true });
    await page.waitForFunction((id) => !window.__genesis.model.nodes.has(id), secondId, { timeout: 20000 });
  });
});

for (const renderer of ['webgl2', 'webgpu'] as const) {
  describe(`pixels (${renderer})`, () => {
    let b: Browser;
    let c: BrowserContext;
    beforeAll(async () => {
      b = await launch(renderer === 'webgpu');
      c = await b.newContext({ viewport: { width: 900, height: 640 } });
    });
    afterAll(async () => {
      await b?.close();
    });

    it('draws each agent in its emotion colour', async () => {
      const red = await spawn(`red-${renderer}`, { emotion: { pleasure: 0, arousal: 1, dominance: 0.5, label: 'ANGRY', fatigue: 0 } });
      const blue = await spawn(`blue-${renderer}`, { emotion: { pleasure: 0.6667, arousal: 1, dominance: 0.5, label: 'CALM', fatigue: 0 } });
      const page = await openShell(c, daemon.url, `?renderer=${renderer}`);
      expect(await page.evaluate(() => window.__genesis.renderer)).toBe(renderer);
      await waitForAgent(page, red.id);
      await waitForAgent(page, blue.id);
      await waitForRest(page);
      // Zoom onto each agent so its disc covers the sampled pixels.
      for (const [id, want] of [
        [red.id, 0],
        [blue.id, 2],
      ] as const) {
        await page.evaluate((aid) => {
          const v = window.__genesis.view!;
          v.focus(v.model.nodes.get(aid)!);
          v.camera.distance = 60;
        }, id);
        await waitFrames(page);
        const p = await screenOf(page, id);
        const img = decodePng(await page.screenshot());
        const [r, g, bl] = meanColor(img, p.x, p.y, 3);
        const ch = [r, g, bl];
        expect(ch[want]).toBeGreaterThan(150);
        for (let k = 0; k < 3; k++) if (k !== want) expect(ch[want]! - ch[k]!).toBeGreaterThan(80);
        expect(litPixels(img)).toBeGreaterThan(500);
      }
      await page.close();
    });

    it('pulses a detection red on the agent and draws its counter-agent blue, linked to it', async () => {
      const victim = await spawn(`victim-${renderer}`, { emotion: { pleasure: 0.3333, arousal: 1, dominance: 0.5, label: 'CALM', fatigue: 0 } });
      const page = await openShell(c, daemon.url, `?renderer=${renderer}`);
      await waitForAgent(page, victim.id);
      await waitForRest(page);
      const look = async (id: string) => {
        await page.evaluate((aid) => {
          const v = window.__genesis.view!;
          v.focus(v.model.nodes.get(aid)!);
          v.camera.distance = 60;
        }, id);
        await waitFrames(page);
        const p = await screenOf(page, id);
        return meanColor(decodePng(await page.screenshot()), p.x, p.y, 3);
      };
      const before = await look(victim.id);
      expect(before[1] - before[0]).toBeGreaterThan(80); // green: its emotion colour
      // A sensor reports DNS exfiltration by the agent (POST /v1/telemetry).
      const label = '4a7f0102c3e5b9aa0d11f23e6c7b8d9e0f1a2b3c4d5e6f70819a';
      const sent = await api(daemon.url, 'POST', '/v1/telemetry', {
        agent_id: victim.id,
        telemetry: { event: 'dns', dns: { question: { name: `${label}.t.attacker.example`, type: 'CNAME' } } },
      });
      expect(sent.status).toBe(200);
      expect(sent.data.detections[0].technique).toBe('T1071.004');
      const counterId: string = sent.data.counter_agents[0].id;
      await waitForAgent(page, counterId);
      // ... and it is an alert in the HUD.
      await expect.poll(async () => (await page.locator('#toast').textContent()) ?? '', POLL).toContain('detection T1071.004');
      expect(await page.locator('#toast').getAttribute('data-kind')).toBe('alert');
      const seen = await page.evaluate(
        ([vid, cid]) => {
          const m = window.__genesis.view!.model;
          const v = m.nodes.get(vid!)!;
          const ca = m.nodes.get(cid!)!;
          return { detections: v.detections.length, counter: ca.counter, parent: ca.agent.parent_id, links: [...m.links().counter] };
        },
        [victim.id, counterId],
      );
      expect(seen.detections).toBe(1);
      expect(seen.counter).toBe(true);
      expect(seen.parent).toBe(victim.id);
      expect(seen.links).toContain(1);
      // The pulse mixes 55–100 % red into the agent's colour, so at any phase its
      // red rises and its green falls well away from the green it had.
      let [r0, g0] = [0, 255];
      for (let i = 0; i < 3; i++) {
        const [r, g] = await look(victim.id);
        if (r - g > r0 - g0) [r0, g0] = [r, g];
        await page.waitForTimeout(110);
      }
      expect(r0 - before[0]).toBeGreaterThan(100);
      expect(before[1] - g0).toBeGreaterThan(60);
      const [r, g, b] = await look(counterId);
      expect(b).toBeGreaterThan(150);
      expect(b - r).toBeGreaterThan(80);
      expect(b - g).toBeGreaterThan(40);
      if (renderer === 'webgl2') {
        await page.evaluate(() => {
          window.__genesis.view!.camera.distance = 160;
        });
        await waitFrames(page);
        writeFileSync(join(SHOTS, 'detection.png'), await page.screenshot());
      }
      // The alerts panel lists it; picking it selects the agent and opens the inspector.
      const entry = page.locator('#alerts li').first();
      await expect.poll(async () => (await entry.textContent()) ?? '', POLL).toContain(`T1071.004 (command-and-control) on victim-${renderer}`);
      await entry.click();
      await page.waitForFunction((id) => window.__genesis.model.selectedId === id, victim.id);
      const inspector = page.locator('#inspector');
      await expect.poll(async () => ((await inspector.isVisible()) ? ((await inspector.textContent()) ?? '') : ''), POLL).toContain(victim.id);
      await page.close();
    });
  });
}

describe('screenshots at 100 agents', () => {
  it('fleet view and inspector', async () => {
    const d2 = await startDaemon();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        const parent = i === 0 ? null : ids[Math.floor((i - 1) / 4)]!;
        const emotion = { pleasure: (i * 0.137) % 1, arousal: 0.3 + ((i * 0.291) % 0.7), dominance: 0.5, label: i % 7 === 0 ? 'FATIGUED' : 'NEUTRAL', fatigue: i % 7 === 0 ? 0.8 : 0.1 };
        const r = await api(d2.url, 'POST', '/v1/agents', {
          label: `agent-${i}`,
          parent_id: parent,
          emotion,
          mem_state: { role: i === 0 ? 'root' : 'worker', shard: i % 5, notes: ['observes dns', 'reports to parent'] },
          goals: [{ id: `g${i % 3}`, weight: 0.5, ttl: 60 }],
        });
        expect(r.status).toBe(201);
        ids.push(r.data.id);
      }
      await api(d2.url, 'POST', `/v1/agents/${ids[5]}/events`, { type: 'perceive', payload: { dns_queries: 12 } });
      await api(d2.url, 'POST', `/v1/agents/${ids[5]}/events`, { type: 'plan', payload: { next: 'rate-limit' } });
      const c = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await openShell(c, d2.url);
      await page.waitForFunction(() => window.__genesis.model.size >= 101);
      await waitForRest(page);
      await waitFrames(page);
      const fleetPng = await page.screenshot();
      writeFileSync(join(SHOTS, 'fleet-100.png'), fleetPng);
      const img = decodePng(fleetPng);
      expect(litPixels(img)).toBeGreaterThan(3000);
      const p = await screenOf(page, ids[5]!);
      await page.mouse.click(p.x, p.y);
      await expect.poll(() => page.locator('#inspector').getAttribute('data-agent-id'), POLL).toBe(ids[5]);
      await expect.poll(async () => (await page.locator('#inspector').textContent()) ?? '', POLL).toContain('rate-limit');
      writeFileSync(join(SHOTS, 'inspector-100.png'), await page.screenshot());
      await c.close();
    } finally {
      await d2.stop();
    }
  });
});

// Last, so that every page above has run under the policy.
describe('sigma rules page', () => {
  it("lists genesisd's rules, switches one rule and a selector off and on, and removes the switches", async () => {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    watchCsp(page);
    await page.goto(daemon.url + '/rules');
    await page.waitForSelector('#rules-page[data-loaded] #rules-table tbody tr', { timeout: 30000 });
    expect(await page.getAttribute('#rules-link', 'href')).toBe('/rules');
    const counts = async () => {
      const m = /^(\d+) of (\d+) rules run$/.exec((await page.textContent('#rules-counts')) ?? '');
      expect(m).not.toBeNull();
      return { running: Number(m![1]), loaded: Number(m![2]) };
    };
    const start = await counts();
    expect(start.loaded).toBeGreaterThan(1000);
    expect(start.running).toBe(start.loaded);
    // One rule off by its checkbox: genesisd has it off, the page shows it.
    const row = page.locator('#rules-table tbody tr').first();
    const id = (await row.getAttribute('data-rule-id'))!;
    await row.locator('input[type=checkbox]').uncheck();
    await poll(() => api(daemon.url, 'GET', `/v1/sigma/rules/${id}`), (r) => r.data.enabled === false);
    await expect.poll(counts, POLL).toEqual({ running: start.loaded - 1, loaded: start.loaded });
    await expect.poll(() => page.locator(`#rules-table tr[data-rule-id="${id}"]`).getAttribute('class'), POLL).toBe('off');
    // Every low rule off by a selector; a bad selector is refused visibly, nothing written.
    await page.fill('#rules-selector', 'level:lowest');
    await page.click('#rules-disable');
    await expect.poll(() => page.textContent('#toast'), POLL).toMatch(/switch refused: .*unknown level/);
    await page.fill('#rules-selector', 'level:low');
    await page.click('#rules-disable');
    const switches = await poll(() => api(daemon.url, 'GET', '/v1/sigma/switches'), (r) => r.data.switches.length === 2);
    const lowOff = switches.data.rules_running as number;
    expect(lowOff).toBeLessThan(start.loaded - 1);
    await expect.poll(counts, POLL).toEqual({ running: lowOff, loaded: start.loaded });
    await page.selectOption('#rules-level', 'low');
    await page.selectOption('#rules-state', 'true');
    await expect.poll(() => page.locator('#rules-table tbody tr').count(), POLL).toBe(0);
    await page.selectOption('#rules-state', 'false');
    await expect.poll(() => page.locator('#rules-table tbody tr.off').count(), POLL).toBeGreaterThan(0);
    expect(await page.locator('#rules-table tbody tr:not(.off)').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'sigma-rules.png') });
    // Removing both switches runs every rule again.
    await expect.poll(() => page.locator('#rules-switches li').count(), POLL).toBe(2);
    await page.locator('#rules-switches li button').first().click();
    await expect.poll(() => page.locator('#rules-switches li').count(), POLL).toBe(1);
    await page.locator('#rules-switches li button').first().click();
    await expect.poll(() => page.locator('#rules-switches li').count(), POLL).toBe(0);
    await expect.poll(counts, POLL).toEqual({ running: start.loaded, loaded: start.loaded });
    expect((await api(daemon.url, 'GET', '/v1/sigma/switches')).data.switches).toEqual([]);
    await page.close();
  });
});

describe('content security policy', () => {
  it('serves the shell under a strict policy that its own code never breaks, and refuses injected script', async () => {
    const res = await fetch(daemon.url + '/');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await openShell(ctx, daemon.url);
    // The inline preboot ran (allowed by its hash): only it marks the announcement.
    expect(await page.evaluate(() => performance.getEntriesByName('genesis:announced', 'mark').length)).toBe(1);
    await page.locator('#legend').waitFor();
    expect(cspViolations).toEqual([]);
    // An injected inline script and style are refused.
    const refused = await page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const seen: string[] = [];
          document.addEventListener('securitypolicyviolation', (e) => {
            seen.push(e.violatedDirective);
            if (seen.length === 2) resolve(seen);
          });
          const s = document.createElement('script');
          s.textContent = 'window.__injected = true';
          document.body.append(s);
          const st = document.createElement('style');
          st.textContent = 'body { background: red }';
          document.head.append(st);
          setTimeout(() => resolve(seen), 3000);
        }),
    );
    expect(refused.sort()).toEqual(['script-src-elem', 'style-src-elem']);
    expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
    await page.close();
  });
});
