"""Fixtures: one emulator process per session, a fresh state and a logged-in real SDK per test.

The emulator is the project's binary (target/debug/apolo-apps-emulator, or $APOLO_EMULATOR_BIN),
started with `--port 0 --control --speed 0`; its `/_emulator/` control API resets the state
before each test and records the requests the SDK sends, which `Wire` compares with the spec.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import apolo_sdk
import pytest
from yarl import URL

from appendix_b import ROWS

ROOT = Path(__file__).resolve().parents[2]
# relative to the repository root, as scripts/with-emulator.sh reads it
EMULATOR_BIN = ROOT / os.environ.get("APOLO_EMULATOR_BIN", "target/debug/apolo-apps-emulator")
START_TIMEOUT = 30.0


class EmulatorProcess:
    """A running emulator: its base URL, its dev token, and its combined output (for failures)."""

    def __init__(self, *flags: str) -> None:
        if not EMULATOR_BIN.exists():
            raise RuntimeError(
                f"{EMULATOR_BIN} is missing: build it with `cargo build -p apolo-apps-emulator`"
            )
        self.args = [str(EMULATOR_BIN), "--host", "127.0.0.1", "--port", "0", *flags]
        self.proc = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.output: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:  # keeps draining so the emulator never blocks on a full pipe
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        self.dev_token: str | None = None
        self.base_url = ""
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT)
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"emulator did not start:\n{self.log()}")
            if line is None:
                self.stop()
                raise RuntimeError(f"emulator exited before listening:\n{self.log()}")
            if m := re.match(r"^dev token: (\S+)", line):
                self.dev_token = m.group(1)
            if m := re.match(r"^listening on (http://\S+)", line):
                self.base_url = m.group(1).rstrip("/")
                break
        self.url = URL(self.base_url)
        self.api_url = self.url / "api/v1"

    def log(self) -> str:
        return "".join(self.output[-200:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # --- plain HTTP to the emulator (control API, and a few platform routes the SDK lacks) ---

    def http(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        expect: int | tuple[int, ...] | None = None,
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if expect is None:
            ok = 200 <= status < 300
        else:
            ok = status in ((expect,) if isinstance(expect, int) else expect)
        if not ok:
            raise AssertionError(f"{method} {path} -> {status}: {text}")
        return json.loads(text) if text.strip() else None

    def reset(self, seed: str = "empty", **counts: int) -> None:
        self.http("POST", "/_emulator/reset", {"seed": seed, **counts})
        self.clear_requests()

    def settings(self, **values: Any) -> Any:
        return self.http("PUT", "/_emulator/settings", values)

    def create_app(self, **fields: Any) -> dict[str, Any]:
        return self.http("POST", "/_emulator/apps", fields)

    def set_state(self, app_id: str, state: str) -> Any:
        return self.http("POST", f"/_emulator/apps/{urllib.parse.quote(app_id, safe='')}/state", {"state": state})

    def token_for(self, user: str) -> str:
        return self.http("POST", "/_emulator/token", {"user": user})["token"]

    def requests(self) -> list[dict[str, Any]]:
        return self.http("GET", "/_emulator/requests")

    def clear_requests(self) -> None:
        self.http("DELETE", "/_emulator/requests")

    def post_output(self, app: dict[str, Any], output: dict[str, Any], token: str) -> None:
        """Publishes outputs the way app hooks do (`POST {v1}/instances/{id}/output`)."""
        path = "/apis/apps/v1/cluster/{}/org/{}/project/{}/instances/{}/output".format(
            *(urllib.parse.quote(app[k], safe="") for k in ("cluster_name", "org_name", "project_name", "id"))
        )
        self.http("POST", path, {"output": output}, token=token)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    emu = EmulatorProcess("--control", "--speed", "0", "--seed", "empty")
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def fresh_state(emulator: EmulatorProcess) -> Iterator[None]:
    assert emulator.proc.poll() is None, f"the emulator has exited:\n{emulator.log()}"
    SENT.clear()
    # reset keeps settings, so put back the defaults a previous test may have changed
    emulator.settings(unknown_template="null", validation_status=422, pages="ceil")
    emulator.reset("empty")
    yield
    assert emulator.proc.poll() is None, f"the emulator died during the test:\n{emulator.log()}"


@pytest.fixture
def token(emulator: EmulatorProcess) -> str:
    assert emulator.dev_token, "the emulator printed no `dev token:` line"
    return emulator.dev_token


# What the SDK put on the wire, seen from its own aiohttp session (trace hooks), to compare with
# what the emulator recorded: together they show the emulator sees exactly what the SDK sends.
SENT: list[dict[str, Any]] = []


def _tracer() -> aiohttp.TraceConfig:
    async def start(_s: Any, ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        ctx.sent = {
            "method": params.method,
            "path": params.url.raw_path,
            "query": params.url.raw_query_string,
            "body": b"",
        }
        SENT.append(ctx.sent)

    async def chunk(_s: Any, ctx: Any, params: aiohttp.TraceRequestChunkSentParams) -> None:
        ctx.sent["body"] += params.chunk

    tc = aiohttp.TraceConfig()
    tc.on_request_start.append(start)
    tc.on_request_chunk_sent.append(chunk)
    return tc


async def login(emulator: EmulatorProcess, token: str, path: Path) -> apolo_sdk.Client:
    """What `apolo login-with-token TOKEN URL` does, into a private config dir."""
    await apolo_sdk.Factory(path, trace_configs=[_tracer()]).login_with_token(token, url=emulator.api_url)
    return await apolo_sdk.get(path=path, trace_configs=[_tracer()])


@pytest.fixture
async def client(emulator: EmulatorProcess, token: str, tmp_path: Path) -> AsyncIterator[apolo_sdk.Client]:
    c = await login(emulator, token, tmp_path / "apolo")
    emulator.clear_requests()  # the wire of each test starts after login
    SENT.clear()
    try:
        yield c
    finally:
        await c.close()


# --- the wire -------------------------------------------------------------------------------

COVERED_ROWS: set[int] = set()


def _body(text: str | None) -> Any:
    """The recorded body (text, or null when empty) as JSON; non-JSON text stays text."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def split(path_and_query: str) -> tuple[str, str]:
    path, _, query = path_and_query.partition("?")
    return path, query


class Wire:
    """What the emulator recorded since the last clear, compared with expected requests."""

    def __init__(self, emulator: EmulatorProcess, token: str) -> None:
        self.emulator = emulator
        self.token = token

    def recorded(self) -> list[dict[str, Any]]:
        return self.emulator.requests()  # the log leaves out /_emulator/* itself

    def clear(self) -> None:
        self.emulator.clear_requests()
        SENT.clear()

    def expect(self, *expected: int | tuple[str, str, Any], token: str | None = None) -> list[dict[str, Any]]:
        """Each expected item is an Appendix B row number, or (method, "path?query", body).

        Method, raw path, raw query string (so `%2B` and the order of repeated keys count) and
        the JSON body must match exactly, in order. The emulator's log format is in its README.
        """
        token = token or self.token
        want = []
        for e in expected:
            if isinstance(e, int):
                method, pq, body = ROWS[e]
                want.append((method, pq, None if body is None else json.loads(body)))
            else:
                want.append(e)
        got = self.recorded()
        got_view = [(r["method"], r["path"], r["query"], _body(r["body"])) for r in got]
        want_view = [(m, *split(pq), b) for m, pq, b in want]
        assert len(got) == len(want), f"request count differs:\n got  {got_view}\n want {want_view}"
        for i, (rec, (method, pq, body)) in enumerate(zip(got, want)):
            path, query = split(pq)
            where = f"request {i + 1} of {len(want)} ({method} {pq})"
            assert rec["method"] == method, f"{where}: method {rec['method']}"
            assert rec["path"] == path, f"{where}: path {rec['path']}"
            assert rec["query"] == query, f"{where}: query {rec['query']!r}"
            assert _body(rec["body"]) == body, f"{where}: body {rec['body']!r}"
            headers = rec["headers"]  # lower-case names
            assert headers.get("authorization") == f"Bearer {token}", f"{where}: Authorization"
            if body is not None:
                assert headers.get("content-type", "").split(";")[0] == "application/json", (
                    f"{where}: Content-Type {headers.get('content-type')!r}"
                )
            elif method in ("GET", "DELETE"):
                assert "content-type" not in headers, f"{where}: unexpected Content-Type"
            assert token not in rec["path"] + rec["query"], f"{where}: token in the URL"
        # and the recording is faithful: byte for byte what the SDK's session sent
        sent = [(s["method"], s["path"], s["query"], s["body"]) for s in SENT]
        recorded = [(r["method"], r["path"], r["query"], (r["body"] or "").encode()) for r in got]
        assert recorded == sent, f"the emulator recorded something else than the SDK sent:\n{recorded}\n{sent}"
        COVERED_ROWS.update(e for e in expected if isinstance(e, int))
        self.clear()
        return got


@pytest.fixture
def wire(emulator: EmulatorProcess, token: str) -> Iterator[Wire]:
    w = Wire(emulator, token)
    yield w
    # every request a test caused must have been compared with what it should be
    left = [(r["method"], r["path"], r["query"]) for r in w.recorded()]
    assert not left, f"requests never checked with wire.expect: {left}"


# --- "no test ran" is a failure, and so is an unchecked Appendix B row in a full run ---------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.option.collectonly:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    if exitstatus == 0 and passed == 0:
        session.exitstatus = 1
        print("\nconformance: no test passed")
    opt = session.config.option
    full_run = (
        session.config.args_source != pytest.Config.ArgsSource.ARGS
        and not opt.keyword
        and not opt.markexpr
        and not getattr(opt, "lf", False)
        and not opt.deselect
    )
    missing = sorted(set(ROWS) - COVERED_ROWS)
    if exitstatus == 0 and full_run and missing:
        session.exitstatus = 1
        print(f"\nconformance: Appendix B rows never checked on the wire: {missing}")
