"""firestep's callback helper for Python Cloud Functions (the Dagster-Pipes-like path).

One file, Python 3.9+, standard library only: copy it next to your ``main.py``.

firestep launches a function with a *context* (the ``firestep`` field of the HTTP body, or the
``firestep_*`` attributes of a Pub/Sub message). This module reads it, runs your handler, and posts
the handler's return value back as the step's output (or its exception as the step's failure), with
the lines from ``ctx.log`` and the fields from ``ctx.report`` that appear in the step's history.
Without a context (a direct call) the handler just runs.

    import firestep

    @firestep.step                        # functions_framework.http, Flask-style request
    def count_rows(ctx):
        ctx.log("counting", ctx.input["table"])
        ctx.report({"source": "bq"})
        return {"rows": 42}               # -> StepSucceeded.output, and the HTTP answer

    @firestep.cloud_event_step            # functions_framework.cloud_event, Pub/Sub-triggered
    def on_file(ctx):
        return {"seen": ctx.input["name"]}

Declare the step ``"wait_for_callback": true`` (with ``timeout_seconds``) in the flow when its output
matters: the platform's end-of-execution log line (no output) then only confirms, and the callback's
output completes the step whichever arrives first. Without it, the first success wins and an output
arriving after the end line is recorded as ``LateOutputRejected`` (docs/reference/flow-format.md).

The wire format (context in, callback out) is documented in docs/reference/callbacks.md and published
as JSON Schema in schema/; it is the same as the TypeScript SDK's (``firestep/sdk``), and both are
tested against one shared fixture (sdk/conformance/cases.json).
"""

import base64
import functools
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

__all__ = [
    "Context",
    "CallbackError",
    "step",
    "cloud_event_step",
    "read_http_context",
    "read_attribute_context",
    "send_callback",
    "run",
]
__version__ = "0.1.0"

#: Pub/Sub attribute names carrying the context (engine/signals/wire/callback.ts CONTEXT_ATTRIBUTES).
CONTEXT_ATTRIBUTES = {
    "executionId": "firestep_execution",
    "step": "firestep_step",
    "path": "firestep_path",
    "attempt": "firestep_attempt",
    "token": "firestep_token",
    "traceId": "firestep_trace",
    "replyUrl": "firestep_reply_url",
    "replyTopic": "firestep_reply_topic",
}

#: A callback larger than this fails the step with ``States.DataLimitExceeded``.
MAX_CALLBACK_BYTES = 250_000
#: Log lines reported per attempt (the rest are counted, not sent).
MAX_LINES = 1000
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal")


class CallbackError(Exception):
    """The callback could not be delivered. ``code`` is ``UNAUTHENTICATED``, ``SIGNAL_MALFORMED``
    (firestep refused it: not retried), ``STORE_UNAVAILABLE`` (retries exhausted) or ``CONFIG``."""

    def __init__(self, code, message, retryable=False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class _ContextInvalid(Exception):
    pass


# ─── reading the context ────────────────────────────────────────────────────────────────────────────


def _check_context(raw, where):
    """The context dict, checked like FirestepContextSchema; raises _ContextInvalid naming the field."""
    if not isinstance(raw, dict):
        raise _ContextInvalid(f"{where}: expected an object")

    def text(name, min_len=1):
        value = raw.get(name)
        if not isinstance(value, str):
            raise _ContextInvalid(f"{where}.{name}: expected a string")
        if len(value) < min_len:
            raise _ContextInvalid(f"{where}.{name}: expected at least {min_len} characters")
        return value

    execution_id = text("executionId")
    step_name = text("step")
    path = text("path")
    attempt = raw.get("attempt")
    if isinstance(attempt, bool) or not isinstance(attempt, (int, float)) or attempt != int(attempt):
        raise _ContextInvalid(f"{where}.attempt: expected an integer")
    if attempt < 1:
        raise _ContextInvalid(f"{where}.attempt: expected a positive integer")
    token = text("token", 16)
    trace_id = text("traceId")
    if not _TRACE_ID.match(trace_id):
        raise _ContextInvalid(f"{where}.traceId: expected 32 lowercase hex digits")
    reply_to = raw.get("replyTo")
    if not isinstance(reply_to, dict):
        raise _ContextInvalid(f"{where}.replyTo: expected an object")
    checked_reply = {}
    url = reply_to.get("url")
    if url is not None:
        parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
        if parts is None or not parts.scheme or not parts.netloc:
            raise _ContextInvalid(f"{where}.replyTo.url: expected a URL")
        checked_reply["url"] = url
    topic = reply_to.get("topic")
    if topic is not None:
        if not isinstance(topic, str):
            raise _ContextInvalid(f"{where}.replyTo.topic: expected a string")
        checked_reply["topic"] = topic
    return {
        "executionId": execution_id,
        "step": step_name,
        "path": path,
        "attempt": int(attempt),
        "token": token,
        "traceId": trace_id,
        "replyTo": checked_reply,
    }


def read_http_context(body):
    """``(status, context_or_reason, input)`` from an HTTP body.

    firestep POSTs ``{"input": ..., "firestep": {...}}``; the step's input is ``input``. A body with
    ``firestep`` but no ``input`` (a hand-made call) gives the rest of the body as input; a body
    without ``firestep`` (a direct call) is the input as it is. ``status`` is ``"present"``,
    ``"absent"`` or ``"invalid"`` (then the second item is the reason).

    >>> read_http_context({"x": 1})
    ('absent', None, {'x': 1})
    """
    if not isinstance(body, dict) or "firestep" not in body:
        return "absent", None, body
    rest = {k: v for k, v in body.items() if k != "firestep"}
    value = rest["input"] if "input" in rest else rest
    try:
        return "present", _check_context(body["firestep"], "firestep"), value
    except _ContextInvalid as e:
        return "invalid", str(e), value


def read_attribute_context(attributes):
    """``(status, context_or_reason)`` from Pub/Sub message attributes (``firestep_*``).

    >>> read_attribute_context({})
    ('absent', None)
    """
    a = attributes or {}
    names = CONTEXT_ATTRIBUTES
    if a.get(names["executionId"]) is None:
        return "absent", None
    reply_to = {}
    if a.get(names["replyUrl"]):
        reply_to["url"] = a[names["replyUrl"]]
    if a.get(names["replyTopic"]):
        reply_to["topic"] = a[names["replyTopic"]]
    attempt_text = a.get(names["attempt"])
    try:
        attempt = int(attempt_text) if attempt_text is not None else None
    except ValueError:
        attempt = None
    raw = {
        "executionId": a.get(names["executionId"]),
        "step": a.get(names["step"]),
        "path": a.get(names["path"]),
        "attempt": attempt,
        "token": a.get(names["token"]),
        "traceId": a.get(names["traceId"]),
        "replyTo": reply_to,
    }
    try:
        return "present", _check_context(raw, "attributes")
    except _ContextInvalid as e:
        return "invalid", str(e)


# ─── the handler's view ─────────────────────────────────────────────────────────────────────────────


class Context:
    """What the handler gets: ``input``, the attempt's identity, ``log`` and ``report``.

    ``context`` is the raw firestep context (a dict), or None when the function was called without
    firestep; ``execution_id``, ``step``, ``path``, ``attempt``, ``trace_id`` are None then too.
    """

    def __init__(self, input, context):
        self.input = input
        self.context = context
        c = context or {}
        self.execution_id = c.get("executionId")
        self.step = c.get("step")
        self.path = c.get("path")
        self.attempt = c.get("attempt")
        self.trace_id = c.get("traceId")
        self.lines = []
        self.metadata = None
        self._dropped = 0

    def log(self, *parts):
        """A log line (the parts joined by spaces, like ``print``): written to stdout as structured
        JSON for Cloud Logging, and reported to the step's history."""
        line = " ".join(str(p) for p in parts)
        entry = {"severity": "INFO", "message": line, "component": "firestep"}
        if self.context:
            entry["firestep"] = {
                "executionId": self.execution_id,
                "path": self.path,
                "attempt": self.attempt,
            }
            project = _project_from_env()
            if project:
                entry["logging.googleapis.com/trace"] = f"projects/{project}/traces/{self.trace_id}"
        if os.environ.get("FIRESTEP_LOG", "info").lower() not in ("silent", "error", "warning", "warn"):
            print(json.dumps(entry, default=str), flush=True)
        if len(self.lines) < MAX_LINES - 1:
            self.lines.append(line)
        else:
            self._dropped += 1

    def report(self, metadata=None, **fields):
        """Metadata merged into what is reported (row counts, URLs of outputs…); JSON values."""
        merged = dict(self.metadata or {})
        if metadata is not None:
            if not isinstance(metadata, dict):
                raise TypeError("ctx.report expects a dict of metadata fields")
            merged.update(metadata)
        merged.update(fields)
        self.metadata = merged


# ─── running a handler and reporting its outcome ────────────────────────────────────────────────────


def _error_of(exc):
    return {"name": type(exc).__name__ or "Error", "message": str(exc)}


def _json_size(value):
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return len(text.encode("utf-8"))


def _callback_message(context, outcome, lines, metadata):
    message = {
        "kind": "firestep.callback",
        "id": str(uuid.uuid4()),
        "token": context["token"],
        "executionId": context["executionId"],
        "path": context["path"],
        "attempt": context["attempt"],
        "outcome": "succeeded" if outcome["ok"] else "failed",
    }
    if outcome["ok"]:
        message["output"] = outcome["output"]
    else:
        message["error"] = outcome["error"]
    if lines:
        message["lines"] = lines
    if metadata is not None:
        message["metadata"] = metadata
    return message


def run(handler, context, input, **options):
    """Run ``handler(Context)`` and report its outcome when there is a context.

    Returns a dict: ``ok``, ``output`` or ``error`` (name, message), ``exception`` (what the handler
    raised, if it did), ``delivery`` (``"delivered"``, ``"failed"`` or ``"none"``) and
    ``delivery_error``. ``options`` are those of :func:`send_callback`, plus ``max_callback_bytes``.
    """
    ctx = Context(input, context)
    try:
        output = handler(ctx)
        outcome = {"ok": True, "output": output}
    except Exception as e:  # the step's failure, reported by name and message
        outcome = {"ok": False, "error": _error_of(e), "exception": e}
    if context is None:
        return dict(outcome, delivery="none")
    lines = list(ctx.lines)
    if ctx._dropped:
        lines.append(f"… {ctx._dropped} more lines not reported")
    message = _callback_message(context, outcome, lines, ctx.metadata)
    size = _json_size(message)
    limit = options.pop("max_callback_bytes", MAX_CALLBACK_BYTES)
    if size is None or size > limit:
        text = (
            "the output is not JSON-serializable"
            if size is None
            else f"the callback is {size} bytes (limit {limit}): store large results elsewhere "
            "(e.g. Cloud Storage) and return a reference"
        )
        error = {"name": "States.DataLimitExceeded", "message": text}
        outcome = {"ok": False, "error": error, "exception": ValueError(text)}
        message = _callback_message(context, outcome, lines[:20], None)
    try:
        send_callback(context, message, **options)
        return dict(outcome, delivery="delivered")
    except Exception as e:  # noqa: BLE001 - reported to the caller, never lost
        return dict(outcome, delivery="failed", delivery_error=e)


def _log_error(message, **fields):
    if os.environ.get("FIRESTEP_LOG", "info").lower() == "silent":
        return
    entry = {"severity": "ERROR", "message": message, "component": "firestep"}
    entry.update(fields)
    print(json.dumps(entry, default=str), file=sys.stderr, flush=True)


def _request_json(request):
    """The JSON body of a Flask-style request (``get_json``), or of a plain dict/str/bytes body."""
    get_json = getattr(request, "get_json", None)
    if callable(get_json):
        return get_json(silent=True)
    if isinstance(request, (bytes, str)):
        try:
            return json.loads(request)
        except ValueError:
            return None
    return request


def _json_response(status, body):
    return json.dumps(body), status, {"Content-Type": "application/json"}


def step(handler=None, **options):
    """Decorate an HTTP function (functions-framework / Flask request → response).

    Input = the ``input`` field of firestep's launch body; the whole body when called directly. The
    callback is sent *before* the function answers (200 with the output as JSON, or 500 with the
    error), so firestep has the output before the platform's end-of-execution log line. An invalid
    firestep context is answered 400 without running the handler.

    Options (``@firestep.step(attempts=6)``): ``attempts``, ``backoff``, ``timeout``, ``headers``,
    ``id_token``, ``max_callback_bytes`` (see :func:`send_callback`).
    """
    if handler is None:
        return lambda h: step(h, **options)

    @functools.wraps(handler)
    def wrapper(request):
        status, context, value = read_http_context(_request_json(request))
        if status == "invalid":
            _log_error("firestep context rejected", reason=context)
            return _json_response(400, {"error": {"name": "FirestepContextInvalid", "message": context}})
        result = run(handler, context, value, **dict(options))
        if result["delivery"] == "failed":
            _log_error("firestep callback not delivered", error=str(result["delivery_error"]))
        if result["ok"]:
            return _json_response(200, result["output"])
        return _json_response(500, {"error": result["error"]})

    wrapper.firestep_kind = "http"
    return wrapper


def _event_message(event):
    data = getattr(event, "data", None)
    if data is None and isinstance(event, dict):
        data = event.get("data")
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    return data.get("message") if isinstance(data, dict) else None


def _decode_data(data):
    if not data:
        return None
    text = base64.b64decode(data).decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        return text


def cloud_event_step(handler=None, **options):
    """Decorate a CloudEvent (Pub/Sub-triggered) function.

    Input = the message data (JSON if it parses, else the text); context = the ``firestep_*``
    attributes. A failure that was reported to firestep is acknowledged (firestep's retry policy
    decides what happens next); without firestep, or when the report could not be delivered, the
    exception is raised again so that Pub/Sub redelivers as usual.
    """
    if handler is None:
        return lambda h: cloud_event_step(h, **options)

    @functools.wraps(handler)
    def wrapper(event):
        message = _event_message(event) or {}
        status, context = read_attribute_context(message.get("attributes"))
        if status == "invalid":
            raise ValueError(f"firestep context rejected: {context}")
        result = run(handler, context, _decode_data(message.get("data")), **dict(options))
        if result["delivery"] == "failed":
            _log_error("firestep callback not delivered", error=str(result["delivery_error"]))
        if not result["ok"] and result["delivery"] != "delivered":
            raise result["exception"]
        return None

    wrapper.firestep_kind = "cloud_event"
    return wrapper


# ─── delivering a callback ──────────────────────────────────────────────────────────────────────────


def is_local_url(url):
    """True for loopback / local development hosts, which get no ID token.

    >>> is_local_url("http://127.0.0.1:8080/v1/callbacks"), is_local_url("https://x.run.app/v1/callbacks")
    (True, False)
    """
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return host in _LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def _metadata_host():
    return os.environ.get("GCE_METADATA_HOST") or "metadata.google.internal"


def _metadata_get(path, timeout=3.0):
    request = urllib.request.Request(
        f"http://{_metadata_host()}/computeMetadata/v1/{path}",
        headers={"Metadata-Flavor": "Google"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - fixed host
        return response.read().decode("utf-8")


def audience_of(url):
    """The ID token audience for a callback URL: the API's base URL (the URL without ``/v1/…``).

    >>> audience_of("https://europe-west1-p.cloudfunctions.net/firestep-api/v1/callbacks")
    'https://europe-west1-p.cloudfunctions.net/firestep-api'
    """
    parts = urllib.parse.urlsplit(url)
    path = parts.path
    index = path.find("/v1/")
    base = path[:index] if index >= 0 else path.rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, base, "", ""))


def metadata_id_token(url):
    """``Bearer <token>`` from the metadata server for the API behind ``url``, or None when the URL
    is local or there is no metadata server (not running on Google Cloud)."""
    if is_local_url(url):
        return None
    query = urllib.parse.urlencode({"audience": audience_of(url), "format": "full"})
    try:
        token = _metadata_get(f"instance/service-accounts/default/identity?{query}")
    except (urllib.error.URLError, OSError) as e:
        _log_error("no ID token for the firestep callback (no metadata server)", error=str(e))
        return None
    return f"Bearer {token.strip()}"


def _post(url, message, attempts, backoff, timeout, headers, id_token):
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    last = ""
    for i in range(attempts):
        if i > 0:
            time.sleep(backoff * 2 ** (i - 1))
        request_headers = dict(headers() if callable(headers) else headers or {})
        request_headers["Content-Type"] = "application/json"
        if not any(k.lower() == "authorization" for k in request_headers):
            authorization = id_token(url) if id_token else None
            if authorization:
                request_headers["Authorization"] = authorization
        request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
                return
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")[:300]
            last = f"{e.code} {text}".strip()
            if e.code != 429 and e.code < 500:
                code = "UNAUTHENTICATED" if e.code in (401, 403) else "SIGNAL_MALFORMED"
                where = f"{message['executionId']}/{message['path']}#{message['attempt']}"
                raise CallbackError(code, f"firestep refused the callback for {where}: {last}") from None
        except (urllib.error.URLError, OSError) as e:
            last = str(getattr(e, "reason", e))
    raise CallbackError(
        "STORE_UNAVAILABLE",
        f"could not deliver the callback to {url} after {attempts} attempts: {last}",
        retryable=True,
    )


def _project_from_env():
    for name in ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GCP_PROJECT"):
        if os.environ.get(name):
            return os.environ[name]
    return None


def publish_callback(topic, message, timeout=10.0):
    """Publish the callback to a Pub/Sub topic over REST (the emulator when ``PUBSUB_EMULATOR_HOST``
    is set, else pubsub.googleapis.com with the metadata server's access token). Data = the JSON
    message, as the TypeScript SDK's ``publishMessage({ json })``."""
    if not topic.startswith("projects/"):
        project = _project_from_env()
        if project is None:
            try:
                project = _metadata_get("project/project-id")
            except (urllib.error.URLError, OSError) as e:
                raise CallbackError("CONFIG", f"topic {topic!r} needs a project: set GOOGLE_CLOUD_PROJECT") from e
        topic = f"projects/{project}/topics/{topic}"
    emulator = os.environ.get("PUBSUB_EMULATOR_HOST")
    base = f"http://{emulator}" if emulator else "https://pubsub.googleapis.com"
    headers = {"Content-Type": "application/json"}
    if not emulator:
        token = json.loads(_metadata_get("instance/service-accounts/default/token"))
        headers["Authorization"] = f"Bearer {token['access_token']}"
    data = base64.b64encode(json.dumps(message, separators=(",", ":")).encode("utf-8")).decode("ascii")
    body = json.dumps({"messages": [{"data": data}]}).encode("utf-8")
    request = urllib.request.Request(f"{base}/v1/{topic}:publish", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")[:300]
        raise CallbackError("STORE_UNAVAILABLE", f"publish to {topic} failed: {e.code} {text}", True) from None


def send_callback(
    context,
    message,
    attempts=4,
    backoff=0.2,
    timeout=10.0,
    headers=None,
    id_token=metadata_id_token,
    publish=publish_callback,
):
    """Deliver one callback: POST to ``replyTo.url`` (retried on network errors, 429 and 5xx with
    exponential backoff ``backoff * 2**n`` seconds, the same message and ``id`` every time), else or
    as fallback publish to ``replyTo.topic``. Raises :class:`CallbackError` if it could not.

    ``headers``: extra headers (a dict, or a function returning one); an ``Authorization`` header
    given here replaces the ID token. ``id_token(url)``: the ``Authorization`` value for ``url``
    (default: the metadata server's ID token, none for local URLs); pass ``None`` for no token.
    """
    reply_to = context.get("replyTo") or {}
    url, topic = reply_to.get("url"), reply_to.get("topic")
    url_error = None
    if url:
        try:
            _post(url, message, attempts, backoff, timeout, headers, id_token)
            return
        except CallbackError as e:
            if not topic:
                raise
            url_error = e
    if topic:
        publish(topic, message)
        return
    raise CallbackError(
        "CONFIG", "firestep context has no replyTo.url or replyTo.topic: nowhere to report to"
    ) from url_error
