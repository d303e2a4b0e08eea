import type { Viewer } from '../../context';
import { Role } from './roles';
import { ViewerCache } from './viewer-cache';

const viewer = (userId: string): Viewer => ({ userId, role: Role.USER, sessionId: `session-${userId}`, scopes: [] });

function listeningCache(ttlMs = 30_000, maxEntries?: number): ViewerCache {
  const cache = new ViewerCache(ttlMs, maxEntries);
  cache.setListening(true);
  return cache;
}

describe('ViewerCache', () => {
  it('returns a stored viewer', () => {
    const cache = listeningCache();
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    expect(cache.get('hash-a', 2000)?.viewer.userId).toBe('a');
    expect(cache.get('hash-b', 2000)).toBeUndefined();
  });

  it('drops entries after the cache lifetime', () => {
    const cache = listeningCache(30_000);
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    expect(cache.get('hash-a', 30_999)).toBeDefined();
    expect(cache.get('hash-a', 31_000)).toBeUndefined();
  });

  it('drops entries at their own expiry', () => {
    const cache = listeningCache(30_000);
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: 5000 }, 1000);
    expect(cache.get('hash-a', 4999)).toBeDefined();
    expect(cache.get('hash-a', 5000)).toBeUndefined();
  });

  it('forgets one user only', () => {
    const cache = listeningCache();
    cache.set('hash-a1', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    cache.set('hash-a2', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    cache.set('hash-b', cache.begin(), { viewer: viewer('b'), expiresAt: null }, 1000);
    cache.forgetUser('a');
    expect(cache.get('hash-a1', 2000)).toBeUndefined();
    expect(cache.get('hash-a2', 2000)).toBeUndefined();
    expect(cache.get('hash-b', 2000)).toBeDefined();
  });

  it('skips a lookup that overlapped an invalidation', () => {
    const cache = listeningCache();
    const since = cache.begin();
    cache.forgetUser('a');
    cache.set('hash-a', since, { viewer: viewer('a'), expiresAt: null }, 1000);
    expect(cache.get('hash-a', 2000)).toBeUndefined();
  });

  it('serves nothing while not listening', () => {
    const cache = listeningCache();
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    cache.setListening(false);
    expect(cache.get('hash-a', 2000)).toBeUndefined();
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    cache.setListening(true);
    expect(cache.get('hash-a', 2000)).toBeUndefined();
  });

  it('serves nothing with a lifetime of 0', () => {
    const cache = listeningCache(0);
    cache.set('hash-a', cache.begin(), { viewer: viewer('a'), expiresAt: null }, 1000);
    expect(cache.get('hash-a', 1000)).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const cache = listeningCache(30_000, 2);
    for (const name of ['a', 'b', 'c']) cache.set(`hash-${name}`, cache.begin(), { viewer: viewer(name), expiresAt: null }, 1000);
    expect(cache.get('hash-a', 2000)).toBeUndefined();
    expect(cache.get('hash-b', 2000)).toBeDefined();
    expect(cache.get('hash-c', 2000)).toBeDefined();
  });
});
