/**
 * Every activity the worker registers, built from its dependencies (the database, and a Temporal
 * client for the few that signal other workflows). Workflows import the *type* only.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/connect.js';
import { createClusterActivities } from './clusters.js';
import { createComplaintFileActivities } from './complaint-file.js';
import { createProductHoldActivities } from './product-holds.js';
import { createRegulatoryActivities } from './regulatory.js';

export type {
  ComplaintSnapshot,
  RecordIntakeInput,
  RecordProgressInput,
  ServiceLevels,
} from './complaint-file.js';

export interface ActivityDeps {
  db: Db;
  /** For activities that signal other workflows; absent in tests that need none. */
  temporal?: Client;
}

export function createActivities({ db, temporal }: ActivityDeps) {
  return {
    ...createComplaintFileActivities(db),
    ...createClusterActivities({ db, temporal }),
    ...createProductHoldActivities(db),
    ...createRegulatoryActivities(db),
  };
}

export type ComplaintActivities = ReturnType<typeof createActivities>;
