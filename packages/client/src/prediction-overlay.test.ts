import { createIntent, createIntentRegistry, valid, type IntentDefinition, type JsonObject } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyPredictions, planOverlay, type OverlayItem } from './prediction-overlay.ts';
import { TEST_INTENTS } from './test-intents.fixture.ts';

const registry = createIntentRegistry(TEST_INTENTS);
const ctx = { userId: 'alice', sessionId: 's1' };
const base: JsonObject = {
  meta: { sequence: 4 },
  scene: { width: 10 },
  tokens: { t1: { x: 1, y: 1, _version: 2 } },
  actors: { hero: { hp: 10 } },
  encounter: {},
  chat: [],
  dice: [],
};

function item(type: string, payload: Parameters<typeof createIntent>[1], extra: Partial<OverlayItem> = {}): OverlayItem {
  return { intent: createIntent(type, payload), createdAt: 1000, sentFloor: null, ...extra };
}

describe('applyPredictions', () => {
  it('[EQ7] applies predictions in queue order, each against the view so far', () => {
    const items = [item('test:hit', { actor: 'hero', amount: 8 }), item('test:hit', { actor: 'hero', amount: 5 })];
    const { view, skipped } = applyPredictions(base, items, registry, ctx);
    expect(view.actors).toEqual({ hero: { hp: 0, _version: 2 } });
    expect(skipped).toEqual([]);
    // The doc's JSON is shared, never modified.
    expect(base.actors).toEqual({ hero: { hp: 10 } });
  });

  it('[EQ7] predicts with the client identity and clock, and bumps entity versions like the server', () => {
    const chat = item('chat:message', { text: '  hi  ' });
    const move = item('token:move', { tokenId: 't1', x: 5, y: 6 });
    const { view } = applyPredictions(base, [chat, move], registry, ctx);
    expect(view.chat).toEqual([{ id: chat.intent.id, userId: 'alice', text: 'hi', timestamp: 1000 }]);
    expect(view.tokens).toEqual({ t1: { x: 5, y: 6, _version: 3 } });
  });

  it('[EQ7] skips predictions that fail local validation and keeps going', () => {
    const offScene = item('token:move', { tokenId: 't1', x: 50, y: 1 });
    const unknown = item('plugin:x:y', { a: 1 });
    const badPayload = item('chat:message', { text: '' });
    const staleIntent: OverlayItem = {
      intent: createIntent('token:move', { tokenId: 't1', x: 2, y: 2 }, { expected: { entity: '/tokens/t1', version: 1 } }),
      createdAt: 1000,
      sentFloor: null,
    };
    const fine = item('test:hit', { actor: 'hero', amount: 1 });
    const { view, skipped } = applyPredictions(base, [offScene, unknown, badPayload, staleIntent, fine], registry, ctx);
    expect(skipped.map((s) => s.id)).toEqual([offScene.intent.id, unknown.intent.id, badPayload.intent.id, staleIntent.intent.id]);
    expect(skipped[0]!.detail).toMatch(/rule-violation/);
    expect(skipped[3]!.detail).toMatch(/conflict/);
    expect(view.actors).toEqual({ hero: { hp: 9, _version: 1 } });
    expect(view.tokens).toBe(base.tokens);
  });

  it('[EQ7] a prediction whose patch does not fit is skipped alone, even among batched appends', () => {
    const broken: IntentDefinition<{ n: number }> = {
      type: 'test:broken',
      payload: z.strictObject({ n: z.number() }),
      validate: () => valid,
      reduce: () => [{ op: 'remove', path: '/actors/ghost' }],
    };
    const withBroken = createIntentRegistry([...TEST_INTENTS, broken]);
    const before = item('chat:message', { text: 'a' });
    const bad = item('test:broken', { n: 1 });
    const after = item('chat:message', { text: 'b' });
    const { view, skipped } = applyPredictions(base, [before, bad, after], withBroken, ctx);
    expect(skipped.map((s) => s.id)).toEqual([bad.intent.id]);
    expect((view.chat as Array<{ text: string }>).map((c) => c.text)).toEqual(['a', 'b']);
  });
});

describe('planOverlay', () => {
  const none = () => false;
  const all = () => true;

  it('[EQ8] an acked prediction stays exactly until the doc holds its sequence', () => {
    const acked = item('test:hit', { actor: 'hero', amount: 1 }, { sentFloor: 3, sequence: 5 });
    expect(planOverlay([acked], 4, none)).toEqual({ hold: false, apply: [acked] });
    expect(planOverlay([acked], 5, none)).toEqual({ hold: false, apply: [] });
  });

  it('[EQ8] a never-sent intent is always predicted', () => {
    const local = item('test:hit', { actor: 'hero', amount: 1 });
    expect(planOverlay([local], 99, none)).toEqual({ hold: false, apply: [local] });
  });

  it('[EQ8] a sent, unacked intent holds the view while the doc has sequences since its send that nobody accounted for', () => {
    const sent = item('test:hit', { actor: 'hero', amount: 1 }, { sentFloor: 4 });
    expect(planOverlay([sent], 4, none)).toEqual({ hold: false, apply: [sent] });
    expect(planOverlay([sent], 6, none)).toEqual({ hold: true, apply: [] });
    const local = item('test:hit', { actor: 'hero', amount: 2 });
    expect(planOverlay([sent, local], 6, none)).toEqual({ hold: true, apply: [local] });
    const asked: Array<[number, number]> = [];
    const plan = planOverlay([sent], 6, (from, to) => {
      asked.push([from, to]);
      return true;
    });
    expect(plan).toEqual({ hold: false, apply: [sent] });
    expect(asked).toEqual([[5, 6]]);
    expect(planOverlay([sent], 6, all)).toEqual({ hold: false, apply: [sent] });
  });
});
