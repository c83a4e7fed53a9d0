/**
 * The soak (`npm run soak`) in short: a few dozen complaints driven through every path while the
 * worker is SIGKILLed twice and the API restarted once; the checker must find nothing lost,
 * duplicated, late (a clock due and neither met nor breached within 60 s) or in a wrong state. It starts its own PostgreSQL, Temporal dev server, worker and API
 * (child processes), as `npm run soak` does. Sizes: SOAK_TEST_COMPLAINTS (60), SOAK_TEST_WORKER_KILLS (2),
 * SOAK_TEST_API_RESTARTS (1).
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../scripts/soak.js';

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

describe('soak (short)', () => {
  it('loses, duplicates and misplaces nothing while the worker is killed and the API restarted', async () => {
    const report = await runSoak({
      complaints: num('SOAK_TEST_COMPLAINTS', 60),
      concurrency: 12,
      workerKills: num('SOAK_TEST_WORKER_KILLS', 2),
      apiRestarts: num('SOAK_TEST_API_RESTARTS', 1),
      temporalRestarts: 0,
      postgresRestarts: 0,
      faultIntervalS: 8,
      breachMinutes: 0.25,
      timeoutS: 150,
      // The soak's own bound: a breach may wait out a killed worker's restart (about 45 s seen here).
      clockBoundS: 60,
      log: () => undefined,
    });
    const text = formatReport(report);
    console.log(text);
    expect(report.faults['worker SIGKILL'], text).toBe(num('SOAK_TEST_WORKER_KILLS', 2));
    expect(report.faults['API restart'], text).toBe(num('SOAK_TEST_API_RESTARTS', 1));
    expect(report.problems, text).toEqual([]);
    expect(report.clientFailures, text).toEqual([]);
    expect({ lost: report.lost, duplicated: report.duplicated, wrongState: report.wrongState, late: report.late }, text).toEqual({ lost: 0, duplicated: 0, wrongState: 0, late: 0 });
    expect(report.gaveUp, text).toEqual([]);
    expect(report.ok, text).toBe(true);
  }, 175_000);
});
