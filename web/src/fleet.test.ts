import { describe, expect, it } from 'vitest';
import { FLAG_COUNTER, FLAG_DETECTION, FLAG_DIMMED, FLAG_SELF, FleetModel, matchesQuery } from './fleet';
import { NEUTRAL_EMOTION, type Agent } from './types';

function agent(id: string, parent: string | null = null, extra: Partial<Agent> = {}): Agent {
  return {
    id,
    tenant_id: 'default',
    parent_id: parent,
    label: id,
    path: id,
    mem_state: {},
    goals: [],
    emotion: { ...NEUTRAL_EMOTION },
    policy: '',
    created_at: '',
    deleted_at: null,
    ...extra,
  };
}

const msg = (type: string, data: unknown, seq = 1) => ({ seq, type, data });

describe('FleetModel', () => {
  it('loads parents before children and links them', () => {
    const m = new FleetModel();
    m.load([agent('c', 'b'), agent('b', 'a'), agent('a')]);
    expect(m.order.map((n) => n.agent.id)).toEqual(['a', 'b', 'c']);
    const { pairs } = m.links();
    expect([...pairs]).toEqual([0, 1, 1, 2]);
    const ops = m.drainOps();
    expect(ops).toEqual([
      { op: 'add', index: 0, near: null },
      { op: 'add', index: 1, near: 0 },
      { op: 'add', index: 2, near: 1 },
    ]);
    expect(m.drainOps()).toEqual([]);
  });

  it('removes by swapping the last agent into the freed slot', () => {
    const m = new FleetModel();
    m.load([agent('a'), agent('b', 'a'), agent('c', 'a')]);
    m.drainOps();
    expect(m.apply(msg('agent.delete', agent('a')))).toBe(true);
    expect(m.drainOps()).toEqual([{ op: 'remove', index: 0, last: 2 }]);
    expect(m.order.map((n) => [n.agent.id, n.index])).toEqual([
      ['c', 0],
      ['b', 1],
    ]);
    expect(m.links().pairs.length).toBe(0);
  });

  it('applies spawn, move and update from the mesh', () => {
    const m = new FleetModel();
    m.apply(msg('agent.spawn', agent('a')));
    m.apply(msg('agent.spawn', agent('b')));
    m.apply(msg('agent.spawn', agent('c', 'a')));
    const v = m.version;
    m.apply(msg('agent.move', agent('c', 'b')));
    expect(m.version).toBeGreaterThan(v);
    expect([...m.links().pairs]).toEqual([1, 2]);
    const av = m.attrVersion;
    const v2 = m.version;
    m.apply(msg('agent.update', agent('c', 'b', { emotion: { ...NEUTRAL_EMOTION, pleasure: 0.9, label: 'HAPPY' } })));
    expect(m.version).toBe(v2);
    expect(m.attrVersion).toBeGreaterThan(av);
    expect(m.nodes.get('c')!.emotionHistory.map((h) => h.emotion.pleasure)).toEqual([0.5, 0.9]);
  });

  it('treats an update carrying deleted_at as a delete', () => {
    const m = new FleetModel();
    m.apply(msg('agent.spawn', agent('a')));
    m.apply(msg('agent.update', agent('a', null, { deleted_at: '2026-01-01T00:00:00Z' })));
    expect(m.size).toBe(0);
  });

  it('ignores malformed messages and unknown types', () => {
    const m = new FleetModel();
    expect(m.apply(msg('agent.spawn', { label: 'no id' }))).toBe(false);
    expect(m.apply(msg('agent.delete', {}))).toBe(false);
    expect(m.apply(msg('welcome', { seq: 3 }))).toBe(false);
    expect(m.size).toBe(0);
  });

  it('pulses detections for a while and marks counter-agents', () => {
    const m = new FleetModel();
    m.apply(msg('agent.spawn', agent('victim')));
    m.apply(msg('detection', { agent_id: 'victim', technique: 'T1071.004' }), 1000);
    const victim = m.nodes.get('victim')!;
    expect(m.flags(victim, 1001) & FLAG_DETECTION).toBeTruthy();
    expect(m.flags(victim, 1000 + 60000) & FLAG_DETECTION).toBeFalsy();
    m.apply(msg('counter_agent.spawn', { agent: agent('ca', 'victim'), target_agent_id: 'victim' }));
    const ca = m.nodes.get('ca')!;
    expect(m.flags(ca, 0) & FLAG_COUNTER).toBeTruthy();
    expect([...m.links().counter]).toEqual([1]);
  });

  it('knows counter-agents loaded from the list (a tab opened after the response)', () => {
    const m = new FleetModel();
    m.load([
      agent('victim'),
      agent('ca', 'victim', { mem_state: { counter_agent: { technique: 'T1055', target_agent_id: 'victim' } } }),
      agent('worker', 'victim', { mem_state: { counter_agent: 'not a record' } }),
    ]);
    expect(m.flags(m.nodes.get('ca')!, 0) & FLAG_COUNTER).toBeTruthy();
    expect(m.flags(m.nodes.get('worker')!, 0) & FLAG_COUNTER).toBeFalsy();
    expect(m.flags(m.nodes.get('victim')!, 0) & FLAG_COUNTER).toBeFalsy();
    expect([...m.links().counter]).toEqual([1, 0]);
  });

  it('keeps the latest cognition events of an agent, newest first', () => {
    const m = new FleetModel();
    m.apply(msg('agent.spawn', agent('a')));
    for (let i = 0; i < 25; i++) m.apply(msg('cognition', { agent_id: 'a', type: 'plan', payload: { i }, ts: String(i) }));
    const ev = m.nodes.get('a')!.events;
    expect(ev.length).toBe(20);
    expect((ev[0]!.payload as { i: number }).i).toBe(24);
  });

  it('flags this tab and dims what the search does not match', () => {
    const m = new FleetModel();
    m.load([agent('aa11', null, { label: 'planner' }), agent('bb22', null, { label: 'worker', emotion: { ...NEUTRAL_EMOTION, label: 'ANXIOUS' } })]);
    m.selfId = 'aa11';
    expect(m.flags(m.nodes.get('aa11')!, 0) & FLAG_SELF).toBeTruthy();
    m.setQuery('anxious');
    expect(m.matchCount).toBe(1);
    expect(m.flags(m.nodes.get('aa11')!, 0) & FLAG_DIMMED).toBeTruthy();
    expect(m.flags(m.nodes.get('bb22')!, 0) & FLAG_DIMMED).toBeFalsy();
    m.setQuery('');
    expect(m.matchCount).toBeNull();
    expect(m.flags(m.nodes.get('aa11')!, 0) & FLAG_DIMMED).toBeFalsy();
  });

  it('knows ancestry (a move under a descendant would be a cycle)', () => {
    const m = new FleetModel();
    m.load([agent('a'), agent('b', 'a'), agent('c', 'b')]);
    expect(m.isAncestor('a', 'c')).toBe(true);
    expect(m.isAncestor('c', 'a')).toBe(false);
    expect(m.isAncestor('b', 'b')).toBe(true);
  });

  it('resync replaces the fleet: missing agents go, new ones come', () => {
    const m = new FleetModel();
    m.load([agent('a'), agent('b', 'a')]);
    m.load([agent('a'), agent('c', 'a')]);
    expect([...m.nodes.keys()].sort()).toEqual(['a', 'c']);
    expect(m.order.every((n, i) => n.index === i)).toBe(true);
  });
});

describe('search', () => {
  const node = (a: Agent) => ({ agent: a, index: 0, counter: false, detectionUntil: 0, detections: [], emotionHistory: [], events: [] });
  const n = node(agent('3f2a-77', null, { label: 'Payments Bot', path: 'root.pay', emotion: { ...NEUTRAL_EMOTION, label: 'CALM' } }));
  it('matches id prefix, label, path and emotion', () => {
    expect(matchesQuery(n, '3f2a')).toBe(true);
    expect(matchesQuery(n, 'payments')).toBe(true);
    expect(matchesQuery(n, 'root.pay')).toBe(true);
    expect(matchesQuery(n, 'calm')).toBe(true);
    expect(matchesQuery(n, '77')).toBe(false);
  });
  it('supports field prefixes and needs every word', () => {
    expect(matchesQuery(n, 'emotion:calm label:bot')).toBe(true);
    expect(matchesQuery(n, 'emotion:calm label:cat')).toBe(false);
    expect(matchesQuery(n, 'id:payments')).toBe(false);
  });
});
