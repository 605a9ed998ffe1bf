"""The SDK's status -> exception mapping through injected faults; the demo and generated seeds."""

from __future__ import annotations

import asyncio
import urllib.request

import apolo_sdk
import pytest
from apolo_sdk import (
    AuthenticationError,
    AuthorizationError,
    BadGateway,
    ClientError,
    IllegalArgumentError,
    ResourceNotFound,
    ServerNotAvailable,
)

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire
from helpers import collect

V1 = "/apis/apps/v1/cluster/default/org/superorg/project"


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "payload"),
    [
        (400, {"error": "bad input"}, IllegalArgumentError, "bad input", {"error": "bad input"}),
        (401, "401: Unauthorized", AuthenticationError, "401: Unauthorized", None),
        (402, {"error": "Payment Required"}, IllegalArgumentError, "Payment Required", {"error": "Payment Required"}),
        (403, {"error": "Forbidden"}, AuthorizationError, "Forbidden", None),
        (404, {"error": "gone"}, ResourceNotFound, "gone", None),
        (405, {"error": "Method Not Allowed"}, ClientError, "Method Not Allowed", None),
        (409, {"errors": [{"path": ["input"], "message": "m"}]}, IllegalArgumentError, None,
         {"errors": [{"path": ["input"], "message": "m"}]}),
        (500, "Internal Server Error", IllegalArgumentError, "Internal Server Error", None),
        (502, "Bad Gateway", BadGateway, "Bad Gateway", None),
        (503, {"error": "busy"}, ServerNotAvailable, "busy", None),
    ],
)
async def test_status_maps_to_the_sdk_error_class(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire,
    status: int, body: object, cls: type, message: str | None, payload: dict | None,
) -> None:
    emulator.create_app(id=PROBE_ID)
    emulator.http("POST", "/_emulator/faults", {
        "method": "GET", "path": "/apis/apps/v2/instances/*", "status": status, "body": body, "times": 1,
    })
    with pytest.raises(Exception) as info:
        await client.apps.get(PROBE_ID)
    assert type(info.value) is cls, repr(info.value)
    if message is not None:
        assert str(info.value) == message
    assert getattr(info.value, "payload", None) == payload
    # `times: 1`: the next call is served normally (and the SDK did not retry on its own)
    assert (await client.apps.get(PROBE_ID)).id == PROBE_ID
    wire.expect(7, 7)


async def test_slow_server_is_waited_for(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.create_app(id=PROBE_ID)
    emulator.http("POST", "/_emulator/faults", {"path": f"/apis/apps/v2/instances/{PROBE_ID}", "delay_ms": 300})
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert (await client.apps.get(PROBE_ID)).id == PROBE_ID
    assert loop.time() - start >= 0.3
    wire.expect(7)


async def test_demo_seed_through_the_sdk(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.reset("demo")
    alpha = {a.id: (a.template_name, a.template_version, a.state) for a in await collect(client.apps.list())}
    test3 = {a.id: (a.template_name, a.template_version, a.state)
             for a in await collect(client.apps.list(project_name="test3"))}
    # emulator/README.md, "Seeds"
    assert test3 == {
        PROBE_ID: ("stable-diffusion", "v25.5.1", "healthy"),
        "3e8b1f27-6c4d-4a9e-b2f0-1d5c7a9e3b84": ("jupyter", "v25.6.0", "degraded"),
    }
    assert len(alpha) == 7 and alpha["e1f3a5c7-9b2d-4e6f-8a0c-4b6d8f0a2c5e"] == ("shell", "v25.5.1", "uninstalled")
    assert alpha["0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60"] == ("shell", "v25.5.1", "queued")
    revisions = await client.apps.get_revisions(PROBE_ID)
    assert [r.revision_number for r in revisions] == [3, 2, 1] and revisions[0].end_at is None
    output = await client.apps.get_output(PROBE_ID, project_name="test3")
    values = await collect(client.apps.get_values(app_id=PROBE_ID, project_name="test3"))
    assert output and values and {v.instance_id for v in values} == {PROBE_ID}
    upgrades = await client.apps.get_upgrades(sorted(alpha))
    assert [u.id for u in upgrades] == sorted(alpha)
    base = "/apis/apps/v2/instances?cluster=default&org=superorg&project="
    wire.expect(
        ("GET", base + "alpha&page=1", None),
        ("GET", base + "test3&page=1", None),
        25,
        ("GET", f"{V1}/test3/instances/{PROBE_ID}/output", None),
        ("GET", f"{V1}/test3/instances/{PROBE_ID}/values", None),
        ("GET", "/apis/apps/v2/instances/upgrades?" + "&".join(f"id={i}" for i in sorted(alpha)), None),
    )


async def test_generated_seed_events_and_logs(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, token: str
) -> None:
    emulator.reset("generated", apps=10, events=120, log_bytes=5000)
    app_id = "00000004-0000-4000-8000-000000000000"  # i = 4: errored, so its log stream ends
    events = await collect(client.apps.get_events(app_id))
    assert len(events) == 120
    wire.expect(*(("GET", f"{V1}/alpha/instances/{app_id}/events" + q, None) for q in ("", "?page=2", "?page=3")))

    chunks = await asyncio.wait_for(collect(client.apps.logs(app_id, timestamps=True)), 30)
    wire.expect(("GET", f"/api/v1/apps/{app_id}/log_ws?timestamps=true", None))
    ws_bytes = b"".join(chunks)
    assert len(ws_bytes) >= 5000
    # the WebSocket and the HTTP variant carry the same byte stream
    req = urllib.request.Request(f"{emulator.base_url}/api/v1/apps/{app_id}/log?timestamps=true")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.read() == ws_bytes
    wire.clear()
