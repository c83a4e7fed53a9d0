/**
 * The Java time-skipping test server (Maven artifact io.temporal:temporal-test-server), wrapped in an
 * executable script that `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type:
 * 'existing-path', path } } })` can start. Jars are fetched once with Maven into the tools cache.
 *
 * What the SDK runs (sdk-core ephemeral_server, TestServerConfig): `<path> <port> [...extraArgs]`,
 * stops it with SIGKILL (tokio Child::kill), and gives it 5 s to accept a gRPC connection. Hence the
 * wrapper `exec`s java (so the kill reaches the JVM, not only a shell) and forwards the arguments
 * unchanged: like the SDK's own downloaded test server it starts with time skipping *locked*, and the
 * SDK unlocks it while a test awaits a workflow result or calls `testEnv.sleep()`. (Passing
 * `--enable-time-skipping` would start it unlocked: time would then jump whenever workflows are idle,
 * even between two steps of a test.) Extra args given to createTimeSkipping({ server: { extraArgs } })
 * reach the main class after the port.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, which, withCacheLock } from './cache.js';

export const TEST_SERVER_VERSION = '1.31.0';
/** Bumped when the fetched set of jars changes, so existing caches are completed. */
const RECIPE = 2;

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.complaints</groupId>
  <artifactId>temporal-test-server-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
    <!-- a binding for its slf4j-api 1.7.36, so it does not print SLF4J warnings at every start -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
`;

/** Path of the executable wrapper script; fetches the jars with Maven the first time. */
export async function ensureTimeSkippingServer(): Promise<string> {
  const dir = path.join(cacheRoot(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  const complete = () => {
    try {
      return fs.readFileSync(path.join(dir, 'complete'), 'utf8').startsWith(`recipe ${RECIPE}\n`);
    } catch {
      return false;
    }
  };
  if (complete()) return writeWrapper(dir);

  await withCacheLock(`${dir}.lock`, `fetching the Temporal test server ${TEST_SERVER_VERSION}`, async () => {
    if (complete()) return;
    const java = which('java');
    const mvn = which('mvn');
    if (!java || !mvn) {
      throw new Error(
        `The time-skipping test server needs Java (17+) and Maven on PATH (missing: ${[!java && 'java', !mvn && 'mvn']
          .filter(Boolean)
          .join(', ')}).`,
      );
    }
    console.error(`fetching the Temporal time-skipping test server ${TEST_SERVER_VERSION} once (Maven, ~35 MB of jars)`);
    const started = Date.now();
    const tmp = fs.mkdtempSync(`${dir}.fetch-`);
    try {
      fs.writeFileSync(path.join(tmp, 'pom.xml'), POM);
      const jarsDir = path.join(tmp, 'jars');
      const { code, output } = await run(mvn, [
        '-B',
        '-q',
        '-f',
        path.join(tmp, 'pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${jarsDir}`,
        '-DincludeScope=runtime',
      ]);
      const jars = fs.existsSync(jarsDir) ? fs.readdirSync(jarsDir).filter((f) => f.endsWith('.jar')) : [];
      if (code !== 0 || !jars.some((j) => j.startsWith('temporal-test-server-'))) {
        throw new Error(
          `Maven could not fetch io.temporal:temporal-test-server:${TEST_SERVER_VERSION} (exit ${code}):\n` +
            output.split('\n').slice(-25).join('\n'),
        );
      }
      fs.writeFileSync(path.join(tmp, 'complete'), `recipe ${RECIPE}\n${new Date().toISOString()}\n`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      console.error(`fetched the test server in ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
  return writeWrapper(dir);
}

/**
 * (Re)writes the wrapper script when its text changed (atomically: it may be running).
 * It `exec`s java so that the SDK's SIGKILL reaches the JVM itself. Its watchdog stops the JVM when the
 * process that started it is gone (a test file that crashed before teardown: sdk-core kills the server
 * only when its handle is dropped, which a dying Node process never does). The JVM options favour a fast
 * start (the SDK allows the server 5 s to answer) over peak speed: tests are short.
 */
function writeWrapper(dir: string): string {
  const wrapper = path.join(dir, 'temporal-test-server');
  const text = [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${TEST_SERVER_VERSION}. Usage: <port> [--enable-time-skipping]`,
    `# Written by scripts/stack/time-skipping-server.ts.`,
    'parent=$PPID',
    'self=$$',
    '( while kill -0 "$parent" 2>/dev/null && kill -0 "$self" 2>/dev/null; do sleep 2; done',
    '  kill "$self" 2>/dev/null ) </dev/null >/dev/null 2>&1 &',
    `exec "\${JAVA:-java}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k \${TEMPORAL_TEST_SERVER_JAVA_OPTS:-} \\`,
    `  -cp '${path.join(dir, 'jars')}/*' io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
  let current: string | undefined;
  try {
    current = fs.readFileSync(wrapper, 'utf8');
  } catch {
    // not written yet
  }
  if (current !== text) {
    const tmp = `${wrapper}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.renameSync(tmp, wrapper);
  }
  return wrapper;
}

async function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return await new Promise((resolve, reject) => {
    const chunks: string[] = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => chunks.push(c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: chunks.join('') }));
  });
}
