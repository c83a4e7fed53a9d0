/** The API process: `npm run api` (started for you by `npm start`). */
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { connect } from '../db/connect.js';
import { dataConverterFromEnvOrExit } from '../workflows/wire/payload-codec.js';
import { TASK_QUEUE } from '../workflows/contract.js';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? process.env.API_PORT ?? 3000);
const temporalAddress = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('api: DATABASE_URL is not set');
  process.exit(2);
}
// The same payload keys as the worker's (PAYLOAD_KEYS / PAYLOAD_KEY_FILE, required): the client
// encrypts what it sends and decrypts what it reads, and the codec endpoint (/codec) uses them.
const dataConverter = dataConverterFromEnvOrExit('api');

const db = connect(databaseUrl);
const connection = await Connection.connect({ address: temporalAddress });
const temporal = new Client({ connection, namespace, dataConverter });
const app = createApp({ db, temporal, taskQueue: process.env.TASK_QUEUE ?? TASK_QUEUE });

const server = serve({ fetch: app.fetch, port, hostname: process.env.API_HOST ?? '127.0.0.1' }, (info) => {
  console.log(`api: listening on http://localhost:${info.port}`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  await connection.close();
  await db.destroy();
  console.log('api: stopped');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
