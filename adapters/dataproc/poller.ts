/**
 * Completion detection for Dataproc in local runs: polls `probe` (operations.get) for each watched
 * attempt until the operation is done, then reports the outcome once. In the cloud the same `probe`
 * is driven by the engine's timers instead (no process stays alive between signals).
 */
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { Launcher, ProbeResult } from '../../engine/ports/index.ts';

export type TerminalProbe = Extract<ProbeResult, { state: 'succeeded' | 'failed' }>;

export interface DataprocPollerOptions {
  /** Between probes (default 1000 ms). */
  intervalMs?: number;
  /** Let the process exit while attempts are still watched (local runs; default false). */
  unref?: boolean;
}

/**
 * @example
 * const poller = new DataprocPoller(launcher, { intervalMs: 50 });
 * poller.watch(command, receipt, (result) => applyCompletion(command, result));
 * poller.clear(); // teardown
 */
export class DataprocPoller {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly launcher: Pick<Launcher, 'probe'>,
    private readonly opts: DataprocPollerOptions = {},
  ) {}

  /** Poll until done; a probe that throws (transient API fault) is retried at the next tick. */
  watch(
    command: LaunchCommand,
    receipt: Receipt,
    onDone: (result: TerminalProbe) => void | Promise<void>,
  ): void {
    const key = `${command.executionId}\n${command.id}`;
    if (this.#timers.has(key) || !this.launcher.probe) return;
    const probe = this.launcher.probe.bind(this.launcher);
    const tick = async () => {
      let result: ProbeResult = { state: 'unknown' };
      try {
        result = await probe(command, receipt);
      } catch {
        result = { state: 'unknown' };
      }
      if (!this.#timers.has(key)) return;
      if (result.state === 'succeeded' || result.state === 'failed') {
        this.#timers.delete(key);
        await onDone(result);
        return;
      }
      this.#timers.set(key, this.#after(tick));
    };
    this.#timers.set(key, this.#after(tick));
  }

  #after(tick: () => Promise<void>): NodeJS.Timeout {
    const t = setTimeout(() => void tick(), this.opts.intervalMs ?? 1000);
    if (this.opts.unref) t.unref();
    return t;
  }

  /** Number of attempts still being watched. */
  get watching(): number {
    return this.#timers.size;
  }

  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
