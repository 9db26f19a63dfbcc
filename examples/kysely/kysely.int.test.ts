import { describeTransferExample } from '../shared/transfer-example-suite.js';
import { run } from './kysely-example.js';

// The Kysely example against a private MariaDB: its normal run, the same run with its transaction's
// session and its idle pool KILLed, and the KILL on a bare mysql2 pool beside it. Its transfer also
// writes a log row: one, however many runs the transfer took.
describeTransferExample({
  library: 'Kysely',
  run,
  accountsTable: 'kysely_example_accounts',
  extra: { transfers: 1 },
});
