import { describe, expect, it } from 'vitest';
import { describeError, shortMessage } from './describe-error.js';

describe('shortMessage', () => {
  it("keeps the driver's part of knex's `<sql> - <message>` and hides the bound values", () => {
    const blob = 'ab'.repeat(40);
    expect(shortMessage(`insert into \`t\` (\`payload\`) values (X'${blob}') - write ECONNRESET`)).toBe(
      'write ECONNRESET',
    );
  });

  it("skips Prisma's blank first line and its `Invalid … invocation:` preamble", () => {
    const message =
      '\nInvalid `prisma.$executeRawUnsafe()` invocation:\n\n\nRaw query failed. Code: `45009`. Message: `socket has unexpectedly been closed`';
    expect(shortMessage(message)).toBe(
      'Raw query failed. Code: `45009`. Message: `socket has unexpectedly been closed`',
    );
    expect(describeError(Object.assign(new Error(message), { code: 'P2010' }))).toMatchObject({
      code: 'P2010',
      messageLength: message.length,
    });
  });

  it('cuts a long line at 90 characters', () => {
    expect(shortMessage('x'.repeat(200))).toHaveLength(90);
  });
});
