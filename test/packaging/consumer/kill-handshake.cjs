// Test plumbing, not part of what a user writes. With GONEAWAY_KILL_HANDSHAKE=1 (test/matrix) a
// program prints the id of its pool's one connection, waits on stdin until the test has KILLed that
// connection through the server's admin account, then reads again through the same pool.
exports.killedWhileIdle = async function killedWhileIdle(connectionId, readAgain) {
  if (process.env.GONEAWAY_KILL_HANDSHAKE !== '1') return {};
  console.log(JSON.stringify({ kill: Number(connectionId) }));
  await new Promise((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', resolve);
    process.stdin.once('end', resolve);
  });
  process.stdin.destroy();
  const row = await readAgain();
  return { killed: Number(connectionId), afterKill: { one: Number(row.one), connectionId: Number(row.id) } };
};
