// Entry point: boot first (Service Worker, capability, this tab's agent, mesh,
// announce), then load the fleet and start the view — the fleet view or, on
// /inspect/{id}, the full-page inspector. `window.__genesis` exposes the boot
// figures and the view for the e2e tests and the browser benchmark.

import './style.css';
import wasmUrl from '../build/layout.wasm?url';
import type { Api } from './api';
import { boot, reapOrphanTabs, type BootResult } from './boot';
import { FleetModel, type FleetNode } from './fleet';
import type { MeshMessage } from './types';
import type { FleetView, RendererChoice } from './ui/view';

export interface GenesisDebug {
  model: FleetModel;
  bootMs: number | null;
  warm: boolean | null;
  agentId: string | null;
  firstFrameMs: number | null;
  renderer: string | null;
  view: FleetView | null;
  loaded: boolean;
  error: string | null;
}

declare global {
  interface Window {
    __genesis: GenesisDebug;
  }
}

const model = new FleetModel();
const dbg: GenesisDebug = {
  model,
  bootMs: null,
  warm: null,
  agentId: null,
  firstFrameMs: null,
  renderer: null,
  view: null,
  loaded: false,
  error: null,
};
window.__genesis = dbg;

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const params = new URLSearchParams(location.search);
const inspectId = /^\/inspect\/([^/]+)/.exec(location.pathname)?.[1];
const rulesPage = location.pathname === '/rules';
let api: Api | null = null;
let buffered: MeshMessage[] | null = [];

function onMessage(m: MeshMessage): void {
  if (buffered) buffered.push(m);
  else model.apply(m, performance.now());
}

async function reload(): Promise<void> {
  if (!api) return;
  if (rulesPage) {
    buffered = null;  // the rules page draws no fleet
    dbg.loaded = true;
    return;
  }
  if (inspectId) {
    model.load([await api.agent(decodeURIComponent(inspectId))], performance.now());
  } else {
    model.load(await api.allAgents(), performance.now());
  }
  const queued = buffered ?? [];
  buffered = null;
  for (const m of queued) model.apply(m, performance.now());
  dbg.loaded = true;
}

function setStatus(text: string, state: 'booting' | 'ready' | 'error'): void {
  const s = $('boot-status');
  s.textContent = text;
  s.dataset.state = state;
}

async function startFleet(b: BootResult): Promise<void> {
  const [{ FleetView }, shell] = await Promise.all([import('./ui/view'), import('./shell')]);
  const inspector = new shell.InspectorOverlay(model, b.api);
  const choice = (params.get('renderer') ?? 'auto') as RendererChoice;
  const view = await FleetView.create($('fleet') as HTMLCanvasElement, model, {
    renderer: choice === 'webgpu' || choice === 'webgl2' ? choice : 'auto',
    wasmUrl,
    onSelect: (n) => (n ? void inspector.open(n) : inspector.close()),
    onMove: async (node, target) => {
      await b.api.move(node.agent.id, target.agent.id);
      shell.toast(`moved ${node.agent.label || node.agent.id.slice(0, 8)} under ${target.agent.label || target.agent.id.slice(0, 8)}`);
    },
    onToast: shell.toast,
    onFirstFrame: (ms) => {
      dbg.firstFrameMs = ms;
      void b.api.postEvent(b.agent.id, 'perceive', { first_frame_ms: Math.round(ms), renderer: view.renderer.kind, agents: model.size }).catch(() => undefined);
    },
  });
  dbg.view = view;
  dbg.renderer = view.renderer.kind;
  $('renderer-name').textContent = view.renderer.kind === 'webgpu' ? 'WebGPU' : 'WebGL2';
  shell.renderLegend();
  const select = (n: FleetNode) => {
    model.selectedId = n.agent.id;
    model.attrVersion++;
    void inspector.open(n);
  };
  shell.bindSearch(model, view, select);
  // A detection is an alert in the HUD (a toast, and the list of the latest,
  // each leading to its agent) as well as a red pulse on the agent.
  const alerts = new shell.AlertLog();
  const pick = (id: string) => {
    const n = model.nodes.get(id);
    if (!n) return shell.toast(`agent ${id.slice(0, 8)} is gone`, 'error');
    view.focus(n);
    select(n);
  };
  model.listeners.add((type, n) => {
    if (type !== 'detection' || !n) return;
    shell.toast(shell.detectionText(n), 'alert');
    alerts.add(n, Date.now());
    shell.renderAlerts(alerts, pick);
  });
  const count = $('fleet-count');
  setInterval(() => {
    count.textContent = `${model.size} agents · ${view.fps.toFixed(0)} fps · layout ${view.layoutTickMs.toFixed(1)} ms/tick`;
  }, 500);
  view.start();
}

async function startInspectPage(b: BootResult, id: string): Promise<void> {
  const { renderInspector } = await import('./ui/inspector');
  $('fleet').hidden = true;
  const page = $('page');
  page.hidden = false;
  const root = document.createElement('div');
  root.className = 'inspector';
  root.id = 'inspector-page';
  page.append(root);
  const node = model.nodes.get(id);
  if (!node) {
    root.textContent = `agent ${id} not found`;
    return;
  }
  node.events = await b.api.events(id, 100).catch(() => []);
  const draw = () => {
    const n = model.nodes.get(id);
    if (!n) {
      root.textContent = `agent ${id} was deleted`;
      return;
    }
    renderInspector(root, { agent: n.agent, events: n.events, history: n.emotionHistory, detections: n.detections, counter: n.counter }, { full: true });
  };
  model.listeners.add((_t, n) => {
    if (!n || n.agent.id === id) draw();
  });
  draw();
}

async function startRulesPage(b: BootResult): Promise<void> {
  const [{ RulesPage }, shell] = await Promise.all([import('./ui/rules'), import('./shell')]);
  $('fleet').hidden = true;
  const page = $('page');
  page.hidden = false;
  const root = document.createElement('div');
  root.className = 'rules';
  root.id = 'rules-page';
  page.append(root);
  await new RulesPage(root, b.api, shell.toast).start();
}

boot({ onMessage, onResync: () => void reload() })
  .then(async (b) => {
    api = b.api;
    dbg.bootMs = b.bootMs;
    dbg.warm = b.warm;
    dbg.agentId = b.agent.id;
    model.selfId = b.agent.id;
    setStatus(`booted in ${b.bootMs.toFixed(0)} ms (${b.warm ? 'warm' : 'cold'})`, 'ready');
    void b.api.postEvent(b.agent.id, 'perceive', { boot_ms: Math.round(b.bootMs * 10) / 10, warm: b.warm, page: location.pathname }).catch(() => undefined);
    await reload();
    void reapOrphanTabs(b.api, b.tabId).catch(() => undefined);
    if (rulesPage) await startRulesPage(b);
    else if (inspectId) await startInspectPage(b, decodeURIComponent(inspectId));
    else await startFleet(b);
  })
  .catch((e: unknown) => {
    dbg.error = e instanceof Error ? e.message : String(e);
    setStatus(`boot failed: ${dbg.error}`, 'error');
    console.error(e);
  });
