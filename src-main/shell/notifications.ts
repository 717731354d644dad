/**
 * Desktop notifications: a pair's `notify` workflow actions (the engine's `actions/notify` event,
 * shown as it comes), and below, when a pair starts failing. Only the transition into 'failing' notifies
 * (compared with the last health seen for that pair): a pair that stays failing through many
 * `pairs/changed` events notifies once, and again only after it recovered and failed anew. A run
 * in progress ('syncing') is not a recovery: a scheduled pair that fails run after run notifies once.
 */
import type { PairHealth } from '../engine/api/model';
import type { EngineEvent } from '../engine/process-protocol';

export type ShowNotification = (notification: { title: string; body: string }) => void;

export function createFailureNotifier(show: ShowNotification) {
  const lastHealth = new Map<string, PairHealth>();
  return function onEngineEvent(message: EngineEvent): void {
    // A notify action never asks for "pair starts failing" (the schema refuses it): no double notification.
    if (message.event === 'actions/notify') {
      show({ title: message.payload.title, body: message.payload.body });
      return;
    }
    if (message.event === 'pairs/removed') {
      lastHealth.delete(message.payload.pairId);
      return;
    }
    if (message.event !== 'pairs/changed') return;
    const pair = message.payload;
    if (pair.health === 'syncing') return;
    const before = lastHealth.get(pair.id);
    lastHealth.set(pair.id, pair.health);
    if (pair.health === 'failing' && before !== 'failing') {
      show({
        title: `Concord: “${pair.name}” is failing`,
        body: pair.healthReason ?? 'Its last sync failed. Open Concord to see why.',
      });
    }
  };
}
