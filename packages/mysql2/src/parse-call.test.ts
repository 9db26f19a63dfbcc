import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseCall } from './parse-call.js';

describe('parseCall', () => {
  const cb = () => undefined;

  it('reads every argument shape of mysql2 query/execute', () => {
    expect(parseCall(['select 1', cb])).toMatchObject({ sql: 'select 1', values: undefined, callback: cb });
    expect(parseCall(['select ?', [1], cb])).toMatchObject({ sql: 'select ?', values: [1], callback: cb });
    expect(parseCall([{ sql: 'select ?', values: [2] }, cb])).toMatchObject({ sql: 'select ?', values: [2] });
    expect(parseCall([{ sql: 'select ?', values: [2] }, [3], cb])).toMatchObject({ values: [3] });
    expect(parseCall(['select ?', [1], cb]).head).toEqual(['select ?', [1]]);
  });

  it('has no callback in event or stream mode', () => {
    const call = parseCall(['select ?', [1]]);
    expect(call.callback).toBeUndefined();
    expect(call.head).toEqual(['select ?', [1]]);
  });

  it('marks named placeholders as unmeasured and command objects as commands', () => {
    expect(parseCall(['select :a', { a: 1 }, cb]).unmeasured).toBe(true);
    expect(parseCall(['select ?', [1], cb]).unmeasured).toBe(false);
    expect(parseCall([new EventEmitter()]).command).toBe(true);
  });
});
