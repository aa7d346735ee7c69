"""Checks of the harness's access tokens (scripts/gvmharness.py): the tokens
file it writes for `gvm-coordinator serve --tokens`, the Authorization header
its Client sends, the coordinator it starts with a tokens file, and the
access rules scripts/fuzz-api.py applies to the answers of its --tokens and
--no-token runs. The last test starts the debug coordinator, when built.

    python -m unittest scripts/tests/test_tokens.py -v      (standard library only)
"""
from __future__ import annotations

import hashlib
import http.server
import importlib.util
import io
import json
import os
import sys
import tempfile
import threading
import unittest
from unittest import mock

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)
import gvmharness  # noqa: E402
from gvmharness import Client, Coordinator, bearer, token_digest, write_tokens_file  # noqa: E402

ROLES = {"w-a": "worker", "w-b": "worker", "ops": "operator", "eyes": "reader"}


def load_fuzz_api():
    spec = importlib.util.spec_from_file_location("fuzz_api", os.path.join(SCRIPTS, "fuzz-api.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TokensFileTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.folder.name, "tokens.json")

    def tearDown(self):
        self.folder.cleanup()

    def test_digest_is_the_hex_sha256_of_the_token(self):
        self.assertEqual(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

    def test_the_file_lists_each_name_role_and_hash_and_never_a_token(self):
        tokens = write_tokens_file(self.path, ROLES)
        with open(self.path) as f:
            text = f.read()
        data = json.loads(text)
        self.assertEqual(list(data), ["tokens"])
        self.assertEqual([(e["name"], e["role"]) for e in data["tokens"]], list(ROLES.items()))
        for entry in data["tokens"]:
            self.assertEqual(set(entry), {"name", "role", "sha256"})  # the coordinator refuses other keys
            self.assertEqual(entry["sha256"], hashlib.sha256(tokens[entry["name"]].encode()).hexdigest())
        for token in tokens.values():
            self.assertNotIn(token, text)

    def test_tokens_are_fresh_random_and_distinct(self):
        first = write_tokens_file(self.path, ROLES)
        second = write_tokens_file(self.path, ROLES)
        self.assertEqual(set(first), set(ROLES))
        for token in first.values():
            self.assertRegex(token, r"^[0-9a-f]{64}$")
        self.assertEqual(len(set(first.values())), len(ROLES))
        self.assertFalse(set(first.values()) & set(second.values()))

    def test_an_unknown_role_is_refused_before_anything_is_written(self):
        with self.assertRaisesRegex(ValueError, "admin"):
            write_tokens_file(self.path, {"root": "admin"})
        self.assertFalse(os.path.exists(self.path))

    def test_bearer_header(self):
        self.assertEqual(bearer("t0k"), {"Authorization": "Bearer t0k"})
        self.assertEqual(bearer(None), {})
        self.assertEqual(bearer(""), {})


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers 200 and keeps each request's Authorization and Content-Type."""
    seen: list = []

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer()

    def answer(self):
        Recorder.seen.append((self.command, self.headers.get("Authorization"), self.headers.get("Content-Type")))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class ClientTokenTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        http.server.HTTPServer.allow_reuse_address = True
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        Recorder.seen = []

    def test_without_a_token_no_authorization_is_sent(self):
        client = Client("127.0.0.1", self.server.server_port)
        client.json("GET", "/v1/status")
        client.json("POST", "/v1/leases", {"model": "m"})
        client.close()
        self.assertEqual(Recorder.seen, [("GET", None, None), ("POST", None, "application/json")])

    def test_the_token_goes_with_every_request(self):
        client = Client("127.0.0.1", self.server.server_port, token="secret-1")
        client.json("GET", "/v1/status")
        client.json("POST", "/v1/leases/x/heartbeat")
        client.json("POST", "/v1/datasets?name=d", raw=b"{}\n", content_type="application/x-ndjson")
        client.close()
        self.assertEqual(Recorder.seen, [("GET", "Bearer secret-1", None), ("POST", "Bearer secret-1", None),
                                         ("POST", "Bearer secret-1", "application/x-ndjson")])

    def test_a_request_may_present_another_token(self):
        client = Client("127.0.0.1", self.server.server_port, token="mine")
        client.request("POST", "/v1/leases/x/result", b"{}", token="theirs")
        client.request("GET", "/v1/status")
        client.close()
        self.assertEqual([a for _, a, _ in Recorder.seen], ["Bearer theirs", "Bearer mine"])

    def test_the_token_survives_a_reconnect(self):
        client = Client("127.0.0.1", self.server.server_port, token="again")
        client.json("GET", "/a")
        client.close()
        client.json("GET", "/b")
        client.close()
        self.assertEqual([a for _, a, _ in Recorder.seen], ["Bearer again", "Bearer again"])


class FakeProcess:
    def __init__(self, arguments, **kwargs):
        self.arguments = arguments
        self.stdout = io.BytesIO(b"listening on http://127.0.0.1:4321\n")
        self.pid = 1

    def poll(self):
        return 0


class CoordinatorArgumentTests(unittest.TestCase):
    def start(self, **kwargs) -> Coordinator:
        log = tempfile.NamedTemporaryFile(delete=False)
        log.close()
        self.addCleanup(os.unlink, log.name)
        with mock.patch.object(gvmharness.subprocess, "Popen", FakeProcess):
            coordinator = Coordinator("db.sqlite", log.name, binary_path="/bin/true", **kwargs)
        coordinator.drainer.join()
        coordinator.log_file.close()
        return coordinator

    def test_without_tokens_the_command_is_as_before(self):
        coordinator = self.start(serve_args=["--max-database-mib", "1"])
        self.assertEqual(coordinator.process.arguments,
                         ["/bin/true", "serve", "--db", "db.sqlite", "--host", "127.0.0.1", "--port", "0",
                          "--max-database-mib", "1"])
        self.assertIsNone(coordinator.client().token)

    def test_a_tokens_file_is_served_and_the_default_token_presented(self):
        coordinator = self.start(tokens_file="/tmp/t.json", token="op", serve_args=["--max-database-mib", "1"])
        self.assertEqual(coordinator.process.arguments[-4:], ["--tokens", "/tmp/t.json", "--max-database-mib", "1"])
        self.assertEqual((coordinator.host, coordinator.port), ("127.0.0.1", 4321))
        self.assertEqual(coordinator.client().token, "op")
        self.assertEqual(coordinator.client("worker").token, "worker")


class FuzzAccessRuleTests(unittest.TestCase):
    """fuzz-api.py: what a coordinator with tokens may answer a request without a valid one."""

    @classmethod
    def setUpClass(cls):
        cls.fuzz = load_fuzz_api()

    def offence(self, path, status, body="", described=True):
        return self.fuzz.unauthenticated_offence(path, status, body, described)

    def test_401_is_always_right(self):
        self.assertIsNone(self.offence("/v1/runs", 401))

    def test_the_open_route_answers_anyone(self):
        self.assertIsNone(self.offence("/healthz", 200))

    def test_a_described_route_must_not_answer_without_a_token(self):
        for status in (200, 400, 403, 404, 409):
            self.assertIsNotNone(self.offence("/v1/runs/1", status), status)

    def test_404_only_where_no_route_matches(self):
        self.assertIsNone(self.offence("/v1/leases", 404, described=False))
        self.assertIsNotNone(self.offence("/v1/runs/999", 404, described=True))

    def test_415_is_the_shape_check_before_the_token(self):
        self.assertIsNone(self.offence("/v1/datasets", 415, '{"error":{"field":"Content-Type"}}'))
        self.assertIsNotNone(self.offence("/v1/datasets", 415, '{"error":{}}'))

    def har(self, entries) -> str:
        path = os.path.join(self.folder.name, "run.har")
        with open(path, "w") as f:
            json.dump({"log": {"entries": [
                {"request": {"method": m, "url": f"http://127.0.0.1:1{p}",
                             "headers": [{"name": "Authorization", "value": a}] if a else []},
                 "response": {"status": s, "content": {"text": ""}}} for m, p, a, s in entries]}}, f)
        return path

    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.description = {"paths": {"/healthz": {"get": {}}, "/v1/runs": {"get": {}, "post": {}},
                                      "/v1/runs/{runId}": {"get": {}}}}

    def tearDown(self):
        self.folder.cleanup()

    def test_summary_with_the_operator_token(self):
        listed = frozenset({"Bearer op", "Bearer wk"})
        har = self.har([("GET", "/v1/runs", "Bearer op", 200), ("GET", "/v1/runs/1", None, 401),
                        ("GET", "/v1/runs/2", "Bearer op", 404), ("GET", "/v1/runs/3", "Bearer wk", 403)])
        summary = self.fuzz.summarize(har, self.description, listed, "Bearer op")
        self.assertEqual(summary["withoutToken"], {"no header": {401: 1}, "a generated credential": {}})
        # The worker's token was never given to schemathesis.
        self.assertEqual([(e["url"], e["problem"]) for e in summary["accessErrors"]],
                         [("http://127.0.0.1:1/v1/runs/3", "presented a token schemathesis was not given")])

    def test_summary_without_a_token(self):
        listed = frozenset({"Bearer op"})
        har = self.har([("GET", "/healthz", None, 200), ("GET", "/v1/runs", "Bearer junk", 401),
                        ("DELETE", "/v1/runs", None, 404), ("GET", "/v1/runs/7", "Bearer junk", 404),
                        ("POST", "/v1/runs", None, 200), ("GET", "/v1/runs/1", None, 500)])
        summary = self.fuzz.summarize(har, self.description, listed, None)
        self.assertEqual(summary["withoutToken"], {"no header": {200: 2, 404: 1},
                                                   "a generated credential": {401: 1, 404: 1}})
        self.assertEqual([(e["method"], e["url"][len("http://127.0.0.1:1"):], e["status"])
                          for e in summary["accessErrors"]], [("GET", "/v1/runs/7", 404), ("POST", "/v1/runs", 200)])
        self.assertEqual(len(summary["serverErrors"]), 1)

    def test_summary_of_a_coordinator_without_tokens_checks_no_access(self):
        har = self.har([("GET", "/v1/runs/1", None, 404), ("GET", "/v1/runs", "Bearer junk", 200)])
        summary = self.fuzz.summarize(har, self.description)
        self.assertEqual(summary["accessErrors"], [])
        self.assertEqual(summary["withoutToken"], {"no header": {}, "a generated credential": {}})


DEBUG_COORDINATOR = os.path.join(gvmharness.REPO_ROOT, ".build", "debug", "gvm-coordinator")


@unittest.skipUnless(os.access(DEBUG_COORDINATOR, os.X_OK), "no debug coordinator (swift build)")
class CoordinatorWithTokensTests(unittest.TestCase):
    """The helper's tokens file as the real coordinator reads it."""

    def test_roles_and_refusals(self):
        with tempfile.TemporaryDirectory() as folder:
            tokens_file = os.path.join(folder, "tokens.json")
            tokens = write_tokens_file(tokens_file, ROLES)
            coordinator = Coordinator(os.path.join(folder, "gvm.sqlite"), os.path.join(folder, "log"),
                                      binary_path=DEBUG_COORDINATOR, tokens_file=tokens_file, token=tokens["ops"])
            try:
                anonymous = Client(coordinator.host, coordinator.port)
                self.assertEqual(anonymous.request("GET", "/v1/status")[0], 401)
                self.assertEqual(anonymous.request("GET", "/v1/status", token="not-listed")[0], 401)
                self.assertEqual(anonymous.request("GET", "/healthz")[0], 200)
                anonymous.close()
                for name, status in (("ops", 200), ("eyes", 200), ("w-a", 403)):
                    client = coordinator.client(tokens[name])
                    self.assertEqual(client.request("GET", "/v1/status")[0], status, name)
                    client.close()
                reader = coordinator.client(tokens["eyes"])
                self.assertEqual(reader.request("POST", "/v1/leases", b'{"model": "m", "capacity": 1}')[0], 403)
                reader.close()
            finally:
                coordinator.stop()


if __name__ == "__main__":
    unittest.main()
