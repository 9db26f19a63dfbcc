import { classify, isGoneAwayError, parsePolicy } from '@goneaway/core';

const lost = classify({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
const policy = parsePolicy({ outageBudgetMs: 2000 });
let invalid = '';
try {
  parsePolicy({ outageBudgetMs: -1 });
} catch (error) {
  invalid = isGoneAwayError(error) ? error.code : String(error);
}
console.log(
  JSON.stringify({
    kind: lost.kind,
    sent: lost.sent,
    outageBudgetMs: policy.outageBudgetMs,
    frozen: Object.isFrozen(policy),
    invalid,
  }),
);
