import { describe, expect, it } from 'vitest';
import { refusalFromProbe } from './access-probe.ts';
import type { ApiResult, SessionInfo } from './session-api.ts';

const member = (role: 'gm' | 'player'): ApiResult<SessionInfo> => ({ ok: true, status: 200, data: { id: 's', name: 'n', createdBy: 'u', createdAt: 1, role } });
const failed = (status: number): ApiResult<SessionInfo> => ({ ok: false, status, error: 'nope' });

describe('refusalFromProbe', () => {
  it('[EQ12] maps the session endpoint\'s refusals to permanent close codes', () => {
    expect(refusalFromProbe(failed(401), 'table', 'u')).toMatchObject({ code: 4401 });
    expect(refusalFromProbe(failed(403), 'table', 'u')).toMatchObject({ code: 4403 });
    expect(refusalFromProbe(failed(404), 'table', 'u')).toMatchObject({ code: 4403, reason: expect.stringMatching(/no such session/) });
  });

  it('[EQ12][A11][A12] judges a member\'s access to the document by role', () => {
    expect(refusalFromProbe(member('player'), 'table', 'u')).toBeNull();
    expect(refusalFromProbe(member('player'), 'gm', 'u')).toMatchObject({ code: 4403 });
    expect(refusalFromProbe(member('player'), 'players/u', 'u')).toBeNull();
    expect(refusalFromProbe(member('player'), 'players/v', 'u')).toMatchObject({ code: 4403 });
    expect(refusalFromProbe(member('gm'), 'gm', 'u')).toBeNull();
    expect(refusalFromProbe(member('gm'), 'players/v', 'u')).toBeNull();
  });

  it('[EQ12] treats an unreachable or failing server as transient', () => {
    for (const status of [0, 400, 429, 500, 503]) expect(refusalFromProbe(failed(status), 'table', 'u')).toBeNull();
  });
});
