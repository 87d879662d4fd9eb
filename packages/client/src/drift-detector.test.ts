import { docChecksum } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DriftDetector } from './drift-detector.ts';
import { localStateVector } from './state-vector.ts';

/** A server-side copy of `doc` and the checksum message it would send. */
function serverView(server: Y.Doc) {
  return { sv: localStateVector(server), checksum: docChecksum(server) };
}

function pair() {
  const server = new Y.Doc();
  const client = new Y.Doc();
  server.getMap('m').set('a', 1);
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  return { server, client };
}

describe('DriftDetector', () => {
  it('sees nothing wrong when both sides agree', () => {
    const { server, client } = pair();
    const detector = new DriftDetector();
    for (let i = 0; i < 3; i++) {
      const { sv, checksum } = serverView(server);
      expect(detector.check(client, sv, checksum)).toBeNull();
    }
  });

  it('reports a missed inbound update at once', () => {
    const { server, client } = pair();
    const detector = new DriftDetector();
    server.getMap('m').set('b', 2);
    const { sv, checksum } = serverView(server);
    expect(detector.check(client, sv, checksum)).toBe('missing-inbound');
  });

  it('gives an outbound edit one checksum period to arrive', () => {
    const { server, client } = pair();
    const detector = new DriftDetector();
    detector.reset();
    client.getMap('m').set('c', 3);
    detector.noteLocalChange();
    let view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();
    // Delivered in time: no drift.
    Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
    view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();

    client.getMap('m').set('d', 4);
    detector.noteLocalChange();
    view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();
    // Still missing one period later: lost.
    view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBe('missing-outbound');
  });

  it('reports a missed delete through the checksum', () => {
    const { server, client } = pair();
    const detector = new DriftDetector();
    server.getMap('m').delete('a');
    const view = serverView(server);
    // Same state vectors (a delete adds no operation), different content.
    expect(localStateVector(client)).toEqual(view.sv);
    // The first check after a reset waits: a local delete may be in flight.
    detector.reset();
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();
    expect(detector.check(client, view.sv, view.checksum)).toBe('checksum-mismatch');
  });

  it('waits a period after a local delete before comparing checksums', () => {
    const { server, client } = pair();
    const detector = new DriftDetector();
    let view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();
    client.getMap('m').delete('a');
    detector.noteLocalChange();
    view = serverView(server);
    expect(detector.check(client, view.sv, view.checksum)).toBeNull();
    expect(detector.check(client, view.sv, view.checksum)).toBe('checksum-mismatch');
  });
});
