// The genesisd API contract as the shell sees it (docs/shell.md, COMMON API).

// The types are generated from api/openapi.yaml (scripts/build-web.sh writes
// src/api.gen.ts with openapi-typescript): the contract has one copy.
import type { components } from './api.gen';

type Schemas = components['schemas'];

export type Emotion = Schemas['EmotionState'];
export type Goal = Schemas['Goals'][number];
export type Agent = Schemas['Agent'];
export type CognitionType = Schemas['NewEvent']['type'];
export type CognitionEvent = Omit<Schemas['Event'], 'id' | 'type'> & { id?: string; type: CognitionType };
export type MeshEventType = Schemas['MeshEventType'];
export type Capability = Schemas['Capability'];
export type SigmaRuleRow = Schemas['SigmaRuleRow'];
export type SigmaSwitch = Schemas['SigmaSwitch'];
export type SigmaCounts = Schemas['SigmaCounts'];

/** One message from the /v1/mesh WebSocket: a MeshChange, or a welcome/reply (type outside MeshEventType). */
export interface MeshMessage {
  seq: number;
  type: MeshEventType | string;
  data: unknown;
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
    mem_state: (o.mem_state && typeof o.mem_state === 'object' ? o.mem_state : {}) as Record<string, unknown>,
    goals: Array.isArray(o.goals) ? (o.goals as Goal[]) : [],
    emotion: toEmotion(o.emotion),
    policy: typeof o.policy === 'string' ? o.policy : '',
    created_at: typeof o.created_at === 'string' ? o.created_at : '',
    deleted_at: typeof o.deleted_at === 'string' ? o.deleted_at : null,
  };
}
