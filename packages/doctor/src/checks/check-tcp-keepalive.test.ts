import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkTcpKeepAlive } from './check-tcp-keepalive.js';

describe('checkTcpKeepAlive', () => {
  it("warns when bare mysql2 inherits the OS's two-hour delay", () => {
    const finding = checkTcpKeepAlive(checkInput());
    expect(finding.severity).toBe('warn');
    expect(finding.values.appKeepAliveDelayMs).toBe(7_200_000);
    // 7200 s + 9 probes × 75 s.
    expect(finding.values.deadPeerDetectionSeconds).toBe(7875);
  });

  it("uses goneaway's 30 s delay when the app uses goneaway", () => {
    const finding = checkTcpKeepAlive(checkInput({ pool: { goneaway: true } }));
    expect(finding.severity).toBe('ok');
    expect(finding.values.appKeepAliveDelayMs).toBe(30_000);
    expect(finding.values.deadPeerDetectionSeconds).toBe(30 + 675);
  });

  it('only informs when the OS values cannot be read', () => {
    const finding = checkTcpKeepAlive(
      checkInput({
        keepAlive: {
          timeSeconds: undefined,
          intervalSeconds: undefined,
          probes: undefined,
          source: undefined,
        },
      }),
    );
    expect(finding.severity).toBe('info');
    expect(finding.values.osKeepAliveTimeSeconds).toBeNull();
  });

  it('is ok for bare mysql2 on a host tuned below the middlebox timeouts', () => {
    expect(checkTcpKeepAlive(checkInput({ keepAlive: { timeSeconds: 60 } })).severity).toBe('ok');
  });
});
