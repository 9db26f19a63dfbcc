/**
 * Whether tests may start, kill, restart and reconfigure servers of their own. False when MYSQL_URL
 * points the run at an external server: `describe.skipIf(!canControlServers)('…', …)` and print
 * `noControlReason`.
 */
export const canControlServers: boolean = !process.env.MYSQL_URL;

export const noControlReason =
  'MYSQL_URL points at an external server: this test must kill/restart/reconfigure it (unset MYSQL_URL to run it)';
