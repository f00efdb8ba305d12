"""swarmfi: plain-language DeFi instructions to simulated, policy-checked plans.

The Python API (`swarmfi.api`): `Swarmfi` (async), `SwarmfiSync` and `connect`, imported
lazily so that `import swarmfi` loads no chain, EVM or model code.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: keep `import swarmfi` minimal
if TYPE_CHECKING:
    from typing import Any

    from swarmfi.api import Swarmfi, SwarmfiSync, connect

__version__ = "0.1.0"

_LAZY = {"Swarmfi": "swarmfi.api", "SwarmfiSync": "swarmfi.api", "connect": "swarmfi.api"}

__all__ = ["Swarmfi", "SwarmfiSync", "__version__", "connect"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'swarmfi' has no attribute {name!r}")
