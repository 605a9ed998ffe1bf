"""Small helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

T = TypeVar("T")

ACTIVE = ["queued", "progressing", "healthy", "degraded", "errored", "uninstalling"]
STATES = [*ACTIVE, "uninstalled"]
# The emulator's catalogue (emulator/README.md, "Seeds"): versions oldest -> newest.
SHELL_VERSIONS = ["v25.5.1", "v25.6.0", "v25.7.0"]
TEMPLATES = {
    "shell": SHELL_VERSIONS,
    "jupyter": ["v25.5.1", "v25.6.0", "master"],
    "vscode": ["v25.6.0", "v25.7.0"],
    "stable-diffusion": ["v25.5.1", "v25.5.2", "v25.6.0", "master"],
    "postgres": ["v25.5.1", "v25.6.0"],
}


async def collect(cm: AbstractAsyncContextManager[AsyncIterator[T]]) -> list[T]:
    """Drains one of the SDK's `async with ... as it: async for x in it` generators."""
    async with cm as it:
        return [x async for x in it]


def uuid_for(i: int, prefix: str = "c0") -> str:
    return f"{prefix}{i:06x}-0000-4000-8000-{i:012x}"


def app_dict(app: Any) -> dict[str, Any]:
    """The SDK's App dataclass as the wire dict (datetimes compared as instants separately)."""
    return {
        k: getattr(app, k)
        for k in (
            "id", "name", "display_name", "template_name", "template_version", "project_name",
            "org_name", "cluster_name", "namespace", "state", "creator", "endpoints",
        )
    }
