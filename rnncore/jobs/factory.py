"""The server's job pool: warm local worker processes by default, Ray actors across a cluster when
RNNCORE_RAY_ADDRESS is set ("auto", "HOST:6379", "ray://HOST:10001", or "local" for a one-machine test cluster)."""

from __future__ import annotations

from typing import Any

from rnncore import environment
from rnncore.jobs.pool import JobPool
from rnncore.jobs.ray_pool import RayJobPool

ADDRESS_VARIABLE = environment.RAY_ADDRESS.name


def ray_address() -> str:
    """The configured Ray address ("" = no cluster: local worker processes)."""
    return environment.text(environment.RAY_ADDRESS).strip()


def make_pool(lanes: dict[str, int], slots: dict[str, int] | None = None, **options: Any) -> JobPool | RayJobPool:
    """A RayJobPool when RNNCORE_RAY_ADDRESS is set, else a JobPool; `options` go to either (preload,
    stop_grace, owner_limits; RayJobPool also takes num_cpus, cpus_per_worker, poll_interval, py_modules).
    `slots` (jobs at once per local process) apply to local workers only: on a cluster each actor runs one job,
    and a lane grows by its number of actors."""
    address = ray_address()
    if not address:
        return JobPool(lanes, slots=slots, **options)
    try:
        import ray  # noqa: F401  (only to give a clear message when it is missing)
    except ImportError as error:
        raise RuntimeError(
            f"{ADDRESS_VARIABLE}={address!r} asks for a Ray cluster, but Ray is not installed here: "
            "pip install -r requirements-cluster.txt (or unset the variable to train in local worker processes)"
        ) from error
    return RayJobPool(lanes, address=address, **options)
