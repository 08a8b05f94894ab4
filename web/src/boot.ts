// The boot sequence (seed, "tab == pid == agent == peer"):
//   1. register the Service Worker (not awaited: a warm visit is already controlled by it);
//   2. take this tab's Web Lock and obtain a capability token (in parallel);
//   3. spawn this tab's agent while joining the /v1/mesh WebSocket (in parallel);
//   4. announce ({"type":"hello"}) and stop the clock: boot_ms is measured from
//      navigation start (performance.timeOrigin), so it includes loading the page.
// Nothing here waits for the renderer, the layout or the fleet list.

import { Api } from './api';
import { MeshClient, meshUrl, type MeshHandlers } from './mesh';
import { tabMemory } from './preboot';
import { toAgent, type Agent, type Capability } from './types';

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

const TAB_KEY = 'genesis.tab';
const TABS_KEY = 'genesis.tabs';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/genesis-sw.js', { scope: '/' }).catch((e: unknown) => {
    console.warn('genesis: service worker registration failed', e);
  });
}

function newTabId(): string {
  return crypto.randomUUID();
}

/**
 * One agent per tab: the tab id lives in sessionStorage (it survives reloads) and
 * is guarded by a Web Lock held for the page's life. A duplicated tab copies
 * sessionStorage but cannot take the lock, so it picks a fresh id.
 */
export async function acquireTabLock(): Promise<string> {
  let id = sessionStorage.getItem(TAB_KEY) ?? newTabId();
  if (!navigator.locks) {
    sessionStorage.setItem(TAB_KEY, id);
    return id;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const got = await new Promise<boolean>((resolve) => {
      void navigator.locks.request(`genesis-tab:${id}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Held until the page goes away.
        return lock ? new Promise<void>(() => undefined) : undefined;
      });
    });
    if (got) {
      sessionStorage.setItem(TAB_KEY, id);
      return id;
    }
    id = newTabId();
  }
  sessionStorage.setItem(TAB_KEY, id);
  return id;
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

/** What index.html's inline preboot script (src/preboot.ts) started before the bundle loaded. */
interface Preboot {
  capability: Promise<Capability>;
  agent: Promise<unknown>;
  ws: WebSocket | null;
  early: string[];
}

declare global {
  interface Window {
    __genesisPreboot?: Preboot;
  }
}

export async function boot(handlers: MeshHandlers, api = new Api()): Promise<BootResult> {
  const mark = (name: string) => performance.mark(`genesis:${name}`);
  mark('boot-start');
  const warm = !!navigator.serviceWorker?.controller;
  registerServiceWorker();
  const pre = window.__genesisPreboot;
  window.__genesisPreboot = undefined;
  const locked = acquireTabLock();
  // The preboot script already asked for the token, the agent and the socket
  // while the bundle loaded; fall back to doing it here if it could not.
  const cap = pre ? await pre.capability.catch(() => api.capability('tab')) : await api.capability('tab');
  api.token = cap.token;
  mark('capability');
  const mesh = new MeshClient(() => meshUrl(location, api.token), handlers);
  const joined = mesh.connect(pre?.ws ? { ws: pre.ws, early: pre.early } : undefined).then(() => mark('mesh-open'));
  const spawnHere = () => api.spawn({ label: 'tab', mem_state: tabMemory(), goals: [] });
  let agent = pre ? toAgent(await pre.agent.catch(() => null)) : null;
  agent ??= await spawnHere();
  mark('spawned');
  const tabId = await locked;
  await joined;
  // Announced once genesisd has bound this peer to the agent ("hello.ok").
  await mesh.request({ type: 'hello', agent_id: agent.id, tab_id: tabId });
  const bootMs = performance.now();
  mark('announced');

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
