'use strict';
// Wrapped run of knex's own test suite: every knex instance the suite builds for the mysql2 dialect
// is built from goneAway(config), exactly as an application writes `knex(goneAway(config))`.
// knex's tests load knex from the checkout (`require('../../knex')`, `require('../../../lib')`), all
// of which end in lib/knex-builder/Knex.js: that module's export, the knex factory, is handed out
// behind a proxy that wraps the config. No file of the checkout is changed.
const { join } = require('node:path');
const { hostRoot, loadGoneaway, redirectPeers, replaceModule, requireFromHost } = require('./host-peers.cjs');

redirectPeers(['knex', 'mysql2'], { knex: hostRoot });
const { goneAway } = loadGoneaway('knex-plugin');
const Mysql2Client = requireFromHost('./lib/dialects/mysql2/index.js');

// Configs goneAway returned, and the client classes it made: applying goneAway to them again
// (a test that builds a second knex from `knex.client.config`) would wrap twice.
const wrappedConfigs = new WeakSet();
const goneawayClients = new WeakSet();

function isGoneawayClient(client) {
  for (let proto = client; typeof proto === 'function'; proto = Object.getPrototypeOf(proto)) {
    if (goneawayClients.has(proto)) return true;
  }
  return false;
}

function isMysql2Config(config) {
  if (config === null || typeof config !== 'object' || wrappedConfigs.has(config)) return false;
  const client = config.client ?? config.dialect;
  if (client === 'mysql2') return true;
  return (
    typeof client === 'function' &&
    (client === Mysql2Client || client.prototype instanceof Mysql2Client) &&
    !isGoneawayClient(client)
  );
}

function wrapConfig(config) {
  // knex accepts `dialect` for `client`; goneAway reads `client`.
  const wrapped = goneAway(config.client === undefined ? { ...config, client: config.dialect } : config);
  wrappedConfigs.add(wrapped);
  goneawayClients.add(wrapped.client);
  return wrapped;
}

replaceModule(join(hostRoot, 'lib', 'knex-builder', 'Knex.js'), (knex) => {
  return new Proxy(knex, {
    apply(target, thisArg, args) {
      if (isMysql2Config(args[0])) args = [wrapConfig(args[0]), ...args.slice(1)];
      return Reflect.apply(target, thisArg, args);
    },
  });
});
