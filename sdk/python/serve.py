"""Serve Python functions decorated with ``@firestep.step`` / ``@firestep.cloud_event_step`` on a
local port, without functions-framework or Flask (standard library only): for local runs and tests.

    python3 serve.py my_functions --port 8090

Every decorated function of the module answers at any path whose last segment is its name, so the
local launcher's ``/{project}/{region}/{name}`` and a plain ``/{name}`` both reach it; a path that
starts with ``/pubsub/`` delivers a Pub/Sub push body (``{message, subscription}``) as a CloudEvent.
The first line on stdout is ``{"listening": "http://127.0.0.1:PORT"}``.
"""

import argparse
import importlib
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Request:
    """The parts of a Flask request that functions usually read."""

    def __init__(self, method, path, headers, data):
        parts = urllib.parse.urlsplit(path)
        self.method = method
        self.path = parts.path
        self.args = dict(urllib.parse.parse_qsl(parts.query))
        self.headers = headers
        self.data = data

    def get_data(self, as_text=False):
        return self.data.decode("utf-8") if as_text else self.data

    def get_json(self, force=False, silent=False):
        try:
            return json.loads(self.data) if self.data else None
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self):
        return self.get_json()


class CloudEvent:
    """The parts of a ``cloudevents.http.CloudEvent`` a Pub/Sub-triggered function reads."""

    def __init__(self, data, attributes):
        self.data = data
        self._attributes = attributes

    def __getitem__(self, key):
        return self._attributes[key]


def _response(value):
    """Flask's return conventions: body | (body, status) | (body, status, headers)."""
    status, headers = 200, {}
    if isinstance(value, tuple):
        value, status, headers = (tuple(value) + (200, {})[len(value) - 1 :])[:3]
    if isinstance(value, (dict, list)):
        headers = {"Content-Type": "application/json", **dict(headers or {})}
        value = json.dumps(value)
    body = value if isinstance(value, bytes) else str("" if value is None else value).encode("utf-8")
    return int(status), dict(headers or {}), body


def handler_for(functions):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            data = self.rfile.read(length) if length else b""
            path = urllib.parse.urlsplit(self.path).path
            name = urllib.parse.unquote(path.rstrip("/").split("/")[-1])
            fn = functions.get(name)
            if fn is None:
                return self._send(404, {}, json.dumps({"error": f"no function {name!r}"}).encode())
            try:
                if getattr(fn, "firestep_kind", "http") == "cloud_event" or path.startswith("/pubsub/"):
                    body = json.loads(data or b"{}")
                    message = body.get("message") or {}
                    fn(CloudEvent(body, {"id": message.get("messageId", ""), "type": "pubsub"}))
                    return self._send(204, {}, b"")
                status, headers, body = _response(fn(Request("POST", self.path, self.headers, data)))
                return self._send(status, headers, body)
            except Exception as e:  # noqa: BLE001 - as functions-framework: a crash is a 500
                print(json.dumps({"severity": "ERROR", "message": f"{name} crashed: {e!r}"}), file=sys.stderr)
                return self._send(500, {}, b"")

        do_PUT = do_POST

        def _send(self, status, headers, body):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # quiet: functions write their own logs
            pass

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="module with decorated functions (importable from the cwd)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    module = importlib.import_module(args.module)
    functions = {
        name: value
        for name, value in vars(module).items()
        if callable(value) and getattr(value, "firestep_kind", None) is not None
    }
    if not functions:
        parser.error(f"{args.module} has no function decorated with @firestep.step or @firestep.cloud_event_step")
    server = ThreadingHTTPServer((args.host, args.port), handler_for(functions))
    url = f"http://{args.host}:{server.server_address[1]}"
    print(json.dumps({"listening": url, "functions": sorted(functions)}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
