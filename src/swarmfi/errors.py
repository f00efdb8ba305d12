"""One error tree for swarmfi, split by who is at fault.

::

    SwarmfiError            base; every error carries a `hint` (what to do next)
    ├── UserInputError      exit 2: the user's text, flags, files or addresses
    │   ├── RefusalError    a parser refused (ambiguous / unsupported / invalid)
    │   ├── PlanError       cannot be planned: unknown token, no pool, no debt…
    │   └── StateError      a local file (state, policy, keystore) is unreadable
    ├── PolicyError         exit 3: a policy rule failed on the simulated result
    ├── SimulationError     exit 4: simulation could not run, reverted, diverged
    ├── ProviderError       exit 5: an outside service failed (RPC node, LLM)
    │   ├── ChainProviderError
    │   └── ComputeProviderError
    └── BugError            exit 70: an invariant of ours broke; report it

The CLI turns any SwarmfiError but BugError into one line on stderr and its
exit status; nothing here prints.
"""

from __future__ import annotations


class SwarmfiError(Exception):
    """Base of every error swarmfi raises on purpose."""

    exit_code = 1
    blame = "swarmfi"
    default_hint = "see `swarmfi --help`"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or self.default_hint

    def one_line(self) -> str:
        """The message a user sees: what went wrong, then what to do next."""
        text = f"{self.message.rstrip('.')}."
        return f"{text} {self.hint.rstrip('.')}." if self.hint else text


class UserInputError(SwarmfiError):
    exit_code = 2
    blame = "input"
    default_hint = "check the input and try again"


class RefusalError(UserInputError):
    """A parser refused: `kind` is ambiguous, unsupported or invalid (SCHEMA.md)."""

    blame = "refusal"

    def __init__(self, kind: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint or "rephrase the instruction with the missing detail")
        self.kind = kind


class PlanError(UserInputError):
    blame = "plan"
    default_hint = "change the instruction so that it can be carried out"


class StateError(UserInputError):
    blame = "state"
    default_hint = "fix or remove the file named above"


class PolicyError(SwarmfiError):
    exit_code = 3
    blame = "policy"
    default_hint = "change the instruction, or edit the policy file if you mean it"

    def __init__(self, message: str, rule: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.rule = rule


class SimulationError(SwarmfiError):
    exit_code = 4
    blame = "simulation"
    default_hint = "nothing was signed; check balances and try again"


class ProviderError(SwarmfiError):
    exit_code = 5
    blame = "provider"
    default_hint = "check the endpoint and your network, then retry"


class ChainProviderError(ProviderError):
    blame = "chain"


class ComputeProviderError(ProviderError):
    blame = "compute"


class BugError(SwarmfiError):
    exit_code = 70
    blame = "bug"
    default_hint = "this is a bug in swarmfi; please report it with the command you ran"
