// Runs one benchmark case in this process and prints its rows as one JSON line.
// Each case gets a fresh process (started by bench/main.ts) so that no case's JIT state,
// heap or open sockets colour another's figures.
import type { CaseContext, Row } from './support/result';

const CASES: Record<string, () => Promise<{ run(ctx: CaseContext): Promise<Row[]> }>> = {
  count: () => import('./cases/count'),
  heap: () => import('./cases/heap'),
  payload: () => import('./cases/payload'),
  stall: () => import('./cases/stall'),
  push: () => import('./cases/push'),
  http: () => import('./cases/http'),
  nest: () => import('./cases/nest-kafka'),
  emit: () => import('./cases/client-kafka'),
  kafka: () => import('./cases/kafka-consume'),
};

/** Marks the line the parent reads. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

async function main(): Promise<void> {
  const [name, ...flags] = process.argv.slice(2);
  const load = CASES[name];
  if (!load) throw new Error(`unknown case ${name}; known: ${Object.keys(CASES).join(', ')}`);
  const rows = await (await load()).run({ quick: flags.includes('--quick') });
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(rows)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
