import { describe, expect, it } from 'vitest';
import { FleetModel } from './fleet';
import { AlertLog, detectionText } from './shell';
import { NEUTRAL_EMOTION } from './types';

describe('detectionText', () => {
  const agent = (id: string, label: string) => ({
    id, tenant_id: 'default', parent_id: null, label, path: label, mem_state: {}, goals: [],
    emotion: { ...NEUTRAL_EMOTION }, policy: '', created_at: '', deleted_at: null,
  });

  it('names the newest detection, its tactic, the agent and the rules', () => {
    const m = new FleetModel();
    m.apply({ seq: 1, type: 'agent.spawn', data: agent('a1', 'worker-3') });
    m.apply({ seq: 2, type: 'detection', data: { agent_id: 'a1', technique: 'T1055', tactic: 'defense-evasion', rules: ['seed_process_inject'] } });
    m.apply({ seq: 3, type: 'detection', data: { agent_id: 'a1', technique: 'T1071.004', tactic: 'command-and-control', rules: ['dns_long_high_entropy_label', 'dns_txt_heavy'] } });
    expect(detectionText(m.nodes.get('a1')!)).toBe(
      'detection T1071.004 (command-and-control) on worker-3 — dns_long_high_entropy_label, dns_txt_heavy',
    );
  });

  it('copes with what a hand-made message leaves out', () => {
    const m = new FleetModel();
    m.apply({ seq: 1, type: 'agent.spawn', data: agent('0123456789abcdef', '') });
    m.apply({ seq: 2, type: 'detection', data: { agent_id: '0123456789abcdef', rules: 'not a list' } });
    expect(detectionText(m.nodes.get('0123456789abcdef')!)).toBe('detection unknown technique on 01234567');
  });
});

describe('AlertLog', () => {
  it('keeps the latest detections, newest first, up to its size', () => {
    const m = new FleetModel();
    const log = new AlertLog(2);
    for (const [i, t] of ['T1055', 'T1490', 'T1071.004'].entries()) {
      const id = `a${i}`;
      m.apply({ seq: i * 2 + 1, type: 'agent.spawn', data: { id, label: `host-${i}`, path: `host-${i}`, parent_id: null } });
      m.apply({ seq: i * 2 + 2, type: 'detection', data: { agent_id: id, technique: t } });
      log.add(m.nodes.get(id)!, 1000 + i);
    }
    expect(log.entries).toEqual([
      { agentId: 'a2', text: 'T1071.004 on host-2', at: 1002 },
      { agentId: 'a1', text: 'T1490 on host-1', at: 1001 },
    ]);
  });
});
