/**
 * Small file helpers shared by the rooms that write results: a write that readers never see
 * half done, and an existence check. Imports nothing of ferry's.
 *
 * @module
 */
export { exists } from "./exists.ts";
export { writeFileAtomic } from "./write_atomic.ts";
