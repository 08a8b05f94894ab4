// The boot sequence (seed, "tab == pid == agent == peer"):
//   1. register the Service Worker (not awaited: a warm visit is already controlled by it);
//   2. take this tab's Web Lock; obtain a capability token and spawn this tab's
//      agent in one request (POST /auth/capability with "spawn");
//   3. join the /v1/mesh WebSocket and announce ({"type":"hello"}); boot_ms is
//      navigation start (performance.timeOrigin) to "hello.ok", so it includes
//      loading the page.
// Steps 2 and 3 normally run in the preboot script inlined in index.html
// (src/preboot.ts), before the bundle is even parsed; boot() adopts the result.
// Nothing here waits for the renderer, the layout or the fleet list.

import { Api } from './api';
import { MeshClient, meshUrl, type MeshHandlers } from './mesh';
import { acquireTabLock, tabMemory, type PrebootState } from './preboot';
import { toAgent, type Agent } from './types';

export { acquireTabLock };

export interface BootResult {
  api: Api;
  mesh: MeshClient;
  agent: Agent;
  tabId: string;
  /** Navigation start to "registered and announced", in ms. */
  bootMs: number;
  /** True when the page was served by the Service Worker (a warm boot). */
  warm: boolean;
}

const TABS_KEY = 'genesis.tabs';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/genesis-sw.js', { scope: '/' }).catch((e: unknown) => {
    console.warn('genesis: service worker registration failed', e);
  });
}

function readTabs(): Record<string, string> {
  try {
    const v = JSON.parse(localStorage.getItem(TABS_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function writeTabs(t: Record<string, string>): void {
  try {
    localStorage.setItem(TABS_KEY, JSON.stringify(t));
  } catch {
    // storage full or disabled: orphan cleanup just does less
  }
}

/**
 * Deletes agents of this browser's tabs that closed without their DELETE
 * arriving (crash, killed process): their Web Lock is no longer held.
 */
export async function reapOrphanTabs(api: Api, selfTab: string): Promise<number> {
  if (!navigator.locks?.query) return 0;
  const snapshot = await navigator.locks.query();
  const held = new Set([...(snapshot.held ?? []), ...(snapshot.pending ?? [])].map((l) => l.name));
  const tabs = readTabs();
  let reaped = 0;
  for (const [tab, agentId] of Object.entries(tabs)) {
    if (tab === selfTab || held.has(`genesis-tab:${tab}`)) continue;
    try {
      await api.remove(agentId);
      reaped++;
    } catch {
      // already gone (404) or not ours to delete: forget it either way
    }
    delete tabs[tab];
  }
  writeTabs(tabs);
  return reaped;
}

declare global {
  interface Window {
    __genesisPreboot?: PrebootState;
  }
}

/** How long boot() waits for the preboot's announcement before it does the boot itself. */
const ANNOUNCE_DEADLINE_MS = 10000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

export async function boot(handlers: MeshHandlers, api = new Api()): Promise<BootResult> {
  const mark = (name: string) => performance.mark(`genesis:${name}`);
  mark('boot-start');
  const warm = !!navigator.serviceWorker?.controller;
  registerServiceWorker();
  const pre = window.__genesisPreboot;
  window.__genesisPreboot = undefined;
  const mesh = new MeshClient(() => meshUrl(location, api.token), handlers);

  // Usually the preboot script has registered and announced this tab's agent
  // while the bundle loaded: adopt its socket and the messages it kept.
  const session = pre ? await pre.session.catch(() => null) : null;
  const announced =
    pre && session
      ? await within(pre.announced, ANNOUNCE_DEADLINE_MS).catch((e: unknown) => (console.warn('genesis: preboot', e), null))
      : null;
  const registered = toAgent(announced?.agent);
  if (pre?.ws && session && announced && registered) {
    api.token = session.token;
    await mesh.connect({ ws: pre.ws, early: pre.early });
    mesh.announceOnReconnect({ type: 'hello', agent_id: registered.id, tab_id: announced.tabId });
    return finish(api, mesh, registered, announced.tabId, announced.at, warm);
  }

  // Otherwise the same steps here, reusing what the preboot got done.
  pre?.ws?.close();
  const tab = pre ? pre.tab : acquireTabLock();
  const cap = session ?? (await api.capability('tab'));
  api.token = cap.token;
  mark('capability');
  const joined = mesh.connect().then(() => mark('mesh-open'));
  const agent =
    toAgent(session?.agent) ?? (await api.spawn({ label: 'tab', mem_state: tabMemory(), goals: [] }));
  mark('spawned');
  const tabId = await tab;
  await joined;
  // Announced once genesisd has bound this peer to the agent ("hello.ok").
  await mesh.request({ type: 'hello', agent_id: agent.id, tab_id: tabId });
  const bootMs = performance.now();
  mark('announced');
  return finish(api, mesh, agent, tabId, bootMs, warm);
}

function finish(api: Api, mesh: MeshClient, agent: Agent, tabId: string, bootMs: number, warm: boolean): BootResult {
  const tabs = readTabs();
  tabs[tabId] = agent.id;
  writeTabs(tabs);
  window.addEventListener('pagehide', () => {
    api.removeOnUnload(agent.id);
    const t = readTabs();
    delete t[tabId];
    writeTabs(t);
    mesh.close();
  });
  window.addEventListener('pageshow', (e: PageTransitionEvent) => {
    // Restored from the back/forward cache: the agent was removed on pagehide.
    if (e.persisted) location.reload();
  });
  return { api, mesh, agent, tabId, bootMs, warm };
}
