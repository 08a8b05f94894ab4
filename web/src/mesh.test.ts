import { describe, expect, it } from 'vitest';
import { SeqTracker, meshUrl, parseMeshMessage } from './mesh';

describe('SeqTracker', () => {
  it('accepts consecutive sequence numbers from any start', () => {
    const t = new SeqTracker();
    expect(t.accept(41)).toBe('ok');
    expect(t.accept(42)).toBe('ok');
    expect(t.accept(43)).toBe('ok');
  });
  it('reports a gap when messages were lost', () => {
    const t = new SeqTracker();
    t.accept(1);
    expect(t.accept(3)).toBe('gap');
    expect(t.accept(4)).toBe('ok');
  });
  it('drops duplicates and old messages', () => {
    const t = new SeqTracker();
    t.accept(5);
    expect(t.accept(5)).toBe('stale');
    expect(t.accept(2)).toBe('stale');
  });
  it('ignores replies without a sequence number', () => {
    const t = new SeqTracker();
    t.accept(7);
    expect(t.accept(NaN)).toBe('ok');
    expect(t.accept(8)).toBe('ok');
  });
  it('starts over after reset (reconnect)', () => {
    const t = new SeqTracker();
    t.accept(100);
    t.reset();
    expect(t.accept(3)).toBe('ok');
  });
});

describe('parseMeshMessage', () => {
  it('reads typed messages', () => {
    expect(parseMeshMessage('{"seq":3,"type":"agent.spawn","data":{"id":"a"}}')).toEqual({ seq: 3, type: 'agent.spawn', data: { id: 'a' } });
  });
  it('rejects what is not a typed object', () => {
    expect(parseMeshMessage('not json')).toBeNull();
    expect(parseMeshMessage('[1,2]')).toBeNull();
    expect(parseMeshMessage('{"seq":1}')).toBeNull();
  });
});

describe('meshUrl', () => {
  it('uses ws: or wss: like the page and passes the token', () => {
    expect(meshUrl({ protocol: 'http:', host: '127.0.0.1:8000' } as Location, 'a b')).toBe('ws://127.0.0.1:8000/v1/mesh?token=a%20b');
    expect(meshUrl({ protocol: 'https:', host: 'g.example' } as Location, '')).toBe('wss://g.example/v1/mesh');
  });
});
