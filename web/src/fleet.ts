// FleetModel: the shell's picture of the fleet, fed by GET /v1/agents and the
// mesh stream. Agents get dense indices 0..n-1 (the layout worker and the GPU
// buffers use them); a delete swaps the last agent into the freed slot.
// Structural changes are queued as LayoutOps for the layout worker.

import { toAgent, toEmotion, type Agent, type CognitionEvent, type Emotion, type MeshMessage } from './types';

export const FLAG_DETECTION = 1;
export const FLAG_COUNTER = 2;
export const FLAG_SELF = 4;
export const FLAG_SELECTED = 8;
export const FLAG_DIMMED = 16;

export interface FleetNode {
  agent: Agent;
  index: number;
  counter: boolean;
  /** performance.now() until which the detection pulse shows. */
  detectionUntil: number;
  detections: unknown[];
  emotionHistory: { at: number; emotion: Emotion }[];
  events: CognitionEvent[];
}

export type LayoutOp =
  | { op: 'add'; index: number; near: number | null }
  | { op: 'remove'; index: number; last: number };

const DETECTION_MS = 15000;
const HISTORY = 32;
const EVENTS = 20;

function isCounterAgent(a: Agent): boolean {
  const mem = a.mem_state as { counter_agent?: unknown } | null | undefined;
  return !!mem && typeof mem === 'object' && !!mem.counter_agent && typeof mem.counter_agent === 'object';
}

export class FleetModel {
  readonly nodes = new Map<string, FleetNode>();
  readonly order: FleetNode[] = [];
  selfId: string | null = null;
  selectedId: string | null = null;
  /** Bumped on every change to the set of agents or links. */
  version = 0;
  /** Bumped on every change that alters how a node is drawn. */
  attrVersion = 0;
  private ops: LayoutOp[] = [];
  private query = '';
  private matches: Set<string> | null = null;
  listeners = new Set<(type: string, node: FleetNode | null) => void>();

  get size(): number {
    return this.order.length;
  }

  private emit(type: string, node: FleetNode | null): void {
    for (const l of this.listeners) l(type, node);
  }

  drainOps(): LayoutOp[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  /** Replaces the whole fleet (first load, or resync after a gap). */
  load(agents: Agent[], now = 0): void {
    const keep = new Set(agents.map((a) => a.id));
    for (const n of [...this.order]) if (!keep.has(n.agent.id)) this.remove(n.agent.id);
    // Parents before children so new children appear next to their parents.
    const byId = new Map(agents.map((a) => [a.id, a]));
    const depth = (a: Agent): number => {
      let d = 0;
      for (let p = a.parent_id; p && d < 1000; p = byId.get(p)?.parent_id ?? null) d++;
      return d;
    };
    const sorted = [...agents].sort((a, b) => depth(a) - depth(b));
    for (const a of sorted) this.upsert(a, now);
  }

  upsert(agent: Agent, now = 0): FleetNode {
    const existing = this.nodes.get(agent.id);
    if (existing) {
      const moved = existing.agent.parent_id !== agent.parent_id;
      const emo = existing.agent.emotion;
      if (
        emo.pleasure !== agent.emotion.pleasure ||
        emo.arousal !== agent.emotion.arousal ||
        emo.dominance !== agent.emotion.dominance ||
        emo.fatigue !== agent.emotion.fatigue ||
        emo.label !== agent.emotion.label
      ) {
        this.pushEmotion(existing, agent.emotion, now);
      }
      existing.agent = agent;
      if (moved) this.version++;
      this.attrVersion++;
      this.refilter();
      this.emit(moved ? 'move' : 'update', existing);
      return existing;
    }
    const node: FleetNode = {
      agent,
      index: this.order.length,
      // A counter-agent carries its record in mem_state; the live
      // counter_agent.spawn message says so too, but a later tab only loads the list.
      counter: isCounterAgent(agent),
      detectionUntil: 0,
      detections: [],
      emotionHistory: [{ at: now, emotion: agent.emotion }],
      events: [],
    };
    this.nodes.set(agent.id, node);
    this.order.push(node);
    const parent = agent.parent_id ? this.nodes.get(agent.parent_id) : undefined;
    this.ops.push({ op: 'add', index: node.index, near: parent ? parent.index : null });
    this.version++;
    this.attrVersion++;
    this.refilter();
    this.emit('spawn', node);
    return node;
  }

  remove(id: string): boolean {
    const node = this.nodes.get(id);
    if (!node) return false;
    const last = this.order.length - 1;
    const tail = this.order[last]!;
    this.order[node.index] = tail;
    tail.index = node.index;
    this.order.pop();
    this.nodes.delete(id);
    this.ops.push({ op: 'remove', index: node.index, last });
    if (this.selectedId === id) this.selectedId = null;
    this.version++;
    this.attrVersion++;
    this.matches?.delete(id);
    this.emit('delete', node);
    return true;
  }

  private pushEmotion(node: FleetNode, e: Emotion, now: number): void {
    node.emotionHistory.push({ at: now, emotion: e });
    if (node.emotionHistory.length > HISTORY) node.emotionHistory.shift();
  }

  /** Applies one mesh message; returns true if it changed the model. */
  apply(m: MeshMessage, now = 0): boolean {
    const d = (m.data ?? {}) as Record<string, unknown>;
    switch (m.type) {
      case 'agent.spawn':
      case 'agent.move':
      case 'agent.update': {
        const a = toAgent(d);
        if (!a) return false;
        if (a.deleted_at) return this.remove(a.id);
        this.upsert(a, now);
        return true;
      }
      case 'agent.delete': {
        const id = typeof d.id === 'string' ? d.id : typeof d.agent_id === 'string' ? d.agent_id : null;
        return id ? this.remove(id) : false;
      }
      case 'agent.emotion': {
        const id = typeof d.agent_id === 'string' ? d.agent_id : typeof d.id === 'string' ? d.id : null;
        const node = id ? this.nodes.get(id) : undefined;
        if (!node) return false;
        const e = toEmotion(d.emotion ?? d);
        this.pushEmotion(node, e, now);
        node.agent = { ...node.agent, emotion: e };
        this.attrVersion++;
        this.refilter();
        this.emit('update', node);
        return true;
      }
      case 'cognition': {
        const id = typeof d.agent_id === 'string' ? d.agent_id : null;
        const node = id ? this.nodes.get(id) : undefined;
        if (!node) return false;
        node.events.unshift(d as unknown as CognitionEvent);
        if (node.events.length > EVENTS) node.events.pop();
        this.emit('cognition', node);
        return true;
      }
      case 'detection': {
        const id = typeof d.agent_id === 'string' ? d.agent_id : null;
        const node = id ? this.nodes.get(id) : undefined;
        if (!node) return false;
        node.detectionUntil = now + DETECTION_MS;
        node.detections.unshift(d);
        this.attrVersion++;
        this.emit('detection', node);
        return true;
      }
      case 'counter_agent.spawn': {
        const a = toAgent(d.agent ?? d.counter_agent ?? d);
        if (!a) return false;
        const node = this.upsert(a, now);
        node.counter = true;
        this.attrVersion++;
        return true;
      }
      default:
        return false;
    }
  }

  /** Parent->child index pairs for every agent whose parent is in the model. */
  links(): { pairs: Uint32Array; counter: Uint8Array } {
    const pairs: number[] = [];
    const counter: number[] = [];
    for (const n of this.order) {
      const p = n.agent.parent_id ? this.nodes.get(n.agent.parent_id) : undefined;
      if (!p) continue;
      pairs.push(p.index, n.index);
      counter.push(n.counter ? 1 : 0);
    }
    return { pairs: Uint32Array.from(pairs), counter: Uint8Array.from(counter) };
  }

  /** Draw flags of a node at time `now` (FLAG_*). */
  flags(n: FleetNode, now: number): number {
    let f = 0;
    if (n.detectionUntil > now) f |= FLAG_DETECTION;
    if (n.counter) f |= FLAG_COUNTER;
    if (n.agent.id === this.selfId) f |= FLAG_SELF;
    if (n.agent.id === this.selectedId) f |= FLAG_SELECTED;
    if (this.matches && !this.matches.has(n.agent.id)) f |= FLAG_DIMMED;
    return f;
  }

  /** True if `ancestor` is `id` itself or one of its ancestors in the model. */
  isAncestor(ancestor: string, id: string): boolean {
    let cur: string | null = id;
    for (let guard = 0; cur && guard < 100000; guard++) {
      if (cur === ancestor) return true;
      cur = this.nodes.get(cur)?.agent.parent_id ?? null;
    }
    return false;
  }

  setQuery(q: string): void {
    this.query = q.trim().toLowerCase();
    this.refilter(true);
  }

  get matchCount(): number | null {
    return this.matches ? this.matches.size : null;
  }

  firstMatch(): FleetNode | null {
    if (!this.matches) return null;
    for (const id of this.matches) return this.nodes.get(id) ?? null;
    return null;
  }

  private refilter(force = false): void {
    if (!this.query) {
      if (this.matches) this.attrVersion++;
      this.matches = null;
      return;
    }
    if (!force && !this.matches) return;
    const m = new Set<string>();
    for (const n of this.order) if (matchesQuery(n, this.query)) m.add(n.agent.id);
    this.matches = m;
    this.attrVersion++;
  }
}

/**
 * Search syntax: words, all of which must match. A word matches an agent whose
 * id starts with it, whose label or path contains it, or whose emotion label
 * equals it; `emotion:X`, `label:X`, `id:X` restrict to one field.
 */
export function matchesQuery(n: FleetNode, query: string): boolean {
  const a = n.agent;
  for (const word of query.toLowerCase().split(/\s+/).filter(Boolean)) {
    const [field, value] = word.includes(':') ? (word.split(':', 2) as [string, string]) : ['', word];
    const id = a.id.toLowerCase();
    const label = a.label.toLowerCase();
    const emo = a.emotion.label.toLowerCase();
    let ok: boolean;
    switch (field) {
      case 'id':
        ok = id.startsWith(value);
        break;
      case 'label':
        ok = label.includes(value);
        break;
      case 'emotion':
        ok = emo === value;
        break;
      case 'path':
        ok = a.path.toLowerCase().includes(value);
        break;
      default:
        ok = id.startsWith(value) || label.includes(value) || a.path.toLowerCase().includes(value) || emo === value;
    }
    if (!ok) return false;
  }
  return true;
}
