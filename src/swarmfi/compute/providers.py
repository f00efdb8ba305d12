"""The provider registry: presets shipped in `providers.toml`, merged with the user's files.

Layers, each merged over the previous one field by field:
  1. the presets (package data `swarmfi/compute/providers.toml`)
  2. `~/.swarmfi/providers.toml` (`$SWARMFI_HOME/providers.toml`), when it exists
  3. the file named by `$SWARMFI_PROVIDERS`, then an explicit `path`, when given

Or, for a quick start, `$SWARMFI_LLM_BASE_URL` names one endpoint and nothing else is
used (see `registry_from_env`). API keys are only ever read from the environment
variable a provider names (`api_key_env`), at call time; they are never stored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from swarmfi.compute.client import Endpoint
from swarmfi.compute.types import Capability, Privacy, Usage
from swarmfi.errors import StateError

Objective = Literal["cheapest", "fastest", "weighted"]
OBJECTIVES: tuple[Objective, ...] = ("cheapest", "fastest", "weighted")


@dataclass(frozen=True)
class Provider:
    """One OpenAI-compatible endpoint and what it costs, knows and may see."""

    name: str
    base_url: str
    privacy: Privacy
    models: tuple[str, ...]
    price_in: float = 0.0
    price_out: float = 0.0
    api_key_env: str | None = None
    capabilities: frozenset[str] = frozenset()
    timeout_s: float = 60.0
    latency_s: float = 2.0
    enabled: bool = True
    kind: Literal["provider"] = field(default="provider", repr=False)

    @property
    def model(self) -> str:
        return self.models[0]

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    def has_key(self, environ: Mapping[str, str] = os.environ) -> bool:
        return not self.api_key_env or bool(environ.get(self.api_key_env))

    def endpoint(self, environ: Mapping[str, str] = os.environ) -> Endpoint:
        key = environ.get(self.api_key_env) if self.api_key_env else None
        return Endpoint(self.name, self.base_url, key or None, self.api_key_env, self.timeout_s)

    def cost(self, usage: Usage) -> float:
        """USD for a call with these tokens at this provider's prices."""
        return self.estimate(usage.input_tokens, usage.output_tokens)

    def estimate(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.price_in + output_tokens * self.price_out) / 1_000_000


@dataclass(frozen=True)
class RouterSettings:
    objective: Objective = "cheapest"
    cost_weight: float = 0.5
    latency_weight: float = 0.5
    cooldown_s: float = 30.0
    budget_run_usd: float | None = None
    budget_day_usd: float | None = None
    usage_db: str | None = None
    only: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Registry:
    providers: tuple[Provider, ...]
    settings: RouterSettings = RouterSettings()
    sources: tuple[str, ...] = ()

    def get(self, name: str) -> Provider:
        for provider in self.providers:
            if provider.name == name:
                return provider
        known = ", ".join(p.name for p in self.providers)
        raise StateError(f"no LLM provider named {name!r}", f"known providers: {known}")

    def active(self) -> tuple[Provider, ...]:
        """Enabled providers, restricted to `settings.only` when set."""
        only = self.settings.only
        return tuple(p for p in self.providers if p.enabled and (only is None or p.name in only))


class _ProviderModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(pattern=r"^https?://")
    api_key_env: str | None = None
    models: list[str] = Field(min_length=1)
    price_in: float = Field(ge=0)
    price_out: float = Field(ge=0)
    privacy: Privacy
    capabilities: list[Capability] = []
    timeout_s: float = Field(default=60.0, gt=0)
    latency_s: float = Field(default=2.0, gt=0)
    enabled: bool = True


class _RouterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objective: Objective = "cheapest"
    cost_weight: float = Field(default=0.5, ge=0)
    latency_weight: float = Field(default=0.5, ge=0)
    cooldown_s: float = Field(default=30.0, ge=0)
    budget_run_usd: float | None = Field(default=None, ge=0)
    budget_day_usd: float | None = Field(default=None, ge=0)
    usage_db: str | None = None
    only: list[str] | None = None


def swarmfi_home(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("SWARMFI_HOME") or "~/.swarmfi").expanduser()


def preset_text() -> str:
    return resources.files("swarmfi.compute").joinpath("providers.toml").read_text("utf-8")


def load_registry(
    path: str | Path | None = None, *, environ: Mapping[str, str] = os.environ, user: bool = True
) -> Registry:
    """Presets, then the user's file, then $SWARMFI_PROVIDERS, then `path`."""
    layers: list[tuple[str, dict[str, Any]]] = [("presets", _parse_toml(preset_text(), "presets"))]
    user_file = swarmfi_home(environ) / "providers.toml"
    files = [user_file] if user and user_file.exists() else []
    files += [Path(p).expanduser() for p in (environ.get("SWARMFI_PROVIDERS"), path) if p]
    layers += [(str(file), _read_toml(file)) for file in files]
    return _build(layers)


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise StateError(f"cannot read provider file {file}: {exc.strerror}") from exc
    return _parse_toml(text, str(file))


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StateError(f"{source} is not valid TOML: {exc}", "fix the file or remove it") from exc


def _build(layers: list[tuple[str, dict[str, Any]]]) -> Registry:
    providers: dict[str, dict[str, Any]] = {}
    router: dict[str, Any] = {}
    for source, data in layers:
        _check_top(source, data)
        for name, table in data.get("providers", {}).items():
            providers.setdefault(name, {}).update(_table(source, f"providers.{name}", table))
        router.update(_table(source, "router", data.get("router", {})))
    sources = tuple(source for source, _ in layers)
    built = tuple(_provider(name, table, sources) for name, table in providers.items())
    return Registry(built, _settings(router, sources), sources)


def _check_top(source: str, data: dict[str, Any]) -> None:
    unknown = set(data) - {"providers", "router"}
    if unknown or not isinstance(data.get("providers", {}), dict):
        raise StateError(
            f"{source}: unexpected top-level key(s) {sorted(unknown) or ['providers']}",
            "a providers file holds [providers.NAME] tables and one optional [router] table",
        )


def _table(source: str, where: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise StateError(f"{source}: [{where}] must be a table", "see the presets for the shape")
    return table


def _provider(name: str, table: dict[str, Any], sources: tuple[str, ...]) -> Provider:
    try:
        m = _ProviderModel.model_validate(table)
    except ValidationError as exc:
        raise _invalid(f"provider {name!r}", exc, sources) from None
    return Provider(
        name=name,
        base_url=m.base_url,
        privacy=m.privacy,
        models=tuple(m.models),
        price_in=m.price_in,
        price_out=m.price_out,
        api_key_env=m.api_key_env or None,
        capabilities=frozenset(m.capabilities),
        timeout_s=m.timeout_s,
        latency_s=m.latency_s,
        enabled=m.enabled,
    )


def _settings(table: dict[str, Any], sources: tuple[str, ...]) -> RouterSettings:
    try:
        m = _RouterModel.model_validate(table)
    except ValidationError as exc:
        raise _invalid("[router]", exc, sources) from None
    return RouterSettings(
        objective=m.objective,
        cost_weight=m.cost_weight,
        latency_weight=m.latency_weight,
        cooldown_s=m.cooldown_s,
        budget_run_usd=m.budget_run_usd,
        budget_day_usd=m.budget_day_usd,
        usage_db=m.usage_db,
        only=tuple(m.only) if m.only is not None else None,
    )


def _invalid(what: str, exc: ValidationError, sources: tuple[str, ...]) -> StateError:
    problems = "; ".join(
        f"{'.'.join(str(x) for x in e['loc']) or 'table'}: {e['msg']}" for e in exc.errors()
    )
    return StateError(
        f"{what} is invalid ({problems})",
        f"fix it in one of: {', '.join(sources)}",
    )


def registry_from_env(
    environ: Mapping[str, str] = os.environ, path: str | Path | None = None
) -> Registry:
    """The registry the CLI uses.

    `$SWARMFI_LLM_BASE_URL` alone defines one provider named "env" (and nothing else):
    `$SWARMFI_LLM_MODEL` (default "default"), `$SWARMFI_LLM_API_KEY_ENV` (the NAME of
    the variable holding its key), `$SWARMFI_LLM_PRIVACY` (default "local" for a
    loopback URL, else "cloud"), `$SWARMFI_LLM_CAPABILITIES` (comma-separated, default
    "json_object"). Otherwise `load_registry` (with `$SWARMFI_PROVIDERS`), restricted
    to `$SWARMFI_LLM_PROVIDERS` (comma-separated names) when set.
    """
    base = load_registry(path, environ=environ)
    if environ.get("SWARMFI_LLM_BASE_URL"):
        return Registry((_env_provider(environ),), base.settings, ("$SWARMFI_LLM_BASE_URL",))
    only = environ.get("SWARMFI_LLM_PROVIDERS")
    if not only:
        return base
    names = tuple(n.strip() for n in only.split(",") if n.strip())
    for name in names:
        base.get(name)
    return Registry(base.providers, replace(base.settings, only=names), base.sources)


def _env_provider(environ: Mapping[str, str]) -> Provider:
    url = environ["SWARMFI_LLM_BASE_URL"]
    host = urlparse(url).hostname or ""
    privacy = environ.get("SWARMFI_LLM_PRIVACY") or (
        "local" if host in ("127.0.0.1", "localhost", "::1") else "cloud"
    )
    caps = environ.get("SWARMFI_LLM_CAPABILITIES", "json_object")
    table: dict[str, Any] = {
        "base_url": url,
        "api_key_env": environ.get("SWARMFI_LLM_API_KEY_ENV") or None,
        "models": [environ.get("SWARMFI_LLM_MODEL") or "default"],
        "price_in": 0.0,
        "price_out": 0.0,
        "privacy": privacy,
        "capabilities": [c.strip() for c in caps.split(",") if c.strip()],
    }
    return _provider("env", table, ("$SWARMFI_LLM_BASE_URL",))
