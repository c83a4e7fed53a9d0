/**
 * The baseline for `npm run bench` (scripts/bench.ts): the entry of the baseline worker's workflow
 * bundle. Not part of the product.
 */

/** Does nothing, so starting it costs only Temporal's own start path, none of our work. */
export async function emptyWorkflow(): Promise<void> {}
