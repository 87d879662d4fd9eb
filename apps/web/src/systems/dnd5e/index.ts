import { DND5E_PLUGIN_ID } from '@dungeon-lab/plugin-dnd5e';
import type { SystemUi } from '../system-ui.ts';
import { is5eActor } from './aims.ts';
import { Card } from './Card.tsx';
import { describe } from './describe.ts';
import { QuickActions } from './QuickActions.tsx';
import { effects, pendingTargets } from './effects.ts';
import { Sheet } from './Sheet.tsx';

/** The D&D 5e plugin's face on the table. */
export const dnd5eUi: SystemUi = {
  pluginId: DND5E_PLUGIN_ID,
  reads: is5eActor,
  Sheet,
  Card,
  QuickActions,
  effects,
  pendingTargets,
  describe,
  startEncounter: (client, tokenIds) => {
    client.act(DND5E_PLUGIN_ID, { kind: 'rollInitiative', data: { tokenIds: [...tokenIds] } });
  },
};
