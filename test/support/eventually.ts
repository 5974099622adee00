/**
 * Poll until `check` gives a value (anything but undefined/false); fail after `timeoutMs`. A safety
 * net for asynchronous effects (a log line emitted, a timer fired), never a timing assertion.
 *
 * @example const head = await eventually(async () => (await store.getHead(id))?.status === 'SUCCEEDED' && head);
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
