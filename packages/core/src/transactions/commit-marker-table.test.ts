import { describe, expect, it } from 'vitest';
import { isGoneAwayConfigError } from '../errors/goneaway-config-error.js';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { CommitMarkerTable } from './commit-marker-table.js';
import { FakeMarkerConnection, serverError } from './fake-marker-connection.js';

const settings = parseCommitMarkerOptions({ table: 'app.markers' })!;

describe('CommitMarkerTable', () => {
  it('a table that exists is probed once, not created, and not probed again', async () => {
    const outside = new FakeMarkerConnection();
    const table = new CommitMarkerTable(settings, outside);
    await Promise.all([table.ensure(), table.ensure()]);
    await table.ensure();
    expect(outside.statements).toEqual(['SELECT 1 FROM `app`.`markers` LIMIT 0']);
  });

  it('a missing table (1146) is created', async () => {
    const outside = new FakeMarkerConnection((sql) => {
      if (sql.startsWith('SELECT')) throw serverError(1146, 'ER_NO_SUCH_TABLE');
      return {};
    });
    await new CommitMarkerTable(settings, outside).ensure();
    expect(outside.statements[1]).toMatch(/^CREATE TABLE IF NOT EXISTS `app`.`markers` \(/);
  });

  it('CREATE denied: a config error naming the privilege and the table', async () => {
    const outside = new FakeMarkerConnection((sql) => {
      throw serverError(sql.startsWith('SELECT') ? 1146 : 1142);
    });
    const error = await new CommitMarkerTable(settings, outside).ensure().catch((e: unknown) => e);
    expect(isGoneAwayConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('lacks the CREATE privilege');
    expect((error as Error).message).toContain('app.markers');
    expect((error as { path?: string }).path).toBe('commitMarker.table');
  });

  it('SELECT denied on an existing table: a config error naming SELECT', async () => {
    const outside = new FakeMarkerConnection(() => {
      throw serverError(1142);
    });
    const error = await new CommitMarkerTable(settings, outside).ensure().catch((e: unknown) => e);
    expect((error as Error).message).toContain('lacks the SELECT privilege');
  });

  it('a failure is not remembered: the next ensure() tries again; forget() checks again', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    let fail = true;
    const outside = new FakeMarkerConnection(() => {
      if (fail) throw outage;
      return {};
    });
    const table = new CommitMarkerTable(settings, outside);
    await expect(table.ensure()).rejects.toBe(outage);
    fail = false;
    await table.ensure();
    table.forget();
    await table.ensure();
    expect(outside.statements).toHaveLength(3);
  });
});
