import { describe, expect, it } from 'vitest';
import { longestReadGap, type MeasureInput, measureSide } from './measure-side.js';

type Overrides = Partial<Omit<MeasureInput, 'report'>> & { report?: Partial<MeasureInput['report']> };

function input(overrides: Overrides = {}): MeasureInput {
  const { report, ...rest } = overrides;
  return {
    report: {
      reads: 0,
      inserts: [],
      readLog: [],
      insertAckedAt: [],
      failureLog: [],
      issuedIds: 0,
      hungWorkers: 0,
      ...report,
    },
    events: undefined,
    faultAt: 1_000,
    stopAt: 5_000,
    marks: {},
    failingKey: '127.0.0.1:3301',
    failingPort: 3301,
    idBase: 100,
    ledger: new Map(),
    ...rest,
  };
}

describe('longestReadGap', () => {
  it('measures from the fault to the end of the window, the gaps between reads included', () => {
    expect(longestReadGap([500, 1_100, 3_600, 3_700], 1_000, 4_000)).toEqual({ gapMs: 2_500, open: false });
  });

  it('is open when no read came back before the window closed (the real gap is longer)', () => {
    expect(longestReadGap([500, 1_200], 1_000, 5_000)).toEqual({ gapMs: 3_800, open: true });
    expect(longestReadGap([], 1_000, 5_000)).toEqual({ gapMs: 4_000, open: true });
  });

  it('is not called open for a short tail of a side that kept reading', () => {
    expect(longestReadGap([1_100, 1_200, 1_300], 1_000, 1_350)).toEqual({ gapMs: 100, open: false });
  });
});

describe('measureSide', () => {
  it('splits typed from raw errors and names the most frequent raw code', () => {
    const metrics = measureSide(
      input({
        report: {
          failureLog: [
            { operation: 'insert', code: 'ER_UNKNOWN_COM_ERROR', startedAt: 1_100, endedAt: 1_100, ids: [] },
            { operation: 'read', code: 'ER_UNKNOWN_COM_ERROR', startedAt: 1_200, endedAt: 1_200, ids: [] },
            { operation: 'read', code: 'ECONNREFUSED', startedAt: 1_300, endedAt: 1_300, ids: [] },
            {
              operation: 'insert',
              code: 'GONEAWAY_CONNECTION_LOST',
              startedAt: 1_400,
              endedAt: 1_400,
              ids: [],
            },
          ],
        },
      }),
    );
    expect(metrics).toMatchObject({ typedErrors: 1, rawErrors: 3, topRawCode: 'ER_UNKNOWN_COM_ERROR' });
    // Only the write refused by a non-primary node counts as a write on a read-only / non-primary node.
    expect(metrics.refusedWrites).toBe(1);
  });

  it('checks every insert id against the ledger: lost, duplicated, failed but committed', () => {
    const metrics = measureSide(
      input({
        report: { inserts: [100, 101, 102], insertAckedAt: [1, 2, 3], issuedIds: 5 },
        // 100 stored once, 101 missing, 102 twice; 103 failed but stored; 104 failed and absent.
        ledger: new Map([
          [100, 1],
          [102, 2],
          [103, 1],
        ]),
      }),
    );
    expect(metrics).toMatchObject({ lost: 1, duplicated: 1, committedThoughFailed: 1, ok: 3 });
  });

  it('times the first acknowledged write after the writer is writable, within the run', () => {
    const report = { inserts: [100, 101, 102], insertAckedAt: [900, 2_300, 2_600], issuedIds: 3 };
    expect(measureSide(input({ report, marks: { writableAt: 2_000 } })).firstWriteMs).toBe(300);
    expect(measureSide(input({ report, marks: { writableAt: 2_700 } })).firstWriteMs).toBeNull();
  });

  it("reads goneaway's detection from its events: the first about the failing host after the fault", () => {
    const metrics = measureSide(
      input({
        events: [
          { at: 900, type: 'host-state-changed', host: '127.0.0.1:3301', from: 'up', to: 'down' },
          { at: 1_250, type: 'host-state-changed', host: '127.0.0.1:3302', from: 'up', to: 'suspect' },
          { at: 1_400, type: 'writer-changed', from: '127.0.0.1:3301', to: '127.0.0.1:3302' },
        ],
      }),
    );
    expect(metrics.detectionMs).toBe(400);
    // A bare side has no events: nothing to measure.
    expect(measureSide(input()).detectionMs).toBeNull();
  });

  it('on a rejoin, counts what the node got before it was Synced and when goneaway took it back', () => {
    const metrics = measureSide(
      input({
        marks: { syncedAt: 3_000 },
        events: [{ at: 3_400, type: 'host-state-changed', host: '127.0.0.1:3301', from: 'down', to: 'up' }],
        report: {
          readLog: [
            { at: 2_000, port: 3301 },
            { at: 2_500, port: 3302 },
            { at: 3_500, port: 3301 },
          ],
          failureLog: [
            { operation: 'read', code: 'ER_UNKNOWN_COM_ERROR', startedAt: 2_200, endedAt: 2_200, ids: [] },
          ],
        },
      }),
    );
    expect(metrics).toMatchObject({ beforeSynced: 2, afterSynced: 1, detectionMs: 400 });
  });
});
