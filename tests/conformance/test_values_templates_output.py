"""Apps.get_values, Apps.list_templates, Apps.list_template_versions, Apps.get_template, Apps.get_output."""

from __future__ import annotations

from typing import Any

import apolo_sdk
import pytest
from apolo_sdk import ResourceNotFound

from appendix_b import PROBE_ID
from conftest import EmulatorProcess, Wire
from helpers import TEMPLATES, collect

V1 = "/apis/apps/v1/cluster/default/org/superorg/project/alpha"
OTHER = "5a5fa379-4635-4418-959f-457b44280c21"


def rest(host: str) -> dict[str, Any]:
    return {"host": host, "port": 80, "protocol": "http", "base_path": "/", "api_type": "rest", "__type__": "RestAPI"}


PROBE_OUTPUT = {
    "internal_api": rest("probe.internal"),
    "registry": {"registry_url": "ghcr.io", "username": "me", "__type__": "GithubImageRegistryAuth"},
    "users": {"users": [{"name": "a", "__type__": "PostgresUser"}, {"name": "b", "__type__": "PostgresUser"}]},
    "plain": 7,
}
OTHER_OUTPUT = {"external_web_app_url": rest("other.apps.example")}


def typed_pieces(app_id: str, value: Any, path: str = "$") -> list[tuple[str, str, str, Any]]:
    """The spec's derivation of values from outputs: every object carrying `__type__`."""
    found = []
    if isinstance(value, dict):
        if "__type__" in value and path != "$":
            found.append((app_id, value["__type__"], path, value))
        for k, v in value.items():
            found += typed_pieces(app_id, v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += typed_pieces(app_id, v, f"{path}[{i}]")
    return found


def as_tuples(values: list[Any]) -> list[tuple[str, str, str, Any]]:
    return sorted(((v.instance_id, v.type, v.path, v.value) for v in values), key=repr)


async def test_get_values(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, token: str) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell")
    emulator.create_app(id=OTHER, template_name="vscode", template_version="v25.6.0", output=OTHER_OUTPUT)
    emulator.create_app(project_name="test3", output={"elsewhere": rest("test3.internal")})
    probe = await client.apps.get(PROBE_ID)
    emulator.post_output(probe.__dict__, PROBE_OUTPUT, token)  # what app hooks do
    wire.clear()

    everything = typed_pieces(PROBE_ID, PROBE_OUTPUT) + typed_pieces(OTHER, OTHER_OUTPUT)
    assert len(everything) == 5

    rest_values = await collect(client.apps.get_values(value_type="RestAPI"))
    wire.expect(16)
    assert as_tuples(rest_values) == sorted((v for v in everything if v[1] == "RestAPI"), key=repr)
    assert {v.path for v in rest_values} == {"$.internal_api", "$.external_web_app_url"}

    probe_values = await collect(client.apps.get_values(app_id=PROBE_ID))
    wire.expect(17)
    assert as_tuples(probe_values) == sorted(typed_pieces(PROBE_ID, PROBE_OUTPUT), key=repr)
    assert "$.users.users[1]" in {v.path for v in probe_values}

    users = await collect(client.apps.get_values(app_id=PROBE_ID, value_type="PostgresUser"))
    wire.expect(("GET", f"{V1}/instances/{PROBE_ID}/values?type=PostgresUser", None))
    assert [(v.path, v.value["name"]) for v in sorted(users, key=lambda v: v.path)] == [
        ("$.users.users[0]", "a"), ("$.users.users[1]", "b"),
    ]

    all_values = await collect(client.apps.get_values())
    wire.expect(("GET", f"{V1}/instances/values", None))
    assert as_tuples(all_values) == sorted(everything, key=repr)  # not the test3 app's

    assert await collect(client.apps.get_values(value_type="NoSuchType")) == []
    wire.expect(("GET", f"{V1}/instances/values?type=NoSuchType", None))


async def test_get_output(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire, token: str) -> None:
    emulator.create_app(id=PROBE_ID, template_name="shell", state="progressing")  # not healthy yet
    with pytest.raises(ResourceNotFound):  # no output records yet
        await client.apps.get_output(PROBE_ID)
    wire.expect(21)
    emulator.post_output((await client.apps.get(PROBE_ID)).__dict__, PROBE_OUTPUT, token)
    wire.clear()
    assert await client.apps.get_output(PROBE_ID) == PROBE_OUTPUT
    wire.expect(21)


async def test_installed_app_publishes_output_when_healthy(
    emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire
) -> None:
    app = await client.apps.install({"template_name": "shell", "template_version": "latest", "input": {}})
    output = await client.apps.get_output(app.id)  # speed 0: already healthy
    values = await collect(client.apps.get_values(app_id=app.id))
    assert output and as_tuples(values) == sorted(typed_pieces(app.id, output), key=repr)
    assert (await client.apps.get(app.id)).endpoints
    wire.expect(
        8,
        ("GET", f"{V1}/instances/{app.id}/output", None),
        ("GET", f"{V1}/instances/{app.id}/values", None),
        ("GET", f"/apis/apps/v2/instances/{app.id}", None),
    )


async def test_list_templates(client: apolo_sdk.Client, wire: Wire) -> None:
    templates = await collect(client.apps.list_templates())
    wire.expect(18)
    assert {t.name: t.version for t in templates} == {name: versions[-1] for name, versions in TEMPLATES.items()}
    for t in templates:
        assert t.title and isinstance(t.tags, list) and isinstance(t.short_description, str)
        assert t.input is None and t.description == ""  # the SDK fills these only in get_template


async def test_list_template_versions(client: apolo_sdk.Client, wire: Wire) -> None:
    versions = await collect(client.apps.list_template_versions("shell"))
    wire.expect(19)
    assert [v.version for v in versions] == list(reversed(TEMPLATES["shell"]))  # newest first
    assert {v.name for v in versions} == {"shell"} and all(v.title for v in versions)
    sd = await collect(client.apps.list_template_versions("stable-diffusion"))
    assert [v.version for v in sd] == list(reversed(TEMPLATES["stable-diffusion"]))
    assert await collect(client.apps.list_template_versions("no-such-template")) == []
    wire.expect(
        ("GET", f"{V1}/templates/stable-diffusion", None),
        ("GET", f"{V1}/templates/no-such-template", None),
    )


async def test_get_template(emulator: EmulatorProcess, client: apolo_sdk.Client, wire: Wire) -> None:
    latest = await client.apps.get_template("shell")
    wire.expect(20)
    assert (latest.name, latest.version) == ("shell", TEMPLATES["shell"][-1])
    assert latest.title and latest.description and isinstance(latest.tags, list)
    schema = latest.input
    assert schema["type"] == "object"
    assert schema["properties"]["preset"]["properties"]["name"]["type"] == "string"
    assert schema["properties"]["http_auth"]["type"] == "boolean"

    old = await client.apps.get_template("shell", version="v25.5.1")
    assert (old.name, old.version) == ("shell", "v25.5.1")
    git_ref = await client.apps.get_template("jupyter", version="master", project_name="test3")
    assert (git_ref.name, git_ref.version) == ("jupyter", "master") and "preset" in git_ref.input["required"]
    wire.expect(
        ("GET", f"{V1}/templates/shell/v25.5.1", None),
        ("GET", "/apis/apps/v1/cluster/default/org/superorg/project/test3/templates/jupyter/master", None),
    )

    # unknown: 200 null today (the SDK returns None), or 404 on a future server
    assert await client.apps.get_template("no-such-template") is None
    assert await client.apps.get_template("shell", version="v0.0.0") is None
    wire.expect(
        ("GET", f"{V1}/templates/no-such-template/latest", None),
        ("GET", f"{V1}/templates/shell/v0.0.0", None),
    )
    emulator.settings(unknown_template="404")
    with pytest.raises(ResourceNotFound):
        await client.apps.get_template("no-such-template")
    wire.expect(("GET", f"{V1}/templates/no-such-template/latest", None))
    assert (await client.apps.get_template("shell")).version == TEMPLATES["shell"][-1]
    wire.expect(20)
