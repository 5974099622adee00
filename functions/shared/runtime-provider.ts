/**
 * One runtime per function instance, created on first use and shared by every request. A failed
 * creation is not cached (the next request tries again), so a transient fault at start (Firestore
 * briefly unreachable) does not poison the instance.
 */
import type { Runtime } from '../../runtime/runtime.ts';

/** How handlers get the runtime: memoized, async. */
export type RuntimeProvider = () => Promise<Runtime>;

/**
 * Memoize a runtime factory.
 *
 * @example const getRuntime = memoizeRuntime(() => createRuntime(config)); await getRuntime();
 */
export function memoizeRuntime(create: () => Promise<Runtime>): RuntimeProvider {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= create().catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
