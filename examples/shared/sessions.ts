import mysql2 from 'mysql2/promise';

// The faults the adapter examples show, made from the application's own login (a MariaDB or MySQL user
// may always KILL its own sessions): no admin account and no harness needed, so the CLIs run anywhere.

/** KILLs one session of the same user, from a short-lived connection of its own. */
export async function killSession(url: string, sessionId: number): Promise<void> {
  const control = await mysql2.createConnection(url);
  try {
    await control.query('KILL ?', [sessionId]);
  } finally {
    await control.end();
  }
}

/** KILLs every idle (Sleep) session of the same user but the control's own; returns how many. */
export async function killIdleSessions(url: string): Promise<number> {
  const control = await mysql2.createConnection(url);
  try {
    const [rows] = await control.query(
      "select id from information_schema.processlist where user = substring_index(current_user(), '@', 1) and command = 'Sleep' and id <> connection_id()",
    );
    const ids = (rows as Array<{ id: number }>).map((row) => Number(row.id));
    for (const id of ids) await control.query('KILL ?', [id]).catch(() => undefined);
    return ids.length;
  } finally {
    await control.end();
  }
}

/** The error's code as an application reads it (`code`, else `errno`), for reports. */
export function codeOf(error: unknown): string {
  const e = error as { code?: unknown; errno?: unknown } | null | undefined;
  return String(e?.code ?? e?.errno ?? 'no code');
}
