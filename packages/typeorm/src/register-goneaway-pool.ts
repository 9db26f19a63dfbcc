/**
 * The mysql2 pools TypeORM DataSources made through goneAwayTypeorm: how stats(dataSource) and
 * subscribeTo(dataSource) tell an initialized goneaway DataSource from any other. Everything else
 * (validation, single-flight reconnects, retries, packet guard, typed errors) is the mysql2 adapter's.
 */
const pools = new WeakSet<object>();

export function registerGoneAwayPool(pool: object): void {
  pools.add(pool);
}

export function isGoneAwayPool(pool: unknown): pool is object {
  return typeof pool === 'object' && pool !== null && pools.has(pool);
}
