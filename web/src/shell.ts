// The fleet page's chrome around the FleetView: HUD, legend, search, inspector
// overlay, toasts.

import type { Api } from './api';
import type { FleetModel, FleetNode } from './fleet';
import { renderInspector } from './ui/inspector';
import type { FleetView } from './ui/view';

const $ = (id: string): HTMLElement => document.getElementById(id)!;

let toastTimer = 0;
export function toast(message: string, kind: 'error' | 'alert' | 'info' = 'info'): void {
  const t = $('toast');
  t.textContent = message;
  t.dataset.kind = kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (t.hidden = true), kind === 'info' ? 4000 : 8000);
}

/** The alert line for an agent's newest detection: technique, tactic, agent, rules. */
export function detectionText(node: FleetNode): string {
  const d = (node.detections[0] ?? {}) as { technique?: unknown; tactic?: unknown; rules?: unknown };
  const technique = typeof d.technique === 'string' ? d.technique : 'unknown technique';
  const tactic = typeof d.tactic === 'string' && d.tactic ? ` (${d.tactic})` : '';
  const rules = Array.isArray(d.rules) ? d.rules.filter((r): r is string => typeof r === 'string') : [];
  const who = node.agent.label || node.agent.id.slice(0, 8);
  return `detection ${technique}${tactic} on ${who}${rules.length ? ` — ${rules.join(', ')}` : ''}`;
}

/** The latest detections, newest first, for the alerts panel. */
export class AlertLog {
  readonly entries: { agentId: string; text: string; at: number }[] = [];

  constructor(private readonly max = 6) {}

  add(node: FleetNode, at: number): void {
    this.entries.unshift({ agentId: node.agent.id, text: detectionText(node).replace(/^detection /, ''), at });
    this.entries.splice(this.max);
  }
}

/** Draws the alerts panel; picking an entry calls `onPick` with its agent. */
export function renderAlerts(log: AlertLog, onPick: (agentId: string) => void): void {
  const root = $('alerts');
  const title = document.createElement('h4');
  title.textContent = 'Detections';
  const list = document.createElement('ul');
  for (const e of log.entries) {
    const li = document.createElement('li');
    li.textContent = `${new Date(e.at).toLocaleTimeString()}  ${e.text}`;
    li.title = `${e.text} (click: show the agent)`;
    li.dataset.agent = e.agentId;
    li.addEventListener('click', () => onPick(e.agentId));
    list.append(li);
  }
  root.replaceChildren(title, list);
  root.hidden = log.entries.length === 0;
}

export function renderLegend(): void {
  const l = $('legend');
  l.innerHTML = `
    <h4>Legend</h4>
    <div>colour = emotion: hue from pleasure (0 → 1)</div>
    <div class="hue"></div>
    <div>saturation and glow = arousal</div>
    <div class="row"><span class="dot self"></span>white ring: this tab's agent</div>
    <div class="row"><span class="dot detection"></span>pulsing red: detection</div>
    <div class="row"><span class="dot counter"></span>blue: counter-agent (linked to its target)</div>
    <div class="row">slow breathing: fatigue &gt; 0.7</div>
    <div class="keys">drag background: orbit · shift/right-drag: pan · wheel, +/-: zoom · arrows: orbit · WASD: pan · f: fit · click node: inspect · drag node onto another: re-parent · /: search · Esc: close</div>`;
  l.hidden = false;
}

export class InspectorOverlay {
  private id: string | null = null;

  constructor(
    private readonly model: FleetModel,
    private readonly api: Api,
  ) {
    model.listeners.add((type, node) => {
      if (!this.id || !node || node.agent.id !== this.id) return;
      if (type === 'delete') this.close();
      else this.render(node);
    });
  }

  get openId(): string | null {
    return this.id;
  }

  async open(node: FleetNode): Promise<void> {
    this.id = node.agent.id;
    this.render(node);
    // Fresh memory and the latest events from the registry.
    try {
      const [agent, events] = await Promise.all([this.api.agent(node.agent.id), this.api.events(node.agent.id, 20)]);
      const cur = this.model.nodes.get(agent.id);
      if (!cur || this.id !== agent.id) return;
      cur.agent = agent;
      const seen = new Set(cur.events.map((e) => e.id ?? `${e.ts}${e.type}`));
      for (const e of events) if (!seen.has(e.id ?? `${e.ts}${e.type}`)) cur.events.push(e);
      cur.events.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0));
      cur.events.splice(20);
      this.render(cur);
    } catch (e) {
      toast(`inspector: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  }

  private render(node: FleetNode): void {
    const root = $('inspector');
    root.hidden = false;
    root.dataset.agentId = node.agent.id;
    renderInspector(
      root,
      { agent: node.agent, events: node.events, history: node.emotionHistory, detections: node.detections, counter: node.counter },
      { full: false, onClose: () => this.closeAndDeselect() },
    );
  }

  private closeAndDeselect(): void {
    this.model.selectedId = null;
    this.model.attrVersion++;
    this.close();
  }

  close(): void {
    this.id = null;
    const root = $('inspector');
    root.hidden = true;
    delete root.dataset.agentId;
  }
}

export function bindSearch(model: FleetModel, view: FleetView, onPick: (n: FleetNode) => void): void {
  const input = $('search') as HTMLInputElement;
  const count = $('search-count');
  const update = () => {
    model.setQuery(input.value);
    const m = model.matchCount;
    count.textContent = m === null ? '' : `${m} match${m === 1 ? '' : 'es'}`;
  };
  input.addEventListener('input', update);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const n = model.firstMatch();
      if (n) {
        view.focus(n);
        onPick(n);
      }
    } else if (e.key === 'Escape') {
      input.value = '';
      update();
      input.blur();
    }
  });
  model.listeners.add(() => {
    if (input.value) {
      const m = model.matchCount;
      count.textContent = m === null ? '' : `${m} match${m === 1 ? '' : 'es'}`;
    }
  });
  window.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === '/' && document.activeElement !== input) {
      e.preventDefault();
      input.focus();
    } else if (document.activeElement === document.body) {
      view.key(e);
    }
  });
}
