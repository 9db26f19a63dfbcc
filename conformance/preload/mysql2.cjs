'use strict';
// Preload (`node --require`) for suites that build their own mysql2 pools (kysely's test-setup:
// `import { createPool, createConnection } from 'mysql2'`). It loads the host's own mysql2 first
// and replaces createPool and createConnection on that module object, before any test imports
// it (an ESM import of a CommonJS module reads its exports when it is first imported; Node 20's
// require(esm), which mocha uses, skips module.register hooks, so a resolve hook would not do):
//   - both runs: kysely's hard-coded test server (localhost:3308, its docker-compose port) is
//     sent to the private MariaDB instead;
//   - wrapped run: the module goes through wrapMysql2(), as an application writes
//     `wrapMysql2(mysql2).createPool(config)`.
// No file of the host changes.
const { loadGoneaway, redirectPeers, requireFromHost } = require('./host-peers.cjs');

const HOST_TEST_PORTS = new Set([3308]);

function retarget(config) {
  const server = process.env.GONEAWAY_CONFORMANCE_SERVER;
  if (!server || config === null || typeof config !== 'object' || !HOST_TEST_PORTS.has(Number(config.port))) {
    return config;
  }
  const [host, port] = server.split(':');
  return { ...config, host, port: Number(port) };
}

const mysql2 = requireFromHost('mysql2');
const { createPool, createConnection } = mysql2;
const retargeted = {
  ...mysql2,
  createPool: (config) => createPool.call(mysql2, retarget(config)),
  createConnection: (config) => createConnection.call(mysql2, retarget(config)),
};
let handedOut = retargeted;
if (process.env.GONEAWAY_CONFORMANCE_MODE === 'wrapped') {
  redirectPeers(['mysql2']);
  handedOut = loadGoneaway('mysql2').wrapMysql2(retargeted);
}
mysql2.createPool = handedOut.createPool;
mysql2.createConnection = handedOut.createConnection;
