import { describe, expect, it } from 'vitest';
import { inviteCode, inviteLink, parseInvite } from './invite.ts';
import { parseRoute } from './router.ts';

describe('invites', () => {
  const invite = { sessionId: 'Ab3_x-9QrT0pLm2k', code: 'K7M2P9QX4T' };

  it('round-trips the link and the short code', () => {
    expect(parseInvite(inviteLink('https://vtt.example', invite))).toEqual(invite);
    expect(parseInvite(inviteCode(invite))).toEqual(invite);
    expect(parseInvite(`  ${inviteCode(invite).toLowerCase().replace('ab3_x-9qrt0plm2k', invite.sessionId)} `)).toEqual(invite);
  });

  it('refuses what is neither', () => {
    for (const bad of ['', 'hello', 'https://vtt.example/join/abc', 'https://vtt.example/s/abc?code=K7M2', 'a b.K7M2P9', 'abc.K7']) {
      expect(parseInvite(bad), bad).toBeNull();
    }
  });

  it('routes app paths and nothing else', () => {
    expect(parseRoute('/', '')).toEqual({ page: 'start' });
    expect(parseRoute('/join/abc', '?code=XY12')).toEqual({ page: 'join', sessionId: 'abc', code: 'XY12' });
    expect(parseRoute('/s/abc', '')).toEqual({ page: 'table', sessionId: 'abc' });
    expect(parseRoute('/s/abc/extra', '')).toEqual({ page: 'not-found', path: '/s/abc/extra' });
    expect(parseRoute('/s/a%20b', '')).toEqual({ page: 'not-found', path: '/s/a%20b' });
  });
});
