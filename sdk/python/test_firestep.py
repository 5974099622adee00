"""Tests of firestep.py (``python3 -m unittest`` in sdk/python; run by ``npm test`` through
test/sdk/python.int.spec.ts, which also provides the emulators and a running firestep API).

- the shared conformance cases (sdk/conformance/cases.json), also run against the TypeScript SDK;
- ID tokens from a local metadata-server fake; publishing to the Pub/Sub emulator;
- callbacks refused by the real API (FIRESTEP_TEST_API_URL) are not retried.
"""

import base64
import copy
import json
import os
import threading
import unittest
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import firestep
import serve

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "conformance", "cases.json")
os.environ.setdefault("FIRESTEP_LOG", "silent")


class Recorder:
    """A local HTTP server recording every request; answers the scripted statuses, then 200."""

    def __init__(self, respond=None):
        self.requests = []
        self.script = []
        self.respond = respond
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                if recorder.respond:
                    status, payload = recorder.respond(self.path, self.headers, body)
                else:
                    status, payload = (recorder.script.pop(0) if recorder.script else 200), b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = _handle
            do_GET = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self):
        return [json.loads(r["body"]) for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def expand(value, context, attributes):
    if value == "{{context}}":
        return copy.deepcopy(context)
    if value == "{{contextAttributes}}":
        return dict(attributes)
    if isinstance(value, dict):
        if "$merge" in value:
            merged = expand(value["$merge"], context, attributes)
            merged.update({k: v for k, v in value.items() if k != "$merge"})
            return merged
        return {k: expand(v, context, attributes) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, context, attributes) for v in value]
    return value


def handler_of(steps):
    def handler(ctx):
        for s in steps:
            if "log" in s:
                ctx.log(s["log"])
            elif "logMany" in s:
                for i in range(s["logMany"]):
                    ctx.log(f"line {i}")
            elif "report" in s:
                ctx.report(s["report"])
            elif "return" in s:
                return s["return"]
            elif "returnInput" in s:
                return ctx.input
            elif "returnBlob" in s:
                return {"blob": "x" * s["returnBlob"]}
            elif "raise" in s:
                raise type(s["raise"]["name"], (Exception,), {})(s["raise"]["message"])
        return None

    return handler


def is_subset(expected, actual):
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and is_subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(is_subset, expected, actual))
    return expected == actual and type(expected) is type(actual)


class ConformanceTest(unittest.TestCase):
    """sdk/conformance/cases.json — the same cases the TypeScript SDK passes."""

    @classmethod
    def setUpClass(cls):
        with open(FIXTURE, encoding="utf-8") as f:
            cls.fixture = json.load(f)
        cls.receiver = Recorder()

    @classmethod
    def tearDownClass(cls):
        cls.receiver.close()

    def test_cases(self):
        self.assertGreaterEqual(len(self.fixture["cases"]), 15)
        for case in self.fixture["cases"]:
            with self.subTest(case["name"]):
                self.run_case(case)

    def run_case(self, case):
        receiver = self.receiver
        receiver.requests.clear()
        receiver.script = list(case.get("receiver", []))
        callback_url = f"{receiver.url}/v1/callbacks"
        context = json.loads(json.dumps(self.fixture["context"]).replace("{{callbackUrl}}", callback_url))
        attributes = {
            "firestep_execution": context["executionId"],
            "firestep_step": context["step"],
            "firestep_path": context["path"],
            "firestep_attempt": str(context["attempt"]),
            "firestep_token": context["token"],
            "firestep_trace": context["traceId"],
            "firestep_reply_url": callback_url,
        }
        handler = handler_of(case["handler"])
        expected = case["response"]
        if case["trigger"] == "http":
            body = expand(case["body"], context, attributes)
            fn = firestep.step(handler, backoff=0.001)
            text, status, headers = fn(serve.Request("POST", "/", {}, json.dumps(body).encode("utf-8")))
            self.assertEqual(headers["Content-Type"], "application/json")
            answer = json.loads(text)
            self.assertEqual(status, expected["status"])
            if "body" in expected:
                self.assertEqual(answer, expected["body"])
            if "errorName" in expected:
                self.assertEqual(answer["error"]["name"], expected["errorName"])
            if "messageStartsWith" in expected:
                self.assertTrue(answer["error"]["message"].startswith(expected["messageStartsWith"]), answer)
        else:
            data = case["data"]
            raw = data.encode("utf-8") if case.get("dataIsText") else json.dumps(data).encode("utf-8")
            message = {
                "data": base64.b64encode(raw).decode("ascii"),
                "attributes": expand(case["attributes"], context, attributes),
                "messageId": "m-1",
            }
            event = serve.CloudEvent({"message": message, "subscription": "projects/p/subscriptions/s"}, {})
            fn = firestep.cloud_event_step(handler, backoff=0.001)
            if expected["acknowledged"]:
                self.assertIsNone(fn(event))
            else:
                with self.assertRaises(Exception) as raised:
                    fn(event)
                self.assertEqual(type(raised.exception).__name__, expected["errorName"])

        got = receiver.bodies()
        self.assertEqual(len(got), len(case["callbacks"]), got)
        self.assertLessEqual(len({m["id"] for m in got}), 1, "retries carry the same callback id")
        for want, message in zip(case["callbacks"], got):
            want = dict(want)
            lines_count = want.pop("linesCount", None)
            last_line = want.pop("lastLine", None)
            self.assertTrue(is_subset(want, message), f"{want} not in {message}")
            self.assertTrue(isinstance(message["id"], str) and message["id"])
            if lines_count is not None:
                self.assertEqual(len(message["lines"]), lines_count)
            if last_line is not None:
                self.assertEqual(message["lines"][-1], last_line)
            for field in case.get("absent", []):
                self.assertNotIn(field, message)
            if "messageContains" in case:
                self.assertIn(case["messageContains"], message["error"]["message"])
        if "authorization" in case:
            for r in receiver.requests:
                self.assertIsNone(r["headers"].get("Authorization"))


class IdTokenTest(unittest.TestCase):
    def test_local_urls_get_no_token_and_the_audience_is_the_api_base_url(self):
        self.assertTrue(firestep.is_local_url("http://localhost:5001/v1/callbacks"))
        self.assertTrue(firestep.is_local_url("http://[::1]:80/x"))
        self.assertFalse(firestep.is_local_url("https://europe-west1-p.cloudfunctions.net/firestep-api/v1/callbacks"))
        self.assertEqual(
            firestep.audience_of("https://firestep-api-abc-ew.a.run.app/v1/callbacks"),
            "https://firestep-api-abc-ew.a.run.app",
        )
        self.assertIsNone(firestep.metadata_id_token("http://127.0.0.1:9/v1/callbacks"))

    def test_a_deployed_function_asks_the_metadata_server_for_an_id_token(self):
        metadata = Recorder(respond=lambda path, headers, body: (200, b"eyJ.id.token\n"))
        old = os.environ.get("GCE_METADATA_HOST")
        os.environ["GCE_METADATA_HOST"] = metadata.url.replace("http://", "")
        try:
            token = firestep.metadata_id_token("https://europe-west1-p.cloudfunctions.net/firestep-api/v1/callbacks")
        finally:
            metadata.close()
            if old is None:
                del os.environ["GCE_METADATA_HOST"]
            else:
                os.environ["GCE_METADATA_HOST"] = old
        self.assertEqual(token, "Bearer eyJ.id.token")
        request = metadata.requests[0]
        self.assertEqual(request["headers"].get("Metadata-Flavor"), "Google")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
        self.assertTrue(request["path"].startswith("/computeMetadata/v1/instance/service-accounts/default/identity?"))
        self.assertEqual(query["audience"], ["https://europe-west1-p.cloudfunctions.net/firestep-api"])

    def test_without_a_metadata_server_the_callback_goes_without_a_token(self):
        old = os.environ.get("GCE_METADATA_HOST")
        os.environ["GCE_METADATA_HOST"] = "127.0.0.1:9"  # nothing listens on the discard port
        try:
            self.assertIsNone(firestep.metadata_id_token("https://api.example.com/v1/callbacks"))
        finally:
            if old is None:
                del os.environ["GCE_METADATA_HOST"]
            else:
                os.environ["GCE_METADATA_HOST"] = old

    def test_the_token_and_extra_headers_are_sent_with_every_attempt(self):
        receiver = Recorder()
        receiver.script = [503]
        try:
            context = {"replyTo": {"url": f"{receiver.url}/v1/callbacks"}}
            message = {"id": "c1", "executionId": "e", "path": "P", "attempt": 1}
            firestep.send_callback(
                context, message, backoff=0.001, id_token=lambda url: "Bearer t-1", headers={"X-Extra": "1"}
            )
            self.assertEqual([r["headers"].get("Authorization") for r in receiver.requests], ["Bearer t-1"] * 2)
            self.assertEqual([r["headers"].get("X-Extra") for r in receiver.requests], ["1", "1"])
            receiver.requests.clear()
            firestep.send_callback(
                context, message, id_token=lambda url: "Bearer t-1", headers=lambda: {"Authorization": "Bearer mine"}
            )
            self.assertEqual(receiver.requests[0]["headers"].get("Authorization"), "Bearer mine")
        finally:
            receiver.close()


@unittest.skipUnless(os.environ.get("PUBSUB_EMULATOR_HOST"), "needs the Pub/Sub emulator (npm test provides it)")
class PubSubReplyTest(unittest.TestCase):
    def rest(self, method, path, body=None):
        request = urllib.request.Request(
            f"http://{os.environ['PUBSUB_EMULATOR_HOST']}/v1/{path}",
            data=None if body is None else json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def test_a_refused_url_falls_back_to_the_reply_topic(self):
        project, name = "firestep-py", f"py-replies-{uuid.uuid4().hex[:8]}"
        topic = f"projects/{project}/topics/{name}"
        subscription = f"projects/{project}/subscriptions/{name}-sub"
        self.rest("PUT", topic, {})
        self.rest("PUT", subscription, {"topic": topic})
        receiver = Recorder()
        receiver.script = [404]
        try:
            context = {"replyTo": {"url": f"{receiver.url}/v1/callbacks", "topic": topic}}
            message = {"kind": "firestep.callback", "id": "c-topic", "executionId": "e", "path": "P", "attempt": 1}
            firestep.send_callback(context, message, backoff=0.001)
            pulled = self.rest("POST", f"{subscription}:pull", {"maxMessages": 1})
            data = json.loads(base64.b64decode(pulled["receivedMessages"][0]["message"]["data"]))
            self.assertEqual(data, message)
            self.assertEqual(len(receiver.requests), 1)
        finally:
            receiver.close()
            self.rest("DELETE", subscription)
            self.rest("DELETE", topic)


@unittest.skipUnless(os.environ.get("FIRESTEP_TEST_API_URL"), "needs a firestep API (npm test starts one)")
class RealApiTest(unittest.TestCase):
    """The API function on the Firestore emulator refuses what it cannot accept, and the helper does
    not retry a refusal (it would never succeed)."""

    def context(self, token):
        return {
            "executionId": "exec-not-there",
            "step": "S",
            "path": "S",
            "attempt": 1,
            "token": token,
            "traceId": "0" * 32,
            "replyTo": {"url": os.environ["FIRESTEP_TEST_API_URL"].rstrip("/") + "/v1/callbacks"},
        }

    def test_a_forged_token_is_refused_without_retry(self):
        fn = firestep.step(lambda ctx: {"ok": True}, backoff=5)  # a retry would take > 5 s
        text, status, _ = fn(
            serve.Request("POST", "/", {}, json.dumps({"input": 1, "firestep": self.context("f" * 43)}).encode())
        )
        self.assertEqual((status, json.loads(text)), (200, {"ok": True}))
        result = firestep.run(lambda ctx: 1, self.context("g" * 43), None, backoff=5)
        self.assertEqual(result["delivery"], "failed")
        self.assertIsInstance(result["delivery_error"], firestep.CallbackError)
        self.assertIn("firestep refused the callback for exec-not-there/S#1", str(result["delivery_error"]))
        self.assertIn(result["delivery_error"].code, ("UNAUTHENTICATED", "SIGNAL_MALFORMED"))

    def test_a_malformed_callback_is_refused(self):
        with self.assertRaises(firestep.CallbackError) as raised:
            firestep.send_callback(self.context("h" * 43), {"kind": "firestep.callback", "id": "x", "executionId": "e", "path": "S", "attempt": 1}, backoff=5)
        self.assertEqual(raised.exception.code, "SIGNAL_MALFORMED")


if __name__ == "__main__":
    unittest.main()
