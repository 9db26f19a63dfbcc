// @goneaway/core/test-fixtures: what the adapters' unit tests share. A workspace-only entry point (its one
// condition is `goneaway-source`): it is never built nor published, and it imports vitest.

export { configErrorOf } from './errors/config-error-of.fixture.js';
export {
  describeSupportedVersions,
  fakeInstalledVersions,
  type SupportedVersionsSuite,
} from './versions/assert-supported.fixture.js';
