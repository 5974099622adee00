/**
 * Helpers for adapter tests: launch commands as the core would emit them, a fake-token OAuth client
 * for the Google client libraries, and polling for asynchronous effects of the fakes.
 */
import { createHash } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import type { ContextOptions } from '../../adapters/shared/context.ts';
import { commandId, type LaunchCommand } from '../../engine/core/commands.ts';
import type { Json, Target } from '../../engine/flow/model.ts';

export const SECRET = 'test-callback-secret-0123456789';
export const CONTEXT: ContextOptions = { secret: SECRET, replyTo: { url: 'http://127.0.0.1:9/callback' } };

/** A launch command for `target` (trace derived from execution/path/attempt, as the core does). */
export function launchCommand(
  target: Target,
  over: Partial<Pick<LaunchCommand, 'executionId' | 'step' | 'path' | 'attempt' | 'input'>> = {},
): LaunchCommand {
  const executionId = over.executionId ?? 'exec-1';
  const step = over.step ?? 'Step1';
  const path = over.path ?? step;
  const attempt = over.attempt ?? 1;
  const h = createHash('sha256').update(`${executionId}\n${path}\n${attempt}`).digest('hex');
  return {
    kind: 'launch',
    id: commandId('launch', path, attempt),
    executionId,
    flowId: 'flow-1',
    step,
    path,
    attempt,
    target,
    input: (over.input ?? { n: 1 }) as Json,
    trace: { traceId: h.slice(0, 32), spanId: h.slice(32, 48) },
  };
}

/** An OAuth2 client holding a fake access token: what the Google libraries need to talk to a fake. */
export function fakeAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'local', expiry_date: Date.now() + 3_600_000 });
  return auth;
}

export { eventually } from '../support/eventually.ts';

/** A loopback port with nothing listening (bound once, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}
