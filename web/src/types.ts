// The genesisd API contract as the shell sees it (docs/shell.md, COMMON API).

export interface Emotion {
  pleasure: number;
  arousal: number;
  dominance: number;
  label: string;
  fatigue: number;
}

export interface Goal {
  id: string;
  weight: number;
  ttl: number;
}

export interface Agent {
  id: string;
  tenant_id: string;
  parent_id: string | null;
  label: string;
  path: string;
  mem_state: unknown;
  goals: Goal[];
  emotion: Emotion;
  policy: string;
  created_at: string;
  deleted_at: string | null;
}

export type CognitionType = 'perceive' | 'plan' | 'act' | 'reflect';

export interface CognitionEvent {
  id?: string;
  agent_id: string;
  type: CognitionType;
  payload: unknown;
  ts: string;
}

/** One message from the /v1/mesh WebSocket. */
export interface MeshMessage {
  seq: number;
  type: string;
  data: unknown;
}

export interface Capability {
  token: string;
  tenant_id: string;
  expires_at: unknown;
}

export const NEUTRAL_EMOTION: Emotion = {
  pleasure: 0.5,
  arousal: 0.5,
  dominance: 0.5,
  label: 'NEUTRAL',
  fatigue: 0,
};

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Reads an emotion from untrusted JSON, filling what is missing with neutral values. */
export function toEmotion(v: unknown): Emotion {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return {
    pleasure: num(o.pleasure, NEUTRAL_EMOTION.pleasure),
    arousal: num(o.arousal, NEUTRAL_EMOTION.arousal),
    dominance: num(o.dominance, NEUTRAL_EMOTION.dominance),
    label: typeof o.label === 'string' ? o.label : NEUTRAL_EMOTION.label,
    fatigue: num(o.fatigue, 0),
  };
}

/** Reads an agent from untrusted JSON; null when it has no id. */
export function toAgent(v: unknown): Agent | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id === '') return null;
  return {
    id: o.id,
    tenant_id: typeof o.tenant_id === 'string' ? o.tenant_id : 'default',
    parent_id: typeof o.parent_id === 'string' ? o.parent_id : null,
    label: typeof o.label === 'string' ? o.label : '',
    path: typeof o.path === 'string' ? o.path : '',
    mem_state: o.mem_state ?? {},
    goals: Array.isArray(o.goals) ? (o.goals as Goal[]) : [],
    emotion: toEmotion(o.emotion),
    policy: typeof o.policy === 'string' ? o.policy : '',
    created_at: typeof o.created_at === 'string' ? o.created_at : '',
    deleted_at: typeof o.deleted_at === 'string' ? o.deleted_at : null,
  };
}
