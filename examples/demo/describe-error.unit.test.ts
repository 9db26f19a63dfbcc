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

  it('reads the code of a Sequelize error off the error it keeps as `original`', () => {
    const original = Object.assign(new Error('Connection lost'), { code: 'GONEAWAY_CONNECTION_LOST' });
    const sequelizeError = Object.assign(new Error(original.message), {
      name: 'SequelizeDatabaseError',
      original,
    });
    expect(describeError(sequelizeError)).toMatchObject({ code: 'GONEAWAY_CONNECTION_LOST' });
    expect(describeError(Object.assign(new Error('x'), { original: { errno: 1045 } })).code).toBe(
      'errno 1045',
    );
  });

  it('cuts a long line at 90 characters', () => {
    expect(shortMessage('x'.repeat(200))).toHaveLength(90);
  });
});
