import { isGoneAwayPool } from './register-goneaway-pool.js';
import { isGoneAwayTypeormDriver } from './typeorm-driver.js';

/** What goneaway reads of a TypeORM DataSource (0.3 or 1.x). */
export interface DataSourceLike {
  readonly options: { readonly driver?: unknown };
  readonly driver?: { readonly pool?: unknown };
}

export function usesGoneAwayDriver(dataSource: unknown): boolean {
  return isGoneAwayTypeormDriver((dataSource as DataSourceLike | null | undefined)?.options?.driver);
}

/** The wrapped mysql2 pool of an initialized DataSource made with goneAwayTypeorm. */
export function poolOfDataSource(dataSource: unknown, caller: string): object {
  const pool = (dataSource as DataSourceLike | null | undefined)?.driver?.pool;
  if (!isGoneAwayPool(pool)) {
    throw new TypeError(
      usesGoneAwayDriver(dataSource)
        ? `${caller}(dataSource): the DataSource is not initialized (call dataSource.initialize() first).`
        : `${caller}(dataSource): dataSource is not a DataSource made with goneAwayTypeorm(options).`,
    );
  }
  return pool;
}
