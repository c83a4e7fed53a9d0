import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Starts PostgreSQL, a Temporal dev server, the time-skipping server wrapper and the workflow bundle
    // once per run; tests read them with inject() (see the ProvidedContext declared there).
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks', // a process per file: Temporal's Runtime (logging, telemetry) is process-wide
    maxWorkers: 2, // 2 cores; each workflow test file also runs a worker and often a JVM
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
