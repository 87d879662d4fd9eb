import type { SessionMember } from '@dungeon-lab/client';
import { useAwareness, useSessionClient } from '@dungeon-lab/client-react';
import { useEffect, useState } from 'react';
import { readPresence } from './presence.ts';

export interface Member {
  readonly userId: string;
  readonly role: 'gm' | 'player';
  readonly name: string;
  readonly online: boolean;
}

function onlineNames(states: ReadonlyMap<number, Readonly<Record<string, unknown>>>): string {
  // A string key so the selection is equal while the same people are here.
  const pairs = new Map<string, string>();
  for (const state of states.values()) {
    const p = readPresence(state);
    if (p !== null) pairs.set(p.user.id, p.user.name);
  }
  return JSON.stringify([...pairs].sort());
}

/**
 * The session's members with names and who is here now. The list comes from
 * the API (asked again whenever someone arrives, who may be new); names from
 * the server when it knows them, else from the person's presence.
 */
export function useMembers(): readonly Member[] | null {
  const client = useSessionClient();
  const online = useAwareness('table', onlineNames);
  const [members, setMembers] = useState<readonly SessionMember[] | null>(null);
  useEffect(() => {
    let live = true;
    void client.api?.members(client.sessionId).then((answer) => {
      if (live && answer.ok) setMembers(answer.data);
    });
    return () => {
      live = false;
    };
  }, [client, online]);
  if (members === null) return null;
  const here = new Map(JSON.parse(online) as [string, string][]);
  return members
    .map((m) => ({ userId: m.userId, role: m.role, name: m.name ?? here.get(m.userId) ?? `Player ${m.userId.slice(-4)}`, online: here.has(m.userId) }))
    .sort((a, b) => Number(b.role === 'gm') - Number(a.role === 'gm') || a.name.localeCompare(b.name));
}
