/** Applies the schema migrations (Kysely's Migrator) and seeds the default reference data. */
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { connect, type Db } from './connect.js';
import * as complaintFile from './migrations/0001_complaint_file.js';
import * as regulatoryReports from './migrations/0002_regulatory_reports.js';
import * as productHolds from './migrations/0003_product_holds.js';
import * as clusterAlerts from './migrations/0004_cluster_alerts.js';
import * as usersAndTokens from './migrations/0005_users_and_tokens.js';
import * as searchIndexes from './migrations/0006_search_indexes.js';
import * as reportIndexes from './migrations/0007_report_indexes.js';
import * as searchScaling from './migrations/0008_search_scaling.js';
import { seedReferenceData } from './reference-data.js';

// Listed here rather than read from the folder, so the same code runs under tsx, vitest and a bundle.
const migrations: Record<string, Migration> = {
  '0001_complaint_file': complaintFile,
  '0002_regulatory_reports': regulatoryReports,
  '0003_product_holds': productHolds,
  '0004_cluster_alerts': clusterAlerts,
  '0005_users_and_tokens': usersAndTokens,
  '0006_search_indexes': searchIndexes,
  '0007_report_indexes': reportIndexes,
  '0008_search_scaling': searchScaling,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrate(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await seedReferenceData(db);
}

export async function migrateToLatest(databaseUrl: string): Promise<void> {
  const db = connect(databaseUrl, { max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
}
