import { describeTransferExample } from '../shared/transfer-example-suite.js';
import { run } from './drizzle-example.js';

// The Drizzle example against a private MariaDB: its normal run, the same run with its transaction's
// session and its idle pool KILLed, and the KILL on a bare mysql2 pool beside it.
describeTransferExample({ library: 'Drizzle', run, accountsTable: 'drizzle_example_accounts' });
