'use strict';
// Wrapped run of TypeORM's own tests: every DataSource the tests build for MySQL/MariaDB is built
// from goneAwayTypeorm(options), as an application writes `new DataSource(goneAwayTypeorm(options))`.
// The tests (build/compiled/test) construct `new DataSource_1.DataSource(options)`, reading the
// export at call time, so replacing that export with a subclass as the module loads is enough.
// No file of the checkout is changed.
const { join } = require('node:path');
const { hostRoot, loadGoneaway, redirectPeers, replaceModule } = require('./host-peers.cjs');

redirectPeers(['mysql2']);
const { goneAwayTypeorm } = loadGoneaway('typeorm');

const wrappedDrivers = new WeakSet();

/**
 * goneAwayTypeorm refuses replication and the `mysql` connector package (documented limits): such
 * options stay bare, as an application could not wrap them either.
 */
function shouldWrap(options) {
  return (
    options !== null &&
    typeof options === 'object' &&
    (options.type === 'mysql' || options.type === 'mariadb') &&
    options.replication === undefined &&
    (options.connectorPackage === undefined || options.connectorPackage === 'mysql2') &&
    !(options.driver !== undefined && wrappedDrivers.has(options.driver))
  );
}

replaceModule(join(hostRoot, 'build', 'compiled', 'src', 'data-source', 'DataSource.js'), (exports) => {
  const BareDataSource = exports.DataSource;
  class DataSource extends BareDataSource {
    constructor(options, ...rest) {
      if (shouldWrap(options)) {
        const wrapped = goneAwayTypeorm(options);
        wrappedDrivers.add(wrapped.driver);
        super(wrapped, ...rest);
      } else {
        super(options, ...rest);
      }
    }
  }
  exports.DataSource = DataSource;
  return exports;
});
