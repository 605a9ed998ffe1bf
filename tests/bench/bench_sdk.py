"""The real apolo-sdk as a benchmark worker for tests/node/bench.mjs (run with tests/conformance/.venv).

    bench_sdk.py API_URL TOKEN

Logs in the way `apolo login-with-token` does (as tests/conformance/conftest.py), prints one JSON line
{"ready": true}, then answers each command line on stdin with one JSON line on stdout:
  list PROJECT               -> {"ms", "count"}   every page of the project's apps, as App objects
  get APP_ID N               -> {"times_ms": [...]}  N sequential gets
  logs APP_ID                -> {"ms", "bytes"}  the whole log stream (the app must be stopped, so it ends)
  events APP_ID              -> {"ms", "count"}  every page of one app's events
The worker stays up between commands so that the Node side can interleave runs of every client;
the SDK's session (aiohttp, keep-alive) is reused, as it is in an apolo-cli process.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import apolo_sdk
from yarl import URL


async def login(api_url: str, token: str, path: Path) -> apolo_sdk.Client:
    await apolo_sdk.Factory(path).login_with_token(token, url=URL(api_url))
    return await apolo_sdk.get(path=path)


async def run_list(client: apolo_sdk.Client, project: str) -> dict[str, float]:
    t0 = time.perf_counter()
    n = 0
    async with client.apps.list(project_name=project) as it:
        async for _app in it:
            n += 1
    return {"ms": (time.perf_counter() - t0) * 1000, "count": n}


async def run_get(client: apolo_sdk.Client, app_id: str, count: int) -> dict[str, list[float]]:
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        await client.apps.get(app_id)
        times.append((time.perf_counter() - t0) * 1000)
    return {"times_ms": times}


async def run_logs(client: apolo_sdk.Client, app_id: str) -> dict[str, float]:
    t0 = time.perf_counter()
    n = 0
    async with client.apps.logs(app_id) as it:
        async for chunk in it:
            n += len(chunk)
    return {"ms": (time.perf_counter() - t0) * 1000, "bytes": n}


async def run_events(client: apolo_sdk.Client, app_id: str) -> dict[str, float]:
    t0 = time.perf_counter()
    n = 0
    async with client.apps.get_events(app_id) as it:
        async for _event in it:
            n += 1
    return {"ms": (time.perf_counter() - t0) * 1000, "count": n}


async def main() -> None:
    api_url, token = sys.argv[1], sys.argv[2]
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="apolo-bench-") as tmp:
        client = await login(api_url, token, Path(tmp) / "apolo")
        try:
            print(json.dumps({"ready": True, "sdk": apolo_sdk.__version__}), flush=True)
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return
                cmd, *args = line.split()
                try:
                    if cmd == "list":
                        out: object = await run_list(client, args[0])
                    elif cmd == "get":
                        out = await run_get(client, args[0], int(args[1]))
                    elif cmd == "logs":
                        out = await run_logs(client, args[0])
                    elif cmd == "events":
                        out = await run_events(client, args[0])
                    elif cmd == "quit":
                        return
                    else:
                        out = {"error": f"unknown command {cmd}"}
                except Exception as e:  # reported to the Node side, which stops the benchmark
                    out = {"error": f"{type(e).__name__}: {e}"}
                print(json.dumps(out), flush=True)
        finally:
            await client.close()


if __name__ == "__main__":
    asyncio.run(main())
