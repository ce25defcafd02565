/**
 * Says whether ferry's native TensorFlow backend (tfjs-node) loads in this Deno, and why not.
 * Exit code 0 when it loads, 1 when it does not. Run in its own process by `setup_native.ts`, so a
 * failed load there never leaves a half-loaded library behind.
 *
 *   deno run -A scripts/check_native.ts
 *
 * @module
 */

import { initBackend } from "../src/train/backend/mod.ts";
import { silentReporter } from "../src/progress/mod.ts";

async function main(): Promise<number> {
  try {
    const { reason } = await initBackend("tensorflow", silentReporter);
    console.log(`native backend loads: ${reason}`);
    return 0;
  } catch (error) {
    console.log(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

Deno.exit(await main());
