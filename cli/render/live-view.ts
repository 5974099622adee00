/**
 * What `run` shows a person while an execution runs. On a terminal: the step table, redrawn in place
 * (ANSI cursor movement) on every new event and a few times a second so elapsed times tick. Anywhere
 * else (a pipe, a CI log): one timeline line per event, nothing redrawn. Either way the summary is
 * printed once at the end.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import { type Colors, colorsFor, type TextOut } from './colors.ts';
import { type HeadView, renderStepTable, renderSummary } from './step-table.ts';
import { formatEventLine } from './timeline.ts';

const ERASE_UP = (lines: number) => (lines > 0 ? `\x1b[${lines}A\x1b[0J` : '\x1b[0J');

export interface LiveViewOptions {
  /** Redraw interval on a TTY (default 200 ms). */
  refreshMs?: number;
  /** Clock for elapsed times (default `Date.now`). */
  now?: () => number;
}

/**
 * @example
 * const view = new LiveView(process.stdout);
 * view.update(newEvents, head);  // as events are appended
 * view.finish(finalHead);        // prints the summary
 */
export class LiveView {
  private readonly colors: Colors;
  private readonly tty: boolean;
  private readonly now: () => number;
  private drawn = 0;
  private head: HeadView | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: TextOut,
    opts: LiveViewOptions = {},
  ) {
    this.colors = colorsFor(out);
    this.tty = out.isTTY === true;
    this.now = opts.now ?? Date.now;
    if (this.tty) {
      this.timer = setInterval(() => this.redraw(), opts.refreshMs ?? 200);
      this.timer.unref();
    }
  }

  /** New events were appended; `head` is the execution's head after them. */
  update(events: readonly ExecutionEvent[], head: HeadView): void {
    this.head = head;
    if (this.tty) this.redraw();
    else for (const e of events) this.out.write(`${formatEventLine(e, this.colors)}\n`);
  }

  /** Stop redrawing and print the final summary. */
  finish(head: HeadView): void {
    this.stop();
    if (this.tty) this.out.write(ERASE_UP(this.drawn));
    this.drawn = 0;
    this.out.write(`${renderSummary(head, this.now(), this.colors).join('\n')}\n`);
  }

  /** Stop redrawing without a summary (on error). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private redraw(): void {
    if (!this.head) return;
    const lines = [
      `${this.colors.bold(this.head.executionId)}  ${this.colors.dim(`flow ${this.head.flowId}`)}  ${this.head.status}`,
      ...renderStepTable(this.head.steps, this.now(), this.colors, this.out.columns, this.head.maps),
    ];
    this.out.write(`${ERASE_UP(this.drawn)}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
