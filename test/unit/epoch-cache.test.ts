/**
 * EpochCache, the store under the read caches: an entry holds while the
 * write epoch stays where it was and for at most MAX_AGE_MS, and the least
 * recently used goes first when it is full.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EpochCache, MAX_AGE_MS } from '../../src/epoch-cache.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('EpochCache', () => {
  it('serves an entry until the epoch moves', () => {
    let epoch = 1;
    const cache = new EpochCache<string, string>(() => epoch, 10);
    cache.set('a', 'one', cache.now());
    expect(cache.get('a')).toBe('one');
    epoch = 2;
    expect(cache.get('a')).toBeUndefined();
  });

  it('ignores a value read before a write that happened while it was being read', () => {
    let epoch = 1;
    const cache = new EpochCache<string, string>(() => epoch, 10);
    const readAt = cache.now();
    epoch = 2;
    cache.set('a', 'stale', readAt);
    expect(cache.get('a')).toBeUndefined();
  });

  it('expires an entry after MAX_AGE_MS whatever the epoch', () => {
    vi.useFakeTimers();
    const cache = new EpochCache<string, string>(() => 1, 10);
    cache.set('a', 'one', cache.now());
    vi.advanceTimersByTime(MAX_AGE_MS - 1);
    expect(cache.get('a')).toBe('one');
    vi.advanceTimersByTime(2);
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops the least recently used entry when full, and stores nothing when its size is 0', () => {
    const cache = new EpochCache<string, number>(() => 1, 2);
    cache.set('a', 1, 1);
    cache.set('b', 2, 1);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 1);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    const off = new EpochCache<string, number>(() => 1, 0);
    off.set('a', 1, 1);
    expect(off.get('a')).toBeUndefined();
  });
});
