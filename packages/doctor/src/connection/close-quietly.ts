import type mysql from 'mysql2/promise';

/**
 * Ends the doctor's connection with COM_QUIT, so its own visit does not count in the server's
 * Aborted_clients; destroys it when the server does not answer within `timeoutMs`.
 */
export async function closeQuietly(connection: mysql.Connection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.end(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('end timed out')), timeoutMs);
      }),
    ]);
  } catch {
    connection.destroy();
  } finally {
    clearTimeout(timer);
  }
}
