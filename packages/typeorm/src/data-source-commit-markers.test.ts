import { describe, expect, it } from 'vitest';
import { commitMarkerStats, managerMarkerConnection } from './data-source-commit-markers.js';
import { goneAwayTypeorm } from './gone-away-typeorm.js';

describe('managerMarkerConnection', () => {
  it("reads what manager.query resolves with on TypeORM 0.3 and 1.x: rows, or mysql2's ResultSetHeader", async () => {
    const manager = (result: unknown) => ({ query: async () => result });
    expect(await managerMarkerConnection(manager([{ command: 'Sleep' }])).query('SELECT')).toEqual({
      rows: [{ command: 'Sleep' }],
    });
    expect(await managerMarkerConnection(manager({ insertId: 7, affectedRows: 1 })).query('INSERT')).toEqual({
      insertId: 7,
      affectedRows: 1,
    });
  });
});

describe('commitMarkerStats', () => {
  it('needs an initialized goneaway DataSource', () => {
    expect(() => commitMarkerStats({ options: goneAwayTypeorm({ type: 'mysql' }) })).toThrow(
      /initialize\(\)/,
    );
    expect(() => commitMarkerStats({ options: {} })).toThrow(/goneAwayTypeorm/);
  });
});
