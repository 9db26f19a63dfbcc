'use strict';
// Shared by the preloads. In an application, knex / mysql2 / typeorm are peer dependencies of
// goneaway's packages and resolve to the application's one copy. Here the application is the host
// library's checkout, so when goneaway's built packages (packages/*/dist) ask for one of them, it
// is resolved from the checkout instead of from this repository's node_modules: the client class
// goneaway extends is the very one the host's tests load.
const Module = require('node:module');
const { join, resolve, sep } = require('node:path');

const hostRoot = process.env.GONEAWAY_CONFORMANCE_HOST;
if (!hostRoot) throw new Error('GONEAWAY_CONFORMANCE_HOST must name the host library checkout');
const packagesDir = resolve(__dirname, '../../packages') + sep;

/** `require` from the host checkout's root, as the host's own code would. */
const requireFromHost = Module.createRequire(join(hostRoot, 'package.json'));

/**
 * Redirects the named packages (and their subpaths) to the host when the request comes from
 * goneaway's packages. `selfNames` map a package name to the host's own files (knex's checkout IS
 * knex: `knex/lib/x.js` is `<host>/lib/x.js`).
 */
function redirectPeers(names, selfNames = {}) {
  const originalResolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFromHost(request, parent, isMain, options) {
    if (parent?.filename?.startsWith(packagesDir)) {
      const name = names.find((candidate) => request === candidate || request.startsWith(`${candidate}/`));
      if (name !== undefined) {
        const self = selfNames[name];
        if (self !== undefined) {
          const rest = request.slice(name.length + 1);
          return originalResolve.call(
            this,
            rest === '' ? self : join(hostRoot, rest),
            parent,
            isMain,
            options,
          );
        }
        return requireFromHost.resolve(request);
      }
    }
    return originalResolve.call(this, request, parent, isMain, options);
  };
}

/** Loads one of goneaway's built packages (`knex-plugin`, `mysql2`, `typeorm`): run `npm run build` first. */
function loadGoneaway(folder) {
  const entry = join(packagesDir, folder, 'dist', 'index.cjs');
  try {
    return require(entry);
  } catch (error) {
    throw new Error(`conformance preload: could not load ${entry} (build the packages first)`, {
      cause: error,
    });
  }
}

/**
 * Calls `onLoad(exports)` when the module at `file` (absolute) is loaded through require, and
 * hands out what it returns instead; once per module, then the same replacement every time.
 */
function replaceModule(file, onLoad) {
  const originalLoad = Module._load;
  let original;
  let replacement;
  Module._load = function loadReplaced(request, parent, isMain, ...rest) {
    const loaded = originalLoad.call(this, request, parent, isMain, ...rest);
    if (original !== undefined) return loaded === original ? replacement : loaded;
    if (typeof loaded !== 'function' && (typeof loaded !== 'object' || loaded === null)) return loaded;
    let filename;
    try {
      filename = Module._resolveFilename(request, parent, isMain);
    } catch {
      return loaded;
    }
    if (filename !== file) return loaded;
    original = loaded;
    replacement = onLoad(loaded);
    return replacement;
  };
}

module.exports = { hostRoot, loadGoneaway, redirectPeers, replaceModule, requireFromHost };
