"""Login through /config, and the error classes the SDK raises for a bad token and an unknown app."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import apolo_sdk
import pytest
from apolo_sdk import AuthenticationError, AuthError, ResourceNotFound

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire, _tracer, login
from helpers import collect

UNKNOWN = "00000000-dead-4bad-8bad-000000000000"


def jwt_without_user_claim() -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': 'nobody'})}.c2ln"


async def test_login_reads_config_and_picks_probe_defaults(
    emulator: EmulatorProcess, token: str, tmp_path: Path, wire: Wire
) -> None:
    wire.clear()
    client = await login(emulator, token, tmp_path / "apolo")
    try:
        wire.expect(1)
        # what apolo-cli picks at login: first cluster, its first org, alphabetically first project
        assert client.config.cluster_name == "default"
        assert client.config.org_name == "superorg"
        assert client.config.project_name == "alpha"
        assert client.config.username == "user"
        # logs go to the cluster's monitoring_url: it must point back at the emulator
        monitoring = client.config.get_cluster("default").monitoring_url
        assert (monitoring.host, monitoring.port) == (emulator.url.host, emulator.url.port)
    finally:
        await client.close()


async def test_login_with_a_token_the_platform_rejects(
    emulator: EmulatorProcess, tmp_path: Path
) -> None:
    # /config answers 200 {"authorized": false}; the SDK turns that into AuthError
    with pytest.raises(AuthError) as info:
        await apolo_sdk.login_with_token("not-a-jwt", url=emulator.api_url, path=tmp_path / "a")
    assert "not-a-jwt" not in str(info.value)


async def _client_with_token(emulator: EmulatorProcess, good: str, bad: str, path: Path) -> apolo_sdk.Client:
    """A logged-in config whose stored token the server no longer accepts (as after revocation)."""
    await (await login(emulator, good, path)).close()
    with sqlite3.connect(path / "db") as db:  # the SDK's own config store
        db.execute("UPDATE main SET token=?", (bad,))
    return await apolo_sdk.get(path=path, trace_configs=[_tracer()])


@pytest.mark.parametrize("bad", ["not-a-jwt", jwt_without_user_claim()], ids=["garbage", "no-user-claim"])
async def test_bad_token_raises_authentication_error(
    emulator: EmulatorProcess, token: str, tmp_path: Path, wire: Wire, bad: str
) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell", template_version="v25.5.1", state="errored")
    client = await _client_with_token(emulator, token, bad, tmp_path / "apolo")
    wire.clear()
    try:
        with pytest.raises(AuthenticationError) as e1:
            await client.apps.get(PROBE_ID)
        with pytest.raises(AuthenticationError) as e2:
            await collect(client.apps.list())
        with pytest.raises(AuthenticationError) as e3:
            await client.apps.install({"template_name": "shell", "template_version": "latest", "input": {}})
        with pytest.raises(AuthenticationError) as e4:  # monitoring route, WebSocket handshake
            await collect(client.apps.logs(PROBE_ID))
        assert str(e4.value) == "401: Unauthorized"
        for e in (e1, e2, e3, e4):
            assert bad not in str(e.value)
        # the SDK really sent the (bad) token, and nothing was created
        wire.expect(
            7,
            ("GET", "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1", None),
            8,
            ("GET", f"/api/v1/apps/{PROBE_ID}/log_ws", None),
            token=bad,
        )
    finally:
        await client.close()
    good = await login(emulator, token, tmp_path / "fresh")
    try:  # the rejected install created nothing
        assert [a.id for a in await collect(good.apps.list())] == [PROBE_ID]
        wire.expect(1, ("GET", "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1", None))
    finally:
        await good.close()


async def test_unknown_app_id_raises_resource_not_found(client: apolo_sdk.Client, wire: Wire) -> None:
    apps = client.apps
    v1 = f"/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/{UNKNOWN}"
    calls = [
        (apps.get(UNKNOWN), ("GET", f"/apis/apps/v2/instances/{UNKNOWN}", None)),
        (apps.get_revisions(UNKNOWN), ("GET", f"/apis/apps/v2/instances/{UNKNOWN}/revisions", None)),
        (apps.get_output(UNKNOWN), ("GET", f"{v1}/output", None)),
        (apps.get_input(UNKNOWN), ("GET", f"{v1}/input", None)),
        (apps.get_input(UNKNOWN, revision=1), ("GET", f"{v1}/revisions/1/input", None)),
        (apps.rollback(UNKNOWN, 1), ("POST", f"{v1}/revisions/1/rollback", {})),
        (apps.uninstall(UNKNOWN), ("DELETE", v1, None)),
        (apps.get_upgrades([UNKNOWN]), ("GET", f"/apis/apps/v2/instances/upgrades?id={UNKNOWN}", None)),
    ]
    for coro, request in calls:
        with pytest.raises(ResourceNotFound) as info:
            await coro
        assert "not found" in str(info.value).lower(), str(info.value)
        wire.expect(request)
    with pytest.raises(ResourceNotFound):
        await collect(apps.get_events(UNKNOWN))
    wire.expect(("GET", f"{v1}/events", None))
    with pytest.raises(ResourceNotFound):  # configure starts with GET v2/instances/{id}
        await apps.configure(UNKNOWN, {"input": {}})
    wire.expect(("GET", f"/apis/apps/v2/instances/{UNKNOWN}", None))
    with pytest.raises(ResourceNotFound) as info:  # the monitoring service's wording, via X-Error
        await collect(apps.logs(UNKNOWN, since=datetime(2025, 5, 7, 11, tzinfo=timezone.utc)))
    assert str(info.value) == "Platform-apps: Not Found"
    wire.expect(("GET", f"/api/v1/apps/{UNKNOWN}/log_ws?since=2025-05-07T11:00:00%2B00:00", None))


async def test_v1_routes_are_scoped_to_the_project(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    emulator.create_app(id=PROBE_ID, project_name="test3", output={"x": {"__type__": "RestAPI", "host": "h"}})
    wire.clear()
    with pytest.raises(ResourceNotFound):  # default project is alpha
        await client.apps.get_output(PROBE_ID)
    assert await client.apps.get_output(PROBE_ID, project_name="test3") == {
        "x": {"__type__": "RestAPI", "host": "h"}
    }
    assert (await client.apps.get(PROBE_ID)).project_name == "test3"  # v2 is global
    base = "/apis/apps/v1/cluster/default/org/superorg/project"
    wire.expect(
        ("GET", f"{base}/alpha/instances/{PROBE_ID}/output", None),
        ("GET", f"{base}/test3/instances/{PROBE_ID}/output", None),
        7,
    )


async def test_login_with_passed_config(emulator: EmulatorProcess, token: str, tmp_path: Path, wire: Wire) -> None:
    """APOLO_PASSED_CONFIG, what jobs and apps get inside the platform (spec §1.5)."""
    emulator.create_app(id=PROBE_ID, project_name="test3")
    passed = base64.b64encode(json.dumps({
        "token": token, "cluster": "default", "url": str(emulator.api_url),
        "org_name": "superorg", "project_name": "test3",
    }).encode()).decode()
    path = tmp_path / "passed"
    wire.clear()
    await apolo_sdk.Factory(path, trace_configs=[_tracer()]).login_with_passed_config(passed)
    client = await apolo_sdk.get(path=path, trace_configs=[_tracer()])
    try:
        assert (client.config.cluster_name, client.config.org_name, client.config.project_name) == (
            "default", "superorg", "test3",
        )
        assert [a.id for a in await collect(client.apps.list())] == [PROBE_ID]
        wire.expect(1, ("GET", "/apis/apps/v2/instances?cluster=default&org=superorg&project=test3&page=1", None))
    finally:
        await client.close()
