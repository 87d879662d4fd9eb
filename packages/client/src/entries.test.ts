import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('[EQ25] entries', () => {
  it('the main entry exports what an app uses, and nothing of the machinery; the internals are a separate entry', async () => {
    const main = await import('./index.ts');
    expect(Object.keys(main).sort()).toEqual([
      'ASSET_TYPES',
      'GM_DOC',
      'MemoryPersistenceStore',
      'SessionApi',
      'SessionClient',
      'SyncState',
      'TABLE_DOC',
      'assetPath',
      'clearLocalData',
      'decodeJwtClaims',
      'hasIndexedDb',
      'indexedDbPersistence',
      'isAssetType',
      'isRedacted',
      'memoryPersistence',
      'roomName',
    ]);
    const internal = await import('./internal.ts');
    expect(Object.keys(internal)).toEqual(expect.arrayContaining(['DocSync', 'SidecarChannel', 'EventLogClient', 'EventQueue', 'applyPredictions']));
    expect(Object.keys(internal).filter((name) => name in main)).toEqual([]);

    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, string>;
      publishConfig: { exports: Record<string, { types: string; default: string }> };
    };
    expect(pkg.exports).toEqual({ '.': './src/index.ts', './internal': './src/internal.ts', './node': './src/node.ts', './testing': './src/server-harness.fixture.ts' });
    // The real-server harness is for the workspace's own tests (client-react's): never published.
    expect(Object.keys(pkg.publishConfig.exports)).toEqual(Object.keys(pkg.exports).filter((entry) => entry !== './testing'));
  });
});
