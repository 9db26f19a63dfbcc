import { describe, expect, it } from 'vitest';
import { AwaitedReplies } from './awaited-replies.js';

describe('AwaitedReplies', () => {
  it('hands the reply to the exact statement awaited, once delivered, and forgets it on cancel', () => {
    const replies = new AwaitedReplies();
    expect(replies.size).toBe(0);
    replies.deliver('INSERT 1', { insertId: 5n }, 5);
    const awaited = replies.expect('INSERT 1');
    expect(awaited.take()).toBeUndefined();
    replies.deliver('INSERT 2', { insertId: 6n }, 6);
    expect(awaited.take()).toBeUndefined();
    replies.deliver('INSERT 1', { insertId: 5n, affectedRows: 1 }, 5);
    expect(awaited.take()).toEqual({ insertId: 5n, threadId: 5 });
    awaited.cancel();
    expect(replies.size).toBe(0);
    expect(awaited.take()).toBeUndefined();
  });

  it('a reply without an OK packet (rows) carries no insert id', () => {
    const replies = new AwaitedReplies();
    const awaited = replies.expect('SELECT 1');
    replies.deliver('SELECT 1', [{ one: 1 }], 9);
    expect(awaited.take()).toEqual({ insertId: undefined, threadId: 9 });
  });
});
