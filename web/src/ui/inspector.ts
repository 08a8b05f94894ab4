// The agent inspector: id, spawn path, memory (collapsible pretty JSON), goals,
// emotion with its history, latest cognition events. Rendered as the overlay
// of the fleet view and as the full page /inspect/{id}.

import { emotionCss } from '../emotion';
import type { Agent, CognitionEvent, Emotion } from '../types';
import { jsonTree } from './json_tree';

export interface InspectorData {
  agent: Agent;
  events: CognitionEvent[];
  history: { at: number; emotion: Emotion }[];
  detections: unknown[];
  counter: boolean;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function section(title: string, ...children: (HTMLElement | string)[]): HTMLElement {
  const s = el('section');
  s.append(el('h3', undefined, title), ...children);
  return s;
}

function emotionBlock(e: Emotion, history: { at: number; emotion: Emotion }[]): HTMLElement {
  const wrap = el('div', 'emotion');
  const swatch = el('span', 'swatch');
  swatch.style.background = emotionCss(e);
  const txt = el(
    'span',
    'emotion-values',
    `${e.label}  P ${e.pleasure.toFixed(2)}  A ${e.arousal.toFixed(2)}  D ${e.dominance.toFixed(2)}  fatigue ${e.fatigue.toFixed(2)}`,
  );
  wrap.append(swatch, txt);
  if (history.length > 1) {
    const strip = el('div', 'emotion-history');
    strip.title = 'emotion history (oldest left)';
    for (const h of history) {
      const s = el('span');
      s.style.background = emotionCss(h.emotion);
      s.title = `${h.emotion.label} P ${h.emotion.pleasure.toFixed(2)} A ${h.emotion.arousal.toFixed(2)}`;
      strip.append(s);
    }
    wrap.append(strip);
  }
  return wrap;
}

export function renderInspector(root: HTMLElement, d: InspectorData, opts: { full: boolean; onClose?: () => void }): void {
  root.replaceChildren();
  const a = d.agent;
  const head = el('div', 'insp-head');
  const title = el('h2', undefined, a.label || '(no label)');
  head.append(title);
  if (d.counter) head.append(el('span', 'badge counter', 'counter-agent'));
  if (d.detections.length) head.append(el('span', 'badge detection', `${d.detections.length} detection(s)`));
  if (!opts.full) {
    const link = el('a', 'full-link', 'open full inspector ↗');
    link.href = `/inspect/${encodeURIComponent(a.id)}`;
    link.target = '_blank';
    const close = el('button', 'close', '×');
    close.title = 'close (Esc)';
    close.onclick = () => opts.onClose?.();
    head.append(link, close);
  }
  root.append(head);
  const meta = el('dl', 'meta');
  for (const [k, v] of [
    ['id', a.id],
    ['path', a.path],
    ['parent', a.parent_id ?? '—'],
    ['created', a.created_at],
    ['policy', a.policy || '—'],
  ] as const) {
    meta.append(el('dt', undefined, k), el('dd', `meta-${k}`, v));
  }
  root.append(meta);
  root.append(section('emotion', emotionBlock(a.emotion, d.history)));
  const mem = el('div', 'memory');
  mem.dataset.testid = 'memory';
  mem.append(jsonTree(a.mem_state, opts.full ? 4 : 2));
  root.append(section('memory', mem));
  const goals = el('table', 'goals');
  if (a.goals.length === 0) goals.append(el('caption', undefined, 'no goals'));
  for (const g of a.goals) {
    const tr = el('tr');
    tr.append(el('td', undefined, String(g.id)), el('td', undefined, `weight ${g.weight}`), el('td', undefined, `ttl ${g.ttl}`));
    goals.append(tr);
  }
  root.append(section('goals', goals));
  if (d.detections.length) {
    root.append(section('detections', jsonTree(d.detections.slice(0, 10), 1)));
  }
  const ev = el('ol', 'events');
  if (d.events.length === 0) ev.append(el('li', 'none', 'no cognition events yet'));
  for (const e of d.events.slice(0, opts.full ? 100 : 10)) {
    const li = el('li');
    li.append(el('span', `ev-type ev-${e.type}`, e.type), el('span', 'ev-ts', e.ts ?? ''));
    li.append(jsonTree(e.payload, 1));
    ev.append(li);
  }
  root.append(section('latest cognition events', ev));
}
