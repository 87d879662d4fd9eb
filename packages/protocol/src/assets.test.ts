import { describe, expect, it } from 'vitest';
import { assetPath, assetsPath, ASSET_TYPES, isAssetHash, isAssetType } from './assets.ts';

describe('assets', () => {
  it('[API11][API12] names the three image types, a lowercase SHA-256 and the paths of a session\'s images', () => {
    expect(ASSET_TYPES).toEqual(['image/png', 'image/jpeg', 'image/webp']);
    for (const type of ASSET_TYPES) expect(isAssetType(type)).toBe(true);
    for (const type of ['image/gif', 'image/svg+xml', 'IMAGE/PNG', 'image/png; charset=x', '', null, 1]) expect(isAssetType(type), String(type)).toBe(false);
    const hash = 'ab'.repeat(32);
    expect(isAssetHash(hash)).toBe(true);
    for (const bad of [hash.toUpperCase(), hash.slice(1), `${hash}0`, `${'g'.repeat(64)}`, '', undefined]) expect(isAssetHash(bad), String(bad)).toBe(false);
    expect(assetsPath('Vb3q_x-1')).toBe('/api/sessions/Vb3q_x-1/assets');
    expect(assetPath('Vb3q_x-1', hash)).toBe(`/api/sessions/Vb3q_x-1/assets/${hash}`);
    // Whatever a caller passes stays one path segment each.
    expect(assetPath('a/b', '../x')).toBe('/api/sessions/a%2Fb/assets/..%2Fx');
  });
});
