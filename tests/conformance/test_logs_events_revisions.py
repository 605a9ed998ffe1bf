"""Apps.logs, Apps.get_events, Apps.get_revisions, Apps.rollback, Apps.get_input."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import apolo_sdk
import pytest
from apolo_sdk import ResourceNotFound

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire
from helpers import collect

SINCE = datetime(2025, 5, 7, 11, 0, tzinfo=timezone.utc)
CREATED = SINCE - timedelta(seconds=2)
V1 = "/apis/apps/v1/cluster/default/org/superorg/project/alpha"
ARCHIVE_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z (.*)$")
LIVE_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")
SEPARATOR = re.compile(r"^=== Live logs ===[0-9a-f]{60}$")


def text_of(chunks: list[bytes]) -> str:
    assert chunks and all(isinstance(c, bytes) and c for c in chunks)
    return b"".join(chunks).decode()  # chunks need not end on line boundaries


async def test_logs_since_with_timestamps(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    # a stopped app: the archive, then close 1000 (so the SDK's iterator ends on its own)
    emulator.create_app(id=PROBE_ID, template_name="shell", state="errored", created_at=CREATED.isoformat())
    chunks = await asyncio.wait_for(collect(client.apps.logs(PROBE_ID, since=SINCE, timestamps=True)), 30)
    wire.expect(22)
    lines = text_of(chunks).splitlines()
    # archive line k is stamped created_at + k * 100 ms; 40 lines; `since` drops the first 20
    assert len(lines) == 20, lines
    for n, line in enumerate(lines):
        m = ARCHIVE_TS.match(line)
        assert m, line
        k = n + 20
        assert datetime.fromisoformat(m.group(1) + "+00:00") == CREATED + timedelta(milliseconds=100 * k)
        assert m.group(2).startswith("shell shell: ") and m.group(2).endswith(f"(line {k})"), line


async def test_logs_whole_archive_without_timestamps(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    emulator.create_app(id=PROBE_ID, template_name="jupyter", template_version="master", state="uninstalled",
                        created_at=CREATED.isoformat())
    early = SINCE - timedelta(days=1)  # before created_at: clamped to it
    chunks = await asyncio.wait_for(collect(client.apps.logs(PROBE_ID, since=early)), 30)
    wire.expect(("GET", f"/api/v1/apps/{PROBE_ID}/log_ws?since=2025-05-06T11:00:00%2B00:00", None))
    lines = text_of(chunks).splitlines()
    assert len(lines) == 40
    for k, line in enumerate(lines):
        assert not re.match(r"^\d{4}-", line) and line.endswith(f"(line {k})"), line
        assert re.match(r"^jupyter (jupyter|git-sync): ", line), line


async def test_logs_of_a_running_app_go_live_until_it_stops(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell", state="healthy", created_at=CREATED.isoformat())
    received = bytearray()
    stopped = False

    async def read() -> None:
        nonlocal stopped
        async with client.apps.logs(PROBE_ID, timestamps=True) as it:
            async for chunk in it:
                received.extend(chunk)
                lines = received.decode(errors="replace").split("\n")
                if not stopped and sum(bool(LIVE_TS.match(x)) for x in lines[:-1]) >= 2:
                    stopped = True  # two live lines seen: stop the app, the server must close
                    await asyncio.to_thread(emulator.set_state, PROBE_ID, "errored")

    await asyncio.wait_for(read(), 30)
    assert stopped
    lines = received.decode().splitlines()
    assert all(ARCHIVE_TS.match(x) for x in lines[:40]), lines[:40]
    assert SEPARATOR.match(lines[40]), lines[40]
    assert len(lines) >= 43 and all(LIVE_TS.match(x) for x in lines[41:]), lines[40:]
    wire.expect(("GET", f"/api/v1/apps/{PROBE_ID}/log_ws?timestamps=true", None))


def raw_total(emulator: EmulatorProcess, token: str, app_id: str) -> int:
    envelope = emulator.http("GET", f"{V1}/instances/{app_id}/events", token=token)
    return envelope["total"]


async def test_get_events_over_pages(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, token: str
) -> None:
    emulator.create_app(id=PROBE_ID, events=60)
    total = raw_total(emulator, token, PROBE_ID)
    assert total == 62  # 60 synthetic ones (older), "queued" at creation, then "healthy"
    wire.clear()
    events = await collect(client.apps.get_events(PROBE_ID))
    wire.expect(23, 24)
    assert len(events) == total
    stamps = [e.created_at for e in events]
    assert all(isinstance(s, str) for s in stamps)  # the SDK keeps them raw
    parsed = [datetime.fromisoformat(s.replace(" ", "T").replace("Z", "+00:00")) for s in stamps]
    assert parsed == sorted(parsed, reverse=True)  # newest first
    assert [e.state for e in events[:2]] == ["healthy", "queued"]
    assert events[1].reason == "App instance created"
    for e in events:
        assert isinstance(e.state, str) and (e.reason is None or isinstance(e.reason, str))
        assert all(isinstance(r, apolo_sdk.AppEventResource) for r in e.resources)

    # state changes append events, newest first
    for state in ["progressing", "healthy", "degraded", "healthy", "errored"]:
        emulator.set_state(PROBE_ID, state)
    events = await collect(client.apps.get_events(PROBE_ID))
    assert len(events) == total + 5
    assert [e.state for e in events[:5]] == ["errored", "healthy", "degraded", "healthy", "progressing"]
    wire.expect(23, 24)


async def test_get_events_three_pages(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, token: str
) -> None:
    emulator.create_app(id=PROBE_ID, events=130)
    total = raw_total(emulator, token, PROBE_ID)
    assert total == 132
    wire.clear()
    events = await collect(client.apps.get_events(PROBE_ID))
    assert len(events) == total
    wire.expect(23, 24, ("GET", f"{V1}/instances/{PROBE_ID}/events?page=3", None))


async def test_revisions_rollback_and_input(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    first = {"preset": {"name": "gpu"}}
    second = {"preset": {"name": "cpu"}}
    third = {"preset": {"name": "cpu-large"}}  # shell v25.5.1 has no http_auth
    emulator.create_app(id=PROBE_ID, template_name="shell", template_version="v25.5.1", display_name="probe",
                        input=first)
    await client.apps.configure(PROBE_ID, {"input": second}, comment="first")
    await client.apps.configure(PROBE_ID, {"input": third})
    wire.clear()

    revisions = await client.apps.get_revisions(PROBE_ID)
    wire.expect(25)
    assert [(r.revision_number, r.creator, r.comment) for r in revisions] == [
        (3, "user", None), (2, "user", "first"), (1, "user", None),
    ]
    assert revisions[0].end_at is None and all(r.end_at is not None for r in revisions[1:])
    assert all(isinstance(r.created_at, str) for r in revisions)  # raw strings in the SDK
    # a closed revision ends when the next one starts
    assert revisions[1].end_at == revisions[0].created_at and revisions[2].end_at == revisions[1].created_at

    app = await client.apps.rollback(PROBE_ID, 1)
    wire.expect(26)
    assert (app.id, app.state) == (PROBE_ID, "progressing")
    app = await client.apps.rollback(PROBE_ID, 1, comment="back")
    wire.expect(27)
    assert app.state == "progressing"

    revisions = await client.apps.get_revisions(PROBE_ID)
    assert [(r.revision_number, r.comment) for r in revisions] == [
        (5, "back"), (4, None), (3, None), (2, "first"), (1, None),
    ]
    current = await client.apps.get_input(PROBE_ID)
    wire.expect(25, 28)
    assert current["input"] == first and current["template_name"] == "shell"
    assert current["template_version"] == "v25.5.1"
    rev1 = await client.apps.get_input(PROBE_ID, revision=1)
    wire.expect(29)
    assert rev1 == {"template_name": "shell", "template_version": "v25.5.1", "display_name": "probe", "input": first}
    assert (await client.apps.get_input(PROBE_ID, revision=2))["input"] == second
    assert (await client.apps.get_input(PROBE_ID, revision=3))["input"] == third
    wire.expect(
        ("GET", f"{V1}/instances/{PROBE_ID}/revisions/2/input", None),
        ("GET", f"{V1}/instances/{PROBE_ID}/revisions/3/input", None),
    )

    with pytest.raises(ResourceNotFound):
        await client.apps.get_input(PROBE_ID, revision=99)
    with pytest.raises(ResourceNotFound):
        await client.apps.rollback(PROBE_ID, 99, comment="nope")
    wire.expect(
        ("GET", f"{V1}/instances/{PROBE_ID}/revisions/99/input", None),
        ("POST", f"{V1}/instances/{PROBE_ID}/revisions/99/rollback", {"comment": "nope"}),
    )
    assert len(await client.apps.get_revisions(PROBE_ID)) == 5
    wire.expect(25)

