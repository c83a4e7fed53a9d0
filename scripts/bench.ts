/**
 * `npm run bench`: the figures at scale, each part a program of its own in scripts/bench/, run one after
 * the other so that none inherits another's load, workflows or memory:
 *
 *   intake   filing over the API against Temporal's bare workflow start, same servers, one run
 *   search   list and search with 100,000 complaints in PostgreSQL
 *   memory   the worker's resident memory with 10,000 open complaints waiting on clocks
 *   clocks   1,000 service clocks falling due in the same minute: due → breach on record
 *
 * Usage:  npm run bench                       all four parts, with their defaults
 *         npm run bench -- --only search      one part (or a comma-separated list)
 *         npm run bench -- --only intake --count 200 --concurrency 20
 *                                             further flags go to the part(s) (each part's header lists its own)
 *
 * The parts print figures beside their targets and assert nothing about speed. Exit code: 0 when every
 * part ran and checked its own data, otherwise the first failing part's code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PARTS = ['intake', 'search', 'memory', 'clocks'] as const;
type Part = (typeof PARTS)[number];

function parse(argv: string[]): { parts: Part[]; rest: string[] } {
  const rest: string[] = [];
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--only') only = argv[++i];
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length);
    else rest.push(arg);
  }
  if (only === undefined) return { parts: [...PARTS], rest };
  const asked = only.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length || asked.length === 0) {
    console.error(`bench: --only takes a comma-separated list of ${PARTS.join(', ')}; got "${only}"`);
    process.exit(2);
  }
  return { parts: asked as Part[], rest };
}

function runPart(part: Part, args: string[]): Promise<number> {
  const script = fileURLToPath(new URL(`./bench/${part}.ts`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
    // Ctrl-C reaches the child through the terminal's process group; this process just waits for it.
    process.on('SIGINT', () => undefined);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const { parts, rest } = parse(process.argv.slice(2));
let firstFailure = 0;
for (const part of parts) {
  console.log(`\n======== bench: ${part} ========`);
  const code = await runPart(part, rest);
  if (code !== 0) {
    console.log(`bench: the ${part} part ended with exit code ${code}`);
    firstFailure ||= code;
  }
}
process.exit(firstFailure);
