/** The worker process: `npm run worker` (started for you by `npm start`). */
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import { connect } from '../db/connect.js';
import { dataConverterFromEnvOrExit } from './payload-codec.js';
import { createComplaintWorker } from './worker.js';

const temporalAddress = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('worker: DATABASE_URL is not set');
  process.exit(2);
}
// Payloads hold personal data: encrypted with the key from PAYLOAD_KEYS / PAYLOAD_KEY_FILE (required).
const dataConverter = dataConverterFromEnvOrExit('worker');

// The SDK's own messages (workflow bundling, state changes) at LOG_LEVEL, WARN unless asked.
// Payloads are never logged: they hold complainants' personal data.
const logLevel = (process.env.LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
Runtime.install({
  logger: new DefaultLogger(logLevel),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
});
const db = connect(databaseUrl);
const connection = await NativeConnection.connect({ address: temporalAddress });
const worker = await createComplaintWorker({ connection, namespace, db, dataConverter });
console.log(`worker: polling task queue on ${temporalAddress} (namespace ${namespace})`);
try {
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
} finally {
  await connection.close();
  await db.destroy();
  console.log('worker: stopped');
}
