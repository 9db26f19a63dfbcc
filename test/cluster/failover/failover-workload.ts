// The workload moved to the harness (test/harness/src/failover-workload.ts) so the cluster demo and the
// cluster benchmark run the very same loops as these tests; this file keeps the tests' imports.
export * from '../../harness/src/failover-workload.js';
