/**
 * With RECORD_HISTORIES=1, tests save their workflows' histories under test/replay/histories, where
 * the replay test proves every later version of the code still replays them. Record only from code
 * that is released; never overwrite a history to make a replay pass (patch the workflow instead).
 */
import { writeFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = new URL(`../replay/histories/${name}.json`, import.meta.url);
  writeFileSync(file, historyToJSON(await handle.fetchHistory()));
}
