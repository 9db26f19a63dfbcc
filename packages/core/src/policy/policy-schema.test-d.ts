import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { GoneAwayOptions, Policy } from './options.js';
import { parsePolicy } from './parse-policy.js';
import type { policySchema } from './policy-schema.js';

/** What deepFreeze makes of the parsed options: every level readonly. */
type Frozen<T> = T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

// options.ts declares the public types by hand (zod stays private); these keep them and the schema one
// definition: an option added, removed, renamed or retyped on one side only fails here.
describe('the zod schema and the plain types of options.ts', () => {
  it('the parsed, frozen output is exactly Policy', () => {
    expectTypeOf<Frozen<z.output<typeof policySchema>>>().toEqualTypeOf<Policy>();
    expectTypeOf(parsePolicy).returns.toEqualTypeOf<Policy>();
  });

  it('what the schema accepts is exactly GoneAwayOptions', () => {
    expectTypeOf<z.input<typeof policySchema>>().toEqualTypeOf<GoneAwayOptions>();
  });

  it('a Policy is readonly all the way down', () => {
    const policy = parsePolicy();
    // @ts-expect-error a Policy is frozen
    policy.outageBudgetMs = 1;
    // @ts-expect-error nested options too
    policy.backoff.maxDelayMs = 1;
  });
});
