import {
  ConnectionLostError,
  classify,
  DatabaseUnavailableError,
  describeError,
  ERROR_KINDS,
  ERROR_TABLE,
  isCommitOutcomeUnknown,
  isConnectionLost,
  isDatabaseUnavailable,
  isDeadlock,
  isGoneAwayConfigError,
  isGoneAwayError,
  isPacketTooLarge,
  isTransactionLost,
  TransactionLostError,
} from '@goneaway/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * classify() and everything else that reads an arbitrary thrown value (describeError, the guards,
 * isDeadlock, the error classes' toJSON) run inside catch blocks of application code: if they threw,
 * they would replace the real error with their own. Whatever is thrown — a primitive, a cyclic chain,
 * a Proxy that throws on every trap, a revoked Proxy, getters that throw, a 5 MB message — they answer
 * and never throw. Replay a failure with GONEAWAY_FUZZ_SEED.
 */

const SEED = Number(process.env.GONEAWAY_FUZZ_SEED ?? 8_0808);
const NESTED_KEYS = ['cause', 'originalError', 'nativeError', 'original', 'parent', 'errors'] as const;
const FIELDS = ['code', 'errno', 'errorno', 'sqlState', 'sqlMessage', 'message', 'fatal', 'syscall', 'name'];

/** Real codes and numbers from the table, so the fuzzer reaches the matching paths, not only the fallbacks. */
const knownKey = fc.constantFrom(...ERROR_TABLE.map((row) => row.key));
const fieldValue = fc.oneof(
  knownKey,
  fc.anything({ withBigInt: true, withBoxedValues: true, withNullPrototype: true, maxDepth: 2 }),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53, ''),
  // Huge messages: classify must read bounded windows, not the whole text.
  fc.constantFrom('x'.repeat(5_000_000), `connect ECONNREFUSED ${'9'.repeat(100_000)}`),
);

type Hostility =
  | 'plain'
  | 'throwing-getters'
  | 'throwing-proxy'
  | 'revoked-proxy'
  | 'frozen'
  | 'error-instance';

function boom(): never {
  throw new Error('hostile getter');
}

/** One node of a thrown value, made hostile in one of several ways. */
function makeNode(fields: Record<string, unknown>, hostility: Hostility, throwingKeys: string[]): object {
  const node = (
    hostility === 'error-instance' ? Object.assign(new Error('driver'), fields) : { ...fields }
  ) as Record<string | symbol, unknown>;
  if (hostility === 'throwing-getters') {
    for (const key of throwingKeys) Object.defineProperty(node, key, { get: boom, enumerable: true });
    Object.defineProperty(node, Symbol.toPrimitive, { get: boom });
    node.toString = boom;
    node.toJSON = boom;
  }
  if (hostility === 'frozen') Object.freeze(node);
  if (hostility === 'throwing-proxy') {
    return new Proxy(node, {
      get: boom,
      has: boom,
      ownKeys: boom,
      getOwnPropertyDescriptor: boom,
      getPrototypeOf: boom,
      defineProperty: boom,
      set: boom,
    });
  }
  if (hostility === 'revoked-proxy') {
    const { proxy, revoke } = Proxy.revocable(node, {});
    revoke();
    return proxy;
  }
  return node;
}

const nodeSpec = fc.record({
  fields: fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 }),
  hostility: fc.constantFrom<Hostility>(
    'plain',
    'throwing-getters',
    'throwing-proxy',
    'revoked-proxy',
    'frozen',
    'error-instance',
  ),
  throwingKeys: fc.subarray([...FIELDS, ...NESTED_KEYS]),
  link: fc.constantFrom(...NESTED_KEYS),
});

interface ChainSpec {
  readonly specs: ReadonlyArray<{
    fields: Record<string, unknown>;
    hostility: Hostility;
    throwingKeys: string[];
    link: (typeof NESTED_KEYS)[number];
  }>;
  readonly cycleTo: number | undefined;
}

/**
 * A chain of nodes linked through cause-like keys, optionally with a cycle back to an earlier node.
 * fast-check only ever sees this plain description (it inspects generated values, and a hostile value
 * would break the fuzzer itself); the property builds the hostile value from it.
 */
function buildChain({ specs, cycleTo }: ChainSpec): unknown {
  // Built innermost first; a node is linked before it is frozen or wrapped.
  let inner: unknown;
  const built: unknown[] = [];
  for (const spec of [...specs].reverse()) {
    const fields: Record<string, unknown> = { ...spec.fields };
    if (inner !== undefined) fields[spec.link] = spec.link === 'errors' ? [inner, inner] : inner;
    inner = makeNode(fields, spec.hostility, spec.throwingKeys);
    built.push(inner);
  }
  if (cycleTo !== undefined && built.length > 0) {
    // Point the innermost node's cause at an outer one: a cycle.
    try {
      (built[0] as Record<string, unknown>).cause = built[cycleTo % built.length];
    } catch {
      // Frozen or a proxy: that chain stays acyclic.
    }
  }
  return inner;
}

type Thrown = { readonly chain: ChainSpec } | { readonly value: unknown } | { readonly special: number };

/** Values fast-check cannot generate safely (symbols are fine, functions and AggregateErrors made here). */
const SPECIALS: ReadonlyArray<() => unknown> = [
  () => Symbol('thrown'),
  () => () => 1,
  () => 42n,
  () => new AggregateError([null, 1, 'x', { code: 'ECONNRESET' }]),
  () => Object.create(null),
  () => new Proxy(() => {}, { get: boom, apply: boom }),
];

const anyThrown: fc.Arbitrary<Thrown> = fc.oneof(
  fc
    .record({
      specs: fc.array(nodeSpec, { minLength: 1, maxLength: 12 }),
      cycleTo: fc.option(fc.nat(), { nil: undefined }),
    })
    .map((chain) => ({ chain })),
  fc
    .anything({
      withBigInt: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
    })
    .map((value) => ({ value })),
  fc.nat({ max: SPECIALS.length - 1 }).map((special) => ({ special })),
);

function materialize(thrown: Thrown): unknown {
  if ('chain' in thrown) return buildChain(thrown.chain);
  if ('special' in thrown) return SPECIALS[thrown.special]!();
  return thrown.value;
}

/** What a careless catch block does: read `code`, `message` and `cause.code`, and print the value. */
function throwsOnNaiveRead(value: unknown): boolean {
  try {
    const v = value as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
    void [v?.code, v?.message, v?.cause?.code, `${String(value)}`];
    return false;
  } catch {
    return true;
  }
}

function expectClassification(value: unknown): void {
  const c = classify(value);
  expect(ERROR_KINDS).toContain(c.kind);
  expect(['no', 'maybe', 'yes']).toContain(c.sent);
  expect(['usable', 'dispose']).toContain(c.connection);
  expect(['safe', 'if-idempotent', 'whole-transaction', 'never']).toContain(c.retry);
  expect(typeof c.hint).toBe('string');
  expect(c.hint.length).toBeGreaterThan(0);
  // A classification is small and serialisable whatever it was made from.
  expect(JSON.stringify(c).length).toBeLessThan(1_000);
}

describe('classify and friends never throw, whatever was thrown', () => {
  it('classify returns a valid classification for any value', () => {
    let hostile = 0;
    let runs = 0;
    fc.assert(
      fc.property(anyThrown, (thrown) => {
        const value = materialize(thrown);
        runs++;
        if (throwsOnNaiveRead(value)) hostile++;
        expectClassification(value);
      }),
      { numRuns: 600, seed: SEED },
    );
    // The generator must really produce values that break naive code, or this test proves little.
    expect(hostile / runs).toBeGreaterThan(0.1);
  });

  it('describeError, the guards and isDeadlock answer for any value', () => {
    const guards = [
      isGoneAwayError,
      isConnectionLost,
      isTransactionLost,
      isCommitOutcomeUnknown,
      isPacketTooLarge,
      isDatabaseUnavailable,
      isGoneAwayConfigError,
      isDeadlock,
    ];
    fc.assert(
      fc.property(anyThrown, (thrown) => {
        const value = materialize(thrown);
        const summary = describeError(value);
        expect(Object.keys(summary).sort()).toEqual([
          'code',
          'errno',
          'fatal',
          'name',
          'sqlState',
          'syscall',
        ]);
        for (const guard of guards) expect(typeof guard(value)).toBe('boolean');
      }),
      { numRuns: 400, seed: SEED + 1 },
    );
  });

  it("goneaway's errors built around any cause still print and serialise", () => {
    fc.assert(
      fc.property(anyThrown, (thrown) => {
        const cause = materialize(thrown);
        for (const error of [
          new ConnectionLostError({ cause }),
          new TransactionLostError({ cause }),
          new DatabaseUnavailableError({ cause, attempts: 3, elapsedMs: 100 }),
        ]) {
          expect(typeof String(error)).toBe('string');
          expect(typeof error.message).toBe('string');
          expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: error.code });
          expectClassification(error);
        }
      }),
      { numRuns: 300, seed: SEED + 2 },
    );
  });

  it('stays fast on a 100,000-deep cause chain and a 20 MB message', () => {
    let chain: Record<string, unknown> = { code: 'ECONNRESET' };
    for (let i = 0; i < 100_000; i++) chain = { cause: chain, message: 'wrapper' };
    const huge = Object.assign(new Error('y'.repeat(20_000_000)), { errno: 1153 });
    const started = performance.now();
    expectClassification(chain);
    expect(classify(huge).kind).toBe('packet-too-large');
    // Bounded reads: milliseconds, not a walk of the whole chain or a scan of 20 MB (generous for a loaded CI).
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
