"""Apps.install, Apps.configure (with and without `upgrade`), Apps.uninstall (plain and force)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import apolo_sdk
import pytest
from apolo_sdk import AppState, IllegalArgumentError, ResourceNotFound

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire, login
from helpers import SHELL_VERSIONS, collect

V1 = "/apis/apps/v1/cluster/default/org/superorg/project"
V2 = "/apis/apps/v2/instances"
LIST = V2 + "?cluster=default&org=superorg&project=alpha&page=1"
INPUT = {"preset": {"name": "cpu"}}


async def test_install(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    app = await client.apps.install({"template_name": "shell", "template_version": "latest", "input": {}})
    wire.expect(8)
    assert app.state == "queued"  # the answer to POST; speed 0 moves it on right after
    assert (app.template_name, app.template_version) == ("shell", SHELL_VERSIONS[-1])  # latest resolved
    assert (app.cluster_name, app.org_name, app.project_name) == ("default", "superorg", "alpha")
    assert app.creator == "user"  # the dev token's user claim
    assert app.name == f"superorg-alpha-shell-{app.id[:8]}"
    assert app.endpoints == []
    assert before <= app.created_at <= datetime.now(timezone.utc) + timedelta(seconds=1)

    got = await client.apps.get(app.id)
    assert got.id == app.id and got.state == "healthy" and got.template_version == SHELL_VERSIONS[-1]
    assert got.updated_at >= app.updated_at
    listed = await collect(client.apps.list())
    assert [a.id for a in listed] == [app.id]
    revisions = await client.apps.get_revisions(app.id)
    assert [(r.revision_number, r.creator, r.comment, r.end_at) for r in revisions] == [(1, "user", None, None)]
    events = await collect(client.apps.get_events(app.id))
    assert [e.state for e in events][-1] == "queued" and events[0].state == "healthy"
    assert await client.apps.get_input(app.id) == {
        "template_name": "shell", "template_version": SHELL_VERSIONS[-1], "display_name": app.display_name,
        "input": {},
    }
    wire.expect(
        ("GET", f"{V2}/{app.id}", None),
        ("GET", LIST, None),
        ("GET", f"{V2}/{app.id}/revisions", None),
        ("GET", f"{V1}/alpha/instances/{app.id}/events", None),
        ("GET", f"{V1}/alpha/instances/{app.id}/input", None),
    )


async def test_install_as_another_user_into_another_project(
    emulator: EmulatorProcess, tmp_path: Path, wire: Wire
) -> None:
    alice = emulator.token_for("alice")
    client = await login(emulator, alice, tmp_path / "alice")
    wire.clear()
    try:
        data = {"template_name": "jupyter", "template_version": "v25.6.0", "display_name": "nb", "input": INPUT}
        app = await client.apps.install(data, project_name="test3")
        wire.expect(("POST", f"{V1}/test3/instances", data), token=alice)
        assert (app.creator, app.project_name, app.display_name, app.template_version) == (
            "alice", "test3", "nb", "v25.6.0",
        )
        assert app.name == f"superorg-test3-jupyter-{app.id[:8]}"
    finally:
        await client.close()


async def test_install_rejections(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    url = f"{V1}/alpha/instances"
    # schema violation -> {"errors": [...]} with the configured status; the SDK keeps the payload
    bad = {"template_name": "jupyter", "template_version": "latest", "input": {"preset": {"name": 5}}}
    for status in (422, 400):
        emulator.settings(validation_status=status)
        with pytest.raises(IllegalArgumentError) as info:
            await client.apps.install(bad)
        assert info.value.payload is not None, status
        errors = info.value.payload["errors"]
        assert errors and all(isinstance(p, str) for e in errors for p in e["path"]) and errors[0]["message"]
        assert errors[0]["path"][:2] == ["input", "preset"]
        wire.expect(("POST", url, bad))
    # a key the schema does not define: 500, as the platform does today (PR #3522)
    undefined = {"template_name": "shell", "template_version": "latest", "input": {"nope": 1}}
    with pytest.raises(IllegalArgumentError) as info:
        await client.apps.install(undefined)
    assert str(info.value) == "Internal Server Error"
    wire.expect(("POST", url, undefined))
    unknown = {"template_name": "no-such-template", "template_version": "latest", "input": {}}
    with pytest.raises(ResourceNotFound):
        await client.apps.install(unknown)
    wire.expect(("POST", url, unknown))
    assert await collect(client.apps.list()) == []
    wire.expect(4)


async def test_configure_then_upgrade(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.create_app(
        id=PROBE_ID, project_name="test3", template_name="shell", template_version="v25.5.1",
        display_name="probe", input={"preset": {"name": "gpu"}},
    )
    # same version as installed: no template fetch (rows 9, 10)
    app = await client.apps.configure(
        PROBE_ID,
        {"template_name": "shell", "template_version": "v25.5.1", "display_name": "x", "input": INPUT},
        comment="c",
    )
    wire.expect(9, 10)
    assert (app.id, app.display_name, app.template_version, app.state) == (PROBE_ID, "x", "v25.5.1", "progressing")
    assert (await client.apps.get(PROBE_ID)).state == "healthy"
    revisions = await client.apps.get_revisions(PROBE_ID)
    assert [(r.revision_number, r.comment, r.end_at is None) for r in revisions] == [(2, "c", True), (1, None, False)]
    assert await client.apps.get_input(PROBE_ID, project_name="test3") == {
        "template_name": "shell", "template_version": "v25.5.1", "display_name": "x", "input": INPUT,
    }
    wire.clear()

    # upgrade: the SDK checks the input against the target version's schema first (rows 11-13)
    app = await client.apps.configure(
        PROBE_ID, {"template_name": "shell", "template_version": "v25.6.0", "input": INPUT}, upgrade=True
    )
    wire.expect(11, 12, 13)
    assert (app.template_version, app.display_name, app.state) == ("v25.6.0", "x", "progressing")
    upgrades = await client.apps.get_upgrades([PROBE_ID])
    assert upgrades[0].available_versions == ["v25.7.0"]
    assert [r.revision_number for r in await client.apps.get_revisions(PROBE_ID)] == [3, 2, 1]

    # `latest` upgrades to the newest version
    app = await client.apps.configure(PROBE_ID, {"template_version": "latest", "input": {}}, upgrade=True)
    assert app.template_version == SHELL_VERSIONS[-1]
    base = f"{V1}/test3"
    wire.expect(
        ("GET", f"/apis/apps/v2/instances/upgrades?id={PROBE_ID}", None),
        ("GET", f"/apis/apps/v2/instances/{PROBE_ID}/revisions", None),
        9,
        ("GET", f"{base}/templates/shell/latest", None),
        ("PUT", f"{base}/instances/{PROBE_ID}", {"input": {}, "template_version": "latest"}),
    )


async def test_configure_without_template_version_checks_the_installed_schema(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell", template_version="v25.6.0")
    base = f"{V1}/alpha"
    # an input key the installed version lacks: the SDK refuses before any PUT
    with pytest.raises(ValueError, match="has no nope"):
        await client.apps.configure(PROBE_ID, {"input": {"nope": 1}})
    wire.expect(7, ("GET", f"{base}/templates/shell/v25.6.0", None))
    # a valid one goes through, keeping the version; display_name sent only when given
    app = await client.apps.configure(PROBE_ID, {"input": {"http_auth": True}})
    assert (app.template_version, app.state) == ("v25.6.0", "progressing")
    wire.expect(
        7,
        ("GET", f"{base}/templates/shell/v25.6.0", None),
        ("PUT", f"{base}/instances/{PROBE_ID}", {"input": {"http_auth": True}}),
    )
    # a downgrade is an input error on the server
    with pytest.raises(IllegalArgumentError) as info:
        await client.apps.configure(PROBE_ID, {"template_version": "v25.5.1", "input": {}}, upgrade=True)
    assert info.value.payload and info.value.payload["errors"]
    wire.expect(
        7,
        ("GET", f"{base}/templates/shell/v25.5.1", None),
        ("PUT", f"{base}/instances/{PROBE_ID}", {"input": {}, "template_version": "v25.5.1"}),
    )
    # another template's config is refused client-side
    with pytest.raises(ValueError, match="installed from 'shell'"):
        await client.apps.configure(PROBE_ID, {"template_name": "jupyter", "input": {}})
    assert (await client.apps.get(PROBE_ID)).template_version == "v25.6.0"
    wire.expect(7, 7)


async def test_uninstall(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.create_app(id=PROBE_ID, state="healthy")
    assert await client.apps.uninstall(PROBE_ID) is None
    wire.expect(14)
    app = await client.apps.get(PROBE_ID)  # stays readable through v2
    assert app.state == "uninstalled"  # speed 0: uninstalling -> uninstalled at once
    events = await collect(client.apps.get_events(PROBE_ID))
    assert [e.state for e in events[:2]] == ["uninstalled", "uninstalling"]
    assert [a.id for a in await collect(client.apps.list())] == [PROBE_ID]
    assert await collect(client.apps.list(states=AppState.get_active_states())) == []
    with pytest.raises(ResourceNotFound):  # DELETE of an uninstalled app
        await client.apps.uninstall(PROBE_ID)
    with pytest.raises(IllegalArgumentError):  # 409: no configure after uninstall
        await client.apps.configure(PROBE_ID, {"input": {}})
    wire.expect(
        7, 23, 4, 2, 14,
        7,
        ("GET", f"{V1}/alpha/templates/shell/v25.5.1", None),
        ("PUT", f"{V1}/alpha/instances/{PROBE_ID}", {"input": {}}),
    )


async def test_uninstall_force(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.create_app(id=PROBE_ID, state="uninstalling")  # a hanging uninstall, what --force is for
    assert await client.apps.uninstall(PROBE_ID, force=True) is None
    wire.expect(15)
    assert (await client.apps.get(PROBE_ID)).state == "uninstalled"
    assert await collect(client.apps.list(states=AppState.get_active_states())) == []
    wire.expect(7, 2)

