"""Build the router the CLI (and the LLM intent parser) uses, from files and environment.

Environment (all optional):
  SWARMFI_PROVIDERS        a providers TOML merged over the presets and ~/.swarmfi/providers.toml
  SWARMFI_LLM_BASE_URL     one OpenAI-compatible endpoint, used alone (see `registry_from_env`
                           for SWARMFI_LLM_MODEL, _API_KEY_ENV, _PRIVACY, _CAPABILITIES)
  SWARMFI_LLM_PROVIDERS    comma-separated provider names to restrict to
  SWARMFI_LLM_OBJECTIVE    cheapest | fastest | weighted
  SWARMFI_BUDGET_RUN_USD   USD limit for one run (one process)
  SWARMFI_BUDGET_DAY_USD   USD limit per UTC day (all runs, from the usage database)
  SWARMFI_USAGE_DB         the usage database (default ~/.swarmfi/usage.sqlite3)
  SWARMFI_HOME             instead of ~/.swarmfi
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from swarmfi.compute.providers import OBJECTIVES, registry_from_env
from swarmfi.compute.router import Router
from swarmfi.compute.usage import Budget, UsageStore, default_usage_path
from swarmfi.errors import UserInputError


def router_from_env(
    environ: Mapping[str, str] = os.environ,
    *,
    providers_path: str | Path | None = None,
    **overrides: Any,
) -> Router:
    """A Router over the configured providers, accounting into the usage database."""
    registry = registry_from_env(environ, providers_path)
    settings = registry.settings
    objective = environ.get("SWARMFI_LLM_OBJECTIVE") or settings.objective
    if objective not in OBJECTIVES:
        raise UserInputError(
            f"SWARMFI_LLM_OBJECTIVE={objective!r} is not an objective",
            f"use one of {', '.join(OBJECTIVES)}",
        )
    budget = Budget(
        _usd(environ, "SWARMFI_BUDGET_RUN_USD", settings.budget_run_usd),
        _usd(environ, "SWARMFI_BUDGET_DAY_USD", settings.budget_day_usd),
    )
    db = environ.get("SWARMFI_USAGE_DB") or settings.usage_db or default_usage_path(environ)
    kwargs: dict[str, Any] = {
        "objective": objective,
        "budget": budget,
        "usage": UsageStore(db),
        "environ": environ,
    }
    kwargs.update(overrides)
    return Router.from_registry(registry, **kwargs)


def _usd(environ: Mapping[str, str], name: str, default: float | None) -> float | None:
    value = environ.get(name)
    if not value:
        return default
    try:
        amount = float(value)
    except ValueError:
        amount = -1.0
    if not math.isfinite(amount) or amount < 0:
        raise UserInputError(f"{name}={value!r} is not an amount of USD", "write it as 0.50")
    return amount
