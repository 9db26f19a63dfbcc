import { describe, expect, it } from 'vitest';
import type { GoneAwayEventInput } from '../events/event-types.js';
import { IDLE_SESSION_GRACE_MS } from './commit-marker-kill-decision.js';
import { parseCommitMarkerOptions } from './commit-marker-options.js';
import { CommitResolver } from './commit-resolver.js';
import { connectRefused, FakeMarkerConnection, serverError } from './fake-marker-connection.js';
import type { MarkerQueryResult, WrittenMarker } from './marker-connection.js';

const settings = parseCommitMarkerOptions(true)!;
const SESSION = 42;

function markerWrittenNow(): WrittenMarker {
  return { id: 'ab'.repeat(16), connectionId: SESSION, writtenAt: performance.now(), writeMs: 1 };
}

/**
 * A server as the resolver sees it: the marker's row is locked by session 42 until that session ends
 * (KILLed, or `end()` called: its COMMIT ran, or crash recovery rolled it back), then present or absent.
 */
function fakeServer(options: {
  command?: string;
  committed?: boolean;
  locked?: boolean;
  uptimeSeconds?: number;
  killErrno?: number;
}) {
  let locked = options.locked ?? true;
  let committed = options.committed ?? false;
  const outside = new FakeMarkerConnection((sql): MarkerQueryResult => {
    if (sql.includes('FOR UPDATE NOWAIT')) {
      if (locked) throw serverError(1205, 'ER_LOCK_WAIT_TIMEOUT');
      return { rows: committed ? [{ present: 1 }] : [] };
    }
    if (sql.includes('PROCESSLIST')) return { rows: locked ? [{ command: options.command ?? 'Sleep' }] : [] };
    if (sql.startsWith('SHOW GLOBAL STATUS')) {
      return { rows: [{ Variable_name: 'Uptime', Value: String(options.uptimeSeconds ?? 3600) }] };
    }
    if (sql === `KILL CONNECTION ${SESSION}`) {
      if (options.killErrno !== undefined) throw serverError(options.killErrno);
      // A KILLed session's open transaction is rolled back.
      locked = false;
      committed = false;
      return {};
    }
    throw new Error(`unexpected statement ${sql}`);
  });
  return {
    outside,
    end(outcome: 'committed' | 'rolled-back') {
      locked = false;
      committed = outcome === 'committed';
    },
    kills: () => outside.statements.filter((sql) => sql.startsWith('KILL')).length,
  };
}

function resolverOn(server: ReturnType<typeof fakeServer>) {
  const events: GoneAwayEventInput[] = [];
  const resolver = new CommitResolver(settings, server.outside, { emit: (event) => events.push(event) });
  return { resolver, events };
}

describe('CommitResolver, the pool routed to a cluster whose writer changed', () => {
  const onOldWriter = (): WrittenMarker => ({ ...markerWrittenNow(), server: '10.0.0.1:3306' });

  it('absent on the new writer proves nothing: unknown, no KILL (the old writer may still commit it)', async () => {
    const server = fakeServer({ locked: false, committed: false });
    server.outside.server = () => '10.0.0.2:3306';
    const { resolver, events } = resolverOn(server);
    expect(await resolver.resolve(onOldWriter(), { timeoutMs: 5_000 })).toBe('unknown');
    expect(server.kills()).toBe(0);
    expect(events).toEqual([]);
    expect(resolver.counts()).toMatchObject({ unresolved: 1, resolvedRolledBack: 0 });
  });

  it('present on the new writer: committed (it was certified or replicated before the move)', async () => {
    const server = fakeServer({ locked: false, committed: true });
    server.outside.server = () => '10.0.0.2:3306';
    const { resolver } = resolverOn(server);
    expect(await resolver.resolve(onOldWriter(), { timeoutMs: 5_000 })).toBe('committed');
  });

  it('locked on the new writer: never KILLs the id there (it names someone else), asks again until it is present', async () => {
    const server = fakeServer({ locked: true, command: 'Sleep' });
    server.outside.server = () => '10.0.0.2:3306';
    const { resolver } = resolverOn(server);
    const outcome = resolver.resolve(onOldWriter(), { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.kills()).toBe(0);
    server.end('committed');
    expect(await outcome).toBe('committed');
    expect(server.kills()).toBe(0);
  });

  it('still on the same writer: decided as without a cluster (absent is rolled back)', async () => {
    const server = fakeServer({ locked: false, committed: false });
    server.outside.server = () => '10.0.0.1:3306';
    const { resolver } = resolverOn(server);
    expect(await resolver.resolve(onOldWriter(), { timeoutMs: 5_000 })).toBe('rolled-back');
  });
});

describe('CommitResolver', () => {
  it('the marker is there: committed, one probe, one commit-resolved event', async () => {
    const server = fakeServer({ locked: false, committed: true });
    const { resolver, events } = resolverOn(server);
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('committed');
    expect(server.outside.statements).toEqual([
      `SELECT 1 AS present FROM \`goneaway_commit_markers\` WHERE id = X'${'ab'.repeat(16)}' FOR UPDATE NOWAIT`,
    ]);
    expect(events).toEqual([
      { type: 'commit-resolved', outcome: 'committed', elapsedMs: expect.any(Number) },
    ]);
    expect(resolver.counts()).toEqual({
      resolvedCommitted: 1,
      resolvedRolledBack: 0,
      unresolved: 0,
      kills: 0,
    });
  });

  it('the marker is absent: rolled back', async () => {
    const { resolver, events } = resolverOn(fakeServer({ locked: false, committed: false }));
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('rolled-back');
    expect(events.map((event) => (event as { outcome?: string }).outcome)).toEqual(['rolled-back']);
  });

  it('locked by a session idle in its transaction (COMMIT still in the network): KILLed after the grace, then rolled back', async () => {
    const server = fakeServer({ command: 'Sleep' });
    const { resolver } = resolverOn(server);
    const started = performance.now();
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('rolled-back');
    expect(performance.now() - started).toBeGreaterThanOrEqual(IDLE_SESSION_GRACE_MS);
    expect(server.kills()).toBe(1);
    expect(resolver.counts()).toMatchObject({ kills: 1, resolvedRolledBack: 1 });
  });

  it('locked by a session running its COMMIT: left to finish, no KILL, committed', async () => {
    const server = fakeServer({ command: 'Query' });
    const { resolver } = resolverOn(server);
    setTimeout(() => server.end('committed'), 300);
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('committed');
    expect(server.kills()).toBe(0);
  });

  it('no KILL when the uptime cannot prove the server ran since the marker was written (a restart reuses ids)', async () => {
    const server = fakeServer({ command: 'Sleep', uptimeSeconds: 0 });
    const { resolver } = resolverOn(server);
    const marker = { ...markerWrittenNow(), writtenAt: performance.now() - 2_000 };
    // Crash recovery rolls the transaction back a while later.
    setTimeout(() => server.end('rolled-back'), 300);
    expect(await resolver.resolve(marker, { timeoutMs: 5_000 })).toBe('rolled-back');
    expect(server.kills()).toBe(0);
    expect(server.outside.statements.some((sql) => sql.startsWith('SHOW GLOBAL STATUS'))).toBe(true);
  });

  it('a KILL answered "unknown thread" (already gone) is not counted and the wait goes on', async () => {
    const server = fakeServer({ command: 'Sleep', killErrno: 1094 });
    const { resolver } = resolverOn(server);
    setTimeout(() => server.end('rolled-back'), 250);
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('rolled-back');
    expect(server.kills()).toBeGreaterThanOrEqual(1);
    expect(resolver.counts().kills).toBe(0);
  });

  it('steps that fail while the server is unreachable are tried again until it answers', async () => {
    const server = fakeServer({ locked: false, committed: true });
    let failures = 3;
    const answer = server.outside;
    const refusing = new FakeMarkerConnection((sql) => {
      if (failures-- > 0) throw connectRefused();
      return answer.query(sql);
    });
    const resolver = new CommitResolver(settings, refusing);
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('committed');
    expect(refusing.statements).toHaveLength(4);
  });

  it('unknown when the server stays unreachable past the timeout, when a step fails for good, or on abort', async () => {
    const down = new CommitResolver(
      settings,
      new FakeMarkerConnection(() => {
        throw connectRefused();
      }),
    );
    const started = performance.now();
    expect(await down.resolve(markerWrittenNow(), { timeoutMs: 150 })).toBe('unknown');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(down.counts().unresolved).toBe(1);

    const broken = new FakeMarkerConnection(() => {
      throw serverError(1064, 'ER_PARSE_ERROR');
    });
    expect(await new CommitResolver(settings, broken).resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe(
      'unknown',
    );
    expect(broken.statements).toHaveLength(1);

    const controller = new AbortController();
    const locked = fakeServer({ command: 'Query' });
    setTimeout(() => controller.abort(), 100);
    const aborted = new CommitResolver(settings, locked.outside);
    expect(await aborted.resolve(markerWrittenNow(), { timeoutMs: 5_000, signal: controller.signal })).toBe(
      'unknown',
    );
  });

  it("a listener's throw never changes the outcome", async () => {
    const resolver = new CommitResolver(settings, fakeServer({ locked: false, committed: true }).outside, {
      emit: () => {
        throw new Error('listener bug');
      },
    });
    expect(await resolver.resolve(markerWrittenNow(), { timeoutMs: 5_000 })).toBe('committed');
  });
});
