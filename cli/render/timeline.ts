/**
 * The event timeline: one line per event, as `history`, `replay` and the non-TTY progress of `run`
 * print it. Pure: events in, lines out.
 */
import type { ExecutionEvent } from '../../engine/core/events.ts';
import type { Colors } from './colors.ts';

/** What an event says beyond its type and step, in a few words. */
export function describeEvent(e: ExecutionEvent): string {
  switch (e.type) {
    case 'ExecutionStarted':
      return `flow ${e.flowId} ${e.definitionHash.slice(0, 12)} input ${JSON.stringify(e.input)}`;
    case 'StepLaunched': {
      const r = e.receipt;
      const parts = [r.target];
      if (r.jobName) parts.push(`job ${r.jobName}`);
      if (r.jobId) parts.push(`id ${r.jobId}`);
      if (r.traceId) parts.push(`trace ${r.traceId}`);
      if (e.input !== undefined) parts.push(`input ${truncate(JSON.stringify(e.input) ?? 'null')}`);
      return parts.join(' ');
    }
    case 'MapStarted':
      return `${e.total} items, ${e.concurrency} at once`;
    case 'MapIterationSucceeded':
      return `item ${e.index} (${e.childId}) output ${truncate(JSON.stringify(e.output) ?? 'null')}`;
    case 'MapIterationFailed':
      return `item ${e.index} (${e.childId}) ${e.error.name}: ${e.error.message}`;
    case 'StepSucceeded':
      return `output ${truncate(JSON.stringify(e.output) ?? 'null')}`;
    case 'StepFailed':
      return `${e.error.name}: ${e.error.message}`;
    case 'StepRetryScheduled':
      return `attempt ${e.nextAttempt} in ${e.delaySeconds}s`;
    case 'StepTimedOut':
      return '';
    case 'TimerFired':
      return `${e.timer} timer`;
    case 'StepLogged':
      return truncate(e.lines.join(' | '));
    case 'StepConfirmed':
      return 'ended well (platform log); waiting for its callback';
    case 'LateOutputRejected':
      return `output ${truncate(JSON.stringify(e.output) ?? 'null', 60)} came too late: ${truncate(e.reason, 80)}`;
    case 'ChoiceTaken':
      return `→ ${e.next} (${e.choice === null ? 'default' : `choice ${e.choice}`})`;
    case 'ExecutionSucceeded':
      return `output ${truncate(JSON.stringify(e.output) ?? 'null')}`;
    case 'ExecutionFailed':
      return `${e.error.name}: ${e.error.message}${e.path ? ` (at ${e.path})` : ''}`;
    case 'ExecutionCancelled':
      return e.reason;
    case 'ExecutionTimedOut':
      return `${e.error.name}: timeout_seconds ${e.timeoutSeconds} elapsed`;
    case 'ExecutionRedriven':
      return `redrive #${e.redriveCount}: ${e.paths.join(', ')}`;
    case 'NotificationSent':
      return `notify[${e.rule}] ${channelText(e.channel)}${e.messageId ? ` message ${e.messageId}` : ''}${e.httpStatus ? ` HTTP ${e.httpStatus}` : ''}`;
    case 'NotificationFailed':
      return `notify[${e.rule}] ${channelText(e.channel)}: ${e.error.message}`;
  }
}

function channelText(channel: { pubsub: string } | { webhook: string }): string {
  return 'pubsub' in channel ? `pubsub ${channel.pubsub}` : `webhook ${channel.webhook}`;
}

function truncate(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function paintType(colors: Colors, type: ExecutionEvent['type']): string {
  if (type === 'StepSucceeded' || type === 'ExecutionSucceeded') return colors.green(type);
  if (
    type === 'StepFailed' ||
    type === 'ExecutionFailed' ||
    type === 'StepTimedOut' ||
    type === 'NotificationFailed' ||
    type === 'ExecutionTimedOut'
  )
    return colors.red(type);
  if (type === 'ExecutionCancelled') return colors.magenta(type);
  if (type === 'StepRetryScheduled' || type === 'ExecutionRedriven' || type === 'LateOutputRejected')
    return colors.yellow(type);
  return type;
}

const TYPE_WIDTH = 18;

/**
 * One timeline line: `  7  12:00:01.250  StepSucceeded      Step2/0/Branch1 #1  output {…}`.
 *
 * @example formatEventLine(event, pc.createColors(false))
 */
export function formatEventLine(e: ExecutionEvent, colors: Colors): string {
  const time = e.at.length >= 23 ? e.at.slice(11, 23) : e.at;
  const stepRef =
    'path' in e && e.path ? `${e.path}${'attempt' in e && e.attempt ? ` #${e.attempt}` : ''}` : '';
  const type = paintType(colors, e.type) + ' '.repeat(Math.max(1, TYPE_WIDTH - e.type.length));
  return `${String(e.seq).padStart(4)}  ${colors.dim(time)}  ${type}${stepRef}${stepRef ? '  ' : ''}${colors.dim(describeEvent(e))}`.trimEnd();
}

/** The whole timeline. */
export function formatTimeline(events: readonly ExecutionEvent[], colors: Colors): string[] {
  return events.map((e) => formatEventLine(e, colors));
}
