import { describe, expect, it } from 'vitest';
import { checkInput } from './check-input.fixture.js';
import { checkInteractiveTimeout } from './check-interactive-timeout.js';
import { checkNetTimeouts } from './check-net-timeouts.js';
import { checkStatementTimeout } from './check-statement-timeout.js';

describe('checkNetTimeouts', () => {
  it('warns for either value below its default', () => {
    expect(checkNetTimeouts(checkInput({ facts: { netReadTimeoutSeconds: 5 } })).severity).toBe('warn');
    expect(checkNetTimeouts(checkInput({ facts: { netWriteTimeoutSeconds: 10 } })).severity).toBe('warn');
    expect(checkNetTimeouts(checkInput()).severity).toBe('ok');
  });
});

describe('checkStatementTimeout', () => {
  it("reads MariaDB's max_statement_time in seconds", () => {
    const tight = checkStatementTimeout(checkInput({ facts: { maxStatementTimeSeconds: 0.5 } }));
    expect(tight.severity).toBe('warn');
    expect(tight.summary).toMatch(/500 ms/);
    expect(tight.summary).toMatch(/1969/);
    expect(checkStatementTimeout(checkInput({ facts: { maxStatementTimeSeconds: 10 } })).severity).toBe(
      'info',
    );
    expect(checkStatementTimeout(checkInput()).summary).toMatch(/0 \(off\)/);
  });

  it("reads MySQL's max_execution_time in milliseconds", () => {
    const finding = checkStatementTimeout(
      checkInput({ facts: { maxStatementTimeSeconds: undefined, maxExecutionTimeMs: 200 } }),
    );
    expect(finding.severity).toBe('warn');
    expect(finding.summary).toMatch(/max_execution_time is 200 ms/);
  });
});

describe('checkInteractiveTimeout', () => {
  it('is never more than info: mysql2 sessions get wait_timeout', () => {
    const finding = checkInteractiveTimeout(checkInput({ limits: { interactiveTimeoutSeconds: 5 } }));
    expect(finding.severity).toBe('info');
    expect(finding.summary).toMatch(/says nothing about the app/);
  });
});
