/** A MariaDB GTID, `domain-server-sequence` (all decimal). */
const GTID = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;

/**
 * The GTID a MariaDB server reported for the last transaction a session committed: the OK packet's
 * session-state `last_gtid` (sent once the session tracks it: TRACK_LAST_GTID_SQL), which mysql2
 * parses into a result header's `stateChanges.systemVariables`. Reads a shape, never a driver: a
 * header, or mysql2's `[header, fields]`; undefined for anything else.
 */
export function lastGtidOf(result: unknown): string | undefined {
  const header = Array.isArray(result) ? result[0] : result;
  const gtid = (header as { stateChanges?: { systemVariables?: { last_gtid?: unknown } } } | null | undefined)
    ?.stateChanges?.systemVariables?.last_gtid;
  return typeof gtid === 'string' && GTID.test(gtid) ? gtid : undefined;
}

/** Writer sessions report the GTID of each commit in its OK packet (MariaDB 10.3+; no extra round trip). */
export const TRACK_LAST_GTID_SQL =
  "SET SESSION session_track_system_variables = CONCAT(@@session.session_track_system_variables, ',last_gtid')";

/**
 * The newest GTID the writer pools of this process committed, per replication domain: what a reader
 * waits for (MASTER_GTID_WAIT) before it serves a read (`readYourWrites`). `version` goes up with each
 * newer GTID, so a connection that already waited for a version does not wait again.
 */
export class WrittenGtids {
  readonly #domains = new Map<string, { readonly server: string; readonly sequence: bigint }>();
  #version = 0;

  /** Records a GTID a writer session committed; an older or malformed one changes nothing. */
  note(gtid: string): void {
    const match = GTID.exec(gtid);
    if (match === null) return;
    const [, domain, server, sequence] = match as unknown as [string, string, string, string];
    const known = this.#domains.get(domain);
    const next = BigInt(sequence);
    if (known !== undefined && known.sequence >= next) return;
    this.#domains.set(domain, { server, sequence: next });
    this.#version += 1;
  }

  /** 0 until a GTID was noted. */
  get version(): number {
    return this.#version;
  }

  /** The GTID position to wait for (`0-1-42,1-3-7`), or undefined when nothing was written. */
  position(): string | undefined {
    if (this.#domains.size === 0) return undefined;
    return [...this.#domains]
      .map(([domain, { server, sequence }]) => `${domain}-${server}-${sequence}`)
      .join(',');
  }
}
