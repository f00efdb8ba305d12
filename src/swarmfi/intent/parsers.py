"""Registry of parser backends: name -> callable(text) -> canonical dict.

"embedded" (the deterministic parser) is built in. Other backends register
themselves with `register_parser(name, fn)`; `fn` may be a callable or a lazy
"module:function" string so nothing heavy is imported until it is used. On a
name it does not know, the registry imports `swarmfi.compute.parsers` once (if
that module exists) so the compute area can register "llm" and "hybrid" there.
A "module:function" string also works directly as a parser name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from swarmfi.errors import UserInputError

if TYPE_CHECKING:
    from swarmfi.intent.types import Intent, Refusal

ParserFn = Callable[[str], dict[str, Any]]

_REGISTRY: dict[str, ParserFn | str] = {"embedded": "swarmfi.intent.parser:parse_canonical"}
PLUGIN_MODULES = ("swarmfi.compute.parsers",)
_plugins_loaded = False


def register_parser(name: str, fn: ParserFn | str) -> None:
    """Add or replace a backend; `fn` is a callable or a "module:function" string."""
    if not name or ":" in name:
        raise ValueError(f"parser name {name!r} must be a plain word")
    _REGISTRY[name] = fn


def available() -> list[str]:
    """Names of the registered backends (after loading plugins)."""
    _load_plugins()
    return sorted(_REGISTRY)


def get_parser(name: str = "embedded") -> ParserFn:
    """The backend called `name`; UserInputError naming the choices if unknown."""
    if name not in _REGISTRY:
        _load_plugins()
    target = _REGISTRY.get(name, name if ":" in name else None)
    if target is None:
        raise UserInputError(
            f"no parser called {name!r}",
            f"use one of: {', '.join(available())} (or module:function)",
        )
    fn = _resolve(target) if isinstance(target, str) else target
    if name in _REGISTRY:
        _REGISTRY[name] = fn
    return fn


def _resolve(target: str) -> ParserFn:
    module_name, _, attr = target.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UserInputError(f"cannot load parser {target!r}: {exc}", "check the name") from exc
    if not callable(fn):
        raise UserInputError(f"parser {target!r} is not callable", "name a function")
    return fn


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in PLUGIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise


def parse_dict(text: str, parser: str = "embedded") -> dict[str, Any]:
    """Run a backend and return checked canonical JSON (a refusal if it was not canonical)."""
    from swarmfi.intent.types import CanonicalError, from_canonical, to_canonical

    raw = get_parser(parser)(text)
    try:
        return to_canonical(from_canonical(raw))
    except CanonicalError as exc:
        if exc.refusal is not None:
            return to_canonical(exc.refusal)
        message = f"parser {parser!r} gave output that is not canonical: {exc.message}"
        return {"error": {"kind": "invalid", "message": message}}


def parse(text: str, parser: str = "embedded") -> Intent | Refusal:
    """Text -> `Intent` or `Refusal` (never raises for the embedded parser)."""
    from swarmfi.intent.types import from_canonical

    result = from_canonical(parse_dict(text, parser))
    return result
