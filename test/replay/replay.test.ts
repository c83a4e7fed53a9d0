/**
 * Determinism guard: complaint histories recorded from released code must replay against the
 * current workflow code. A change that would break running complaints fails here; such a change
 * goes through `patched()` (see docs/testing.md, "Changing a running workflow").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { quietRuntime, testDataConverter } from '../support/temporal.js';

const dir = new URL('./histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('recorded complaint histories replay against the current code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s', async (file) => {
    quietRuntime();
    const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
    // Throws DeterminismViolationError (or another replay failure) when the code no longer fits.
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter }, history, file);
  });
});
