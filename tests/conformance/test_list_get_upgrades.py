"""Apps.list across pages (with and without `states`), Apps.get and Apps.get_upgrades."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import apolo_sdk
import pytest
from apolo_sdk import AppState

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire
from helpers import ACTIVE, app_dict, collect, uuid_for

T0 = datetime(2025, 5, 7, 11, 0, tzinfo=timezone.utc)
LIST = "/apis/apps/v2/instances?cluster=default&org=superorg&project={project}&page={page}"
ACTIVE_QUERY = "".join(f"&states={s}" for s in ACTIVE)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def seed_projects(emulator: EmulatorProcess) -> dict[str, dict]:
    """61 apps in alpha (55 active, 6 uninstalled; PROBE_ID among them) and 5 elsewhere."""
    created: dict[str, dict] = {}
    for i in range(61):
        app_id = PROBE_ID if i == 30 else uuid_for(i)
        state = "uninstalled" if i % 10 == 9 else ACTIVE[i % len(ACTIVE)]
        t = T0 + timedelta(minutes=i)
        created[app_id] = emulator.create_app(
            id=app_id, state=state, display_name=f"app {i}", template_name="shell",
            template_version="v25.5.1", created_at=iso(t), updated_at=iso(t + timedelta(seconds=5)),
        )
    for i, project in enumerate(["test3", "test3", "test3", "beta", "beta"]):
        emulator.create_app(id=uuid_for(i, "ee"), project_name=project, state="healthy")
    return created


async def test_list_with_and_without_states_over_two_pages(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    created = seed_projects(emulator)
    active_ids = {i for i, a in created.items() if a["state"] != "uninstalled"}
    assert len(active_ids) == 55

    apps = await collect(client.apps.list(states=AppState.get_active_states()))
    wire.expect(2, 3)
    assert len(apps) == len(active_ids) and {a.id for a in apps} == active_ids
    assert all(a.state in ACTIVE for a in apps)
    assert [a.created_at for a in apps] == sorted((a.created_at for a in apps), reverse=True)

    everything = await collect(client.apps.list())
    wire.expect(4, 5)
    assert len(everything) == 61 and {a.id for a in everything} == set(created)

    probe = next(a for a in everything if a.id == PROBE_ID)
    wanted = created[PROBE_ID]
    assert app_dict(probe) == {k: wanted[k] for k in app_dict(probe)}
    assert probe.name == f"superorg-alpha-shell-{PROBE_ID[:8]}"
    assert probe.created_at == T0 + timedelta(minutes=30)
    assert probe.updated_at == T0 + timedelta(minutes=30, seconds=5)


async def test_list_three_pages_and_filters(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    states = {}
    for i in range(130):
        states[uuid_for(i)] = "healthy" if i % 3 else "errored"
        emulator.create_app(id=uuid_for(i), state=states[uuid_for(i)])
    emulator.create_app(id=uuid_for(1, "ee"), project_name="test3", state="degraded")
    wire.clear()

    apps = await collect(client.apps.list())
    assert sorted(a.id for a in apps) == sorted(states)
    wire.expect(*(("GET", LIST.format(project="alpha", page=p), None) for p in (1, 2, 3)))

    errored = await collect(client.apps.list(states=[AppState.ERRORED, AppState.DEGRADED]))
    assert sorted(a.id for a in errored) == sorted(i for i, s in states.items() if s == "errored")
    q = "&states=errored&states=degraded"
    wire.expect(("GET", LIST.format(project="alpha", page=1) + q, None))

    other = await collect(client.apps.list(project_name="test3"))
    assert [(a.id, a.state, a.project_name) for a in other] == [(uuid_for(1, "ee"), "degraded", "test3")]
    wire.expect(("GET", LIST.format(project="test3", page=1), None))

    assert await collect(client.apps.list(project_name="beta")) == []  # pages: 0 on an empty result
    wire.expect(("GET", LIST.format(project="beta", page=1), None))


async def test_list_generated_seed(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.reset("generated", apps=120)
    # generated app i: id {i:08x}-0000-4000-8000-000000000000, state rotation i % 7 (emulator README)
    ids = {f"{i:08x}-0000-4000-8000-000000000000": [*ACTIVE, "uninstalled"][i % 7] for i in range(120)}
    active = await collect(client.apps.list(states=AppState.get_active_states()))
    assert len(active) == 103
    assert {a.id: a.state for a in active} == {i: s for i, s in ids.items() if s != "uninstalled"}
    wire.expect(*(("GET", LIST.format(project="alpha", page=p) + ACTIVE_QUERY, None) for p in (1, 2, 3)))
    everything = await collect(client.apps.list())
    assert {a.id: a.state for a in everything} == ids and len(everything) == 120
    wire.expect(*(("GET", LIST.format(project="alpha", page=p), None) for p in (1, 2, 3)))


async def test_list_tolerates_missing_pages_field(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    for i in range(61):
        emulator.create_app(id=uuid_for(i))
    emulator.settings(pages="omit")  # the SDK then reads one page only, as it does on the platform
    assert len(await collect(client.apps.list())) == 50
    wire.expect(4)


async def test_get(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    created = emulator.create_app(
        id=PROBE_ID, project_name="test3", template_name="stable-diffusion", template_version="master",
        display_name="Stable Diffusion", state="degraded", creator="alice",
        endpoints=["https://app.example.com"], created_at="2025-05-07T11:00:00Z",
        updated_at="2025-05-07T12:00:00.123456Z",
    )
    app = await client.apps.get(PROBE_ID)
    wire.expect(7)
    assert app_dict(app) == {k: created[k] for k in app_dict(app)}
    assert (app.state, app.creator, app.endpoints) == ("degraded", "alice", ["https://app.example.com"])
    assert app.created_at == datetime(2025, 5, 7, 11, tzinfo=timezone.utc)
    assert app.updated_at == datetime(2025, 5, 7, 12, 0, 0, 123456, tzinfo=timezone.utc)

    emulator.set_state(PROBE_ID, "errored")
    again = await client.apps.get(PROBE_ID)
    wire.expect(7)
    assert again.state == "errored" and again.updated_at > app.updated_at


async def test_get_upgrades(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell", template_version="v25.5.1")
    emulator.create_app(id="b", template_name="jupyter", template_version="v25.6.0")
    emulator.create_app(id="c", template_name="vscode", template_version="v25.7.0")

    upgrades = await client.apps.get_upgrades([PROBE_ID, "b"])
    wire.expect(6)
    assert [(u.id, u.template_name, u.template_version, u.available_versions) for u in upgrades] == [
        (PROBE_ID, "shell", "v25.5.1", ["v25.7.0", "v25.6.0"]),  # newest first
        ("b", "jupyter", "v25.6.0", ["master"]),
    ]
    latest = await client.apps.get_upgrades(["c"])
    assert [(u.id, u.available_versions) for u in latest] == [("c", [])]
    wire.expect(("GET", "/apis/apps/v2/instances/upgrades?id=c", None))
    assert await client.apps.get_upgrades([]) == []
    wire.expect()


async def test_get_upgrades_batches_of_100_in_order(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    ids = [uuid_for(i) for i in range(150)]
    versions = ["v25.5.1", "v25.6.0", "v25.7.0"]
    for n, app_id in enumerate(ids):
        emulator.create_app(id=app_id, template_name="shell", template_version=versions[n % 3])
    random.Random(7).shuffle(ids)
    wire.clear()
    upgrades = await client.apps.get_upgrades(ids)
    assert [u.id for u in upgrades] == ids
    for u in upgrades:
        assert u.available_versions == list(reversed(versions[versions.index(u.template_version) + 1 :]))
    url = "/apis/apps/v2/instances/upgrades?"
    wire.expect(
        ("GET", url + "&".join(f"id={i}" for i in ids[:100]), None),
        ("GET", url + "&".join(f"id={i}" for i in ids[100:]), None),
    )


@pytest.mark.parametrize(
    ("app_id", "segment"),
    [
        ("a b", "a%20b"),
        ("ünï", "%C3%BCn%C3%AF"),
        ("50%", "50%25"),
        ("a?b", "a%3Fb"),
        ("a#b", "a%23b"),
        ("a+b", "a+b"),  # `+` is literal in a path (only queries form-encode it)
    ],
)
async def test_odd_ids_are_one_percent_encoded_path_segment(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, app_id: str, segment: str
) -> None:
    emulator.create_app(id=app_id, template_name="shell", template_version="v25.5.1")
    assert (await client.apps.get(app_id)).id == app_id
    assert [r.revision_number for r in await client.apps.get_revisions(app_id)] == [1]
    assert (await client.apps.get_input(app_id))["template_name"] == "shell"
    upgrades = await client.apps.get_upgrades([app_id])
    assert [(u.id, u.available_versions) for u in upgrades] == [(app_id, ["v25.7.0", "v25.6.0"])]
    await client.apps.uninstall(app_id, force=True)
    assert (await client.apps.get(app_id)).state == "uninstalled"
    v2 = f"/apis/apps/v2/instances/{segment}"
    v1 = f"/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/{segment}"
    query_id = {"a b": "a+b", "a+b": "a%2Bb", "a?b": "a?b"}.get(app_id)  # yarl form-encodes query values
    wire.expect(
        ("GET", v2, None),
        ("GET", v2 + "/revisions", None),
        ("GET", v1 + "/input", None),
        ("GET", "/apis/apps/v2/instances/upgrades?id=" + (query_id or segment), None),
        ("DELETE", v1 + "?force=true", None),
        ("GET", v2, None),
    )
