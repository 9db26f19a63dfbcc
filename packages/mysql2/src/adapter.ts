// @goneaway/mysql2/adapter: what the adapters built on mysql2 (@goneaway/typeorm, @goneaway/sequelize)
// need of this package beyond its public entry. Users never import it; the names here may change in
// any 0.x release. Named exports only.

export {
  assertCallbackMysql2Module,
  type CallbackMysql2Use,
  type Mysql2Factory,
} from './assert-callback-mysql2-module.js';
export { isInternalAcquireCallback } from './mysql2-pool-driver.js';
export { type PoolCommitMarker, poolCommitMarker } from './pool-commit-markers.js';
export { clusterRoutingFor, userOf, writerRoutingFor } from './writer-routing-for.js';
