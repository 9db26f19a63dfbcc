import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleReaper } from './idle-reaper.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IdleReaper', () => {
  it('retires each idle item at its deadline, with one timer for all of them', () => {
    const retired: string[] = [];
    const reaper = new IdleReaper<{ name: string }>((item) => retired.push(item.name));
    const a = { name: 'a' };
    const b = { name: 'b' };
    reaper.idle(a, 100);
    reaper.idle(b, 50);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(49);
    expect(retired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(retired).toEqual(['b']);
    vi.advanceTimersByTime(50);
    expect(retired).toEqual(['b', 'a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never retires an item handed out again (busy), and a later idle() moves its deadline', () => {
    const retired: string[] = [];
    const reaper = new IdleReaper<{ name: string }>((item) => retired.push(item.name));
    const a = { name: 'a' };
    const b = { name: 'b' };
    reaper.idle(a, 50);
    reaper.idle(b, 60);
    reaper.busy(a);
    vi.advanceTimersByTime(55);
    reaper.idle(b, 200);
    vi.advanceTimersByTime(100);
    expect(retired).toEqual([]);
    vi.advanceTimersByTime(45);
    expect(retired).toEqual(['b']);
  });

  it('ignores an infinite deadline (no limit) and does nothing once closed', () => {
    const retired: string[] = [];
    const reaper = new IdleReaper<{ name: string }>((item) => retired.push(item.name));
    reaper.idle({ name: 'forever' }, Number.POSITIVE_INFINITY);
    expect(vi.getTimerCount()).toBe(0);
    reaper.idle({ name: 'a' }, 10);
    reaper.close();
    reaper.idle({ name: 'b' }, 20);
    vi.advanceTimersByTime(100);
    expect(retired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits out a deadline beyond the 24.8-day maximum of setTimeout instead of firing at once', () => {
    const retired: string[] = [];
    const reaper = new IdleReaper<{ name: string }>((item) => retired.push(item.name));
    const yearMs = 365 * 24 * 3600 * 1000;
    reaper.idle({ name: 'a' }, yearMs);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2 ** 31);
    expect(retired).toEqual([]);
    vi.advanceTimersByTime(yearMs);
    expect(retired).toEqual(['a']);
    reaper.close();
  });
});
