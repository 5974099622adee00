/**
 * Calls any HTTP(S) endpoint (another cloud's function URL, a tinyFaaS node, an internal service).
 * Auth: none, OIDC (a Google-signed ID token for `audience`, default the URL), or a bearer secret read
 * from the environment variable `auth.secret_env`. Mode `sync` (default): the answer is the completion
 * — 2xx succeeds with the JSON body as output, other 4xx fail the step, 408/429/5xx/timeouts are
 * retried. Mode `async`: 2xx means accepted and completion comes by callback.
 * Same trace headers and `{ input, firestep }` body as function launches.
 */
import type { LaunchCommand } from '../../engine/core/commands.ts';
import type { Receipt } from '../../engine/core/events.ts';
import type { HttpTarget, Json } from '../../engine/flow/model.ts';
import type { CorrelationKey, Launcher, LaunchResult } from '../../engine/ports/index.ts';
import { traceHeaders } from '../../engine/signals/wire/trace-headers.ts';
import { type ContextOptions, launchBody, traceAndCallbackKeys } from '../shared/context.ts';
import { callHttp, HttpStatusError } from '../shared/http-call.ts';
import { type IdTokenProvider, noIdToken } from '../shared/id-token.ts';
import { classifyLaunchError, configFailure, isRetryable } from '../shared/launch-errors.ts';

export interface HttpLauncherOptions {
  context: ContextOptions;
  /** For `auth: { type: 'oidc' }` (default: none — configure `googleIdTokenProvider()` in the cloud). */
  idToken?: IdTokenProvider;
  /** Where `secret_env` variables are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Deadline when the step has no `timeout_seconds` (default 60 s). */
  requestTimeoutMs?: number;
  /**
   * Where requests really go (local runs: the fake endpoint, see `localHttpOptions`); default the
   * target's `url`. Receipts and messages keep the flow's URL.
   */
  urlFor?: (target: HttpTarget) => string;
  /** A value for a `secret_env` variable that is not set (local runs); default: fail the launch. */
  secretFallback?: (variable: string) => string | undefined;
}

function parseBody(text: string): Json {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/** What a failure body says, if it says it plainly: a text body, or `error` / `message` of a JSON one. */
function reasonOf(body: Json): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const said = typeof body.error === 'string' ? body.error : body.message;
  return typeof said === 'string' && said.trim() ? said.trim() : undefined;
}

/**
 * @example
 * const launcher = new HttpLauncher({ context, env: { PARTNER_TOKEN: 's3cret' } });
 * await launcher.launch(command); // sync 200 → { status: 'launched', completion: { outcome: 'succeeded', output } }
 */
export class HttpLauncher implements Launcher {
  readonly targetType = 'Http' as const;

  constructor(private readonly opts: HttpLauncherOptions) {}

  correlationKeys(command: LaunchCommand): CorrelationKey[] {
    return traceAndCallbackKeys(this.opts.context, command);
  }

  async launch(command: LaunchCommand): Promise<LaunchResult> {
    const target = command.target;
    if (target.type !== 'Http') return configFailure(`HttpLauncher cannot launch a ${target.type} target`);
    const auth = await this.#authorization(target);
    if (typeof auth === 'object') return auth;
    const method = target.method ?? 'POST';
    const what = `${method} ${target.url} for step "${command.step}"`;
    const receipt: Receipt = { target: 'Http', traceId: command.trace.traceId, url: target.url };
    let answer: Awaited<ReturnType<typeof callHttp>>;
    try {
      answer = await callHttp({
        url: this.opts.urlFor ? this.opts.urlFor(target) : target.url,
        method,
        headers: { ...traceHeaders(command.trace), ...(auth ? { Authorization: auth } : {}) },
        ...(method === 'GET' ? {} : { body: launchBody(this.opts.context, command) }),
        timeoutMs: command.timeoutSeconds
          ? command.timeoutSeconds * 1000
          : (this.opts.requestTimeoutMs ?? 60_000),
      });
    } catch (e) {
      return classifyLaunchError(e, what);
    }
    const err = new HttpStatusError(
      answer.status,
      answer.text.slice(0, 500) || `HTTP ${answer.status}`,
      answer,
    );
    const ok = answer.status >= 200 && answer.status < 300;
    if (!ok && isRetryable(err)) return classifyLaunchError(err, what);
    const launched = { ...receipt, httpStatus: answer.status };
    if ((target.mode ?? 'sync') === 'async') {
      return ok ? { status: 'launched', receipt: launched } : classifyLaunchError(err, what);
    }
    if (ok)
      return {
        status: 'launched',
        receipt: launched,
        completion: { outcome: 'succeeded', output: parseBody(answer.text) },
      };
    const body = parseBody(answer.text.slice(0, 2000));
    const reason = reasonOf(body);
    return {
      status: 'launched',
      receipt: launched,
      completion: {
        outcome: 'failed',
        error: {
          name: 'States.TaskFailed',
          kind: 'http',
          message: `${what} answered HTTP ${answer.status}${reason ? `: ${reason.slice(0, 300)}` : ''}`,
          cause: { status: answer.status, body },
        },
      },
    };
  }

  /** The Authorization header value, '' for none, or a terminal failure for a configuration error. */
  async #authorization(target: HttpTarget): Promise<string | LaunchResult> {
    const auth = target.auth ?? { type: 'none' };
    switch (auth.type) {
      case 'none':
        return '';
      case 'bearer': {
        const secret =
          (this.opts.env ?? process.env)[auth.secret_env] || this.opts.secretFallback?.(auth.secret_env);
        if (!secret)
          return configFailure(
            `Http target "${target.name}": environment variable ${auth.secret_env} (auth.secret_env) is not set; set it on the engine function`,
          );
        return `Bearer ${secret}`;
      }
      case 'oidc':
        try {
          return (await (this.opts.idToken ?? noIdToken)(auth.audience ?? target.url)) ?? '';
        } catch (e) {
          return classifyLaunchError(e, `fetching an ID token for ${auth.audience ?? target.url}`);
        }
    }
  }
}
