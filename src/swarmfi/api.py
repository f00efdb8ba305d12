"""The Python API: what `swarmfi run`, `balances`, `orders` and `watch` do, for programs.

    from swarmfi import Swarmfi

    async with Swarmfi(state="~/demo-devnet") as sf:     # the embedded devnet, account 0
        print(await sf.parse("swap 1 ETH for USDC"))       # the canonical intent
        preview = await sf.preview("swap 1 ETH for USDC")  # simulated, policy-checked
        result = await sf.run("swap 1 ETH for USDC", approve=True)
        print(result["status"], await sf.balances())       # done {'ETH': '9998.99…', …}

Where it runs and as whom, as the CLI's options: `state=` (the devnet's directory; the
ledger and the standing orders live alongside it), `rpc=` (any JSON-RPC endpoint),
`keystore=` (an encrypted keystore; its password from $SWARMFI_KEYSTORE_PASSWORD),
`account=` (devnet test account N). `policy=` is a `Policy`, a dict of its fields or a
policy file's path (default: $SWARMFI_HOME/policy.toml, or the defaults); `parser=`
is "embedded", "llm" or "hybrid". Every result is plain JSON-ready data (dicts,
decimal strings in token units).

Approval (`run(text, approve=...)`) happens after the plan was simulated and passed
the policy: `False` (the default) declines, so nothing is signed; `True` approves;
a callable gets the preview dict and approves only by returning `True` (it may be
async). Nothing ever signs a plan that broke the policy.

Errors are the `swarmfi.errors` tree, each with `.hint` (what to do next):

    UserInputError     bad options (e.g. state= with rpc=), an unknown parser
      RefusalError     the parser refused the text; `.kind`: ambiguous/unsupported/invalid
      PlanError        it cannot be carried out (unknown token, nothing to repay …)
      StateError       an unreadable local file (policy, ledger, keystore)
    PolicyError        `run`: the simulated plan broke the policy (`.rule`); nothing signed
    SimulationError    the plan reverted in simulation or diverged at execution
    ChainProviderError / ComputeProviderError   the RPC node or the LLM failed
    BugError           a bug in swarmfi

`SwarmfiSync` is the same API for code without an event loop.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from swarmfi.chain.sync import run_sync
from swarmfi.errors import UserInputError
from swarmfi.runner.session import Endpoint

if TYPE_CHECKING:
    from swarmfi.guard.policy import Policy
    from swarmfi.guard.preview import Preview
    from swarmfi.runner.service import Runner

T = TypeVar("T")
Json = dict[str, Any]
Approve = bool | Callable[[Json], bool | Awaitable[bool]]


def _policy_of(policy: Any) -> Policy | None:
    """A `Policy` from what the caller gave; None: the policy file's (read at open)."""
    if policy is None:
        return None
    from pydantic import ValidationError

    from swarmfi.guard.policy import Policy, load_policy

    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, str | Path):
        return load_policy(policy)
    if not isinstance(policy, Mapping):
        raise UserInputError(f"policy= cannot be a {type(policy).__name__}",
                             "give a Policy, a dict of its fields or a policy file's path")
    try:
        return Policy.model_validate(dict(policy))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        raise UserInputError(f"policy= is not valid: {where}: {first['msg']}",
                             "see `swarmfi policy show` for the fields and their values") from exc


def _confirmer(approve: Approve, registry: Any) -> Callable[[Preview], Awaitable[bool]]:
    """`Runner`'s confirm callback from `approve`; only a literal True approves."""
    if not isinstance(approve, bool) and not callable(approve):
        raise UserInputError(f"approve= cannot be a {type(approve).__name__}",
                             "give True, False or a function of the preview")

    async def confirm(preview: Preview) -> bool:
        if isinstance(approve, bool):
            return approve
        decision = approve(preview.to_dict(registry))
        if inspect.isawaitable(decision):
            decision = await decision
        return decision is True

    return confirm


class Swarmfi:
    """One account on one chain, with its ledger, policy and standing orders.

    Async context manager: `async with Swarmfi(...) as sf` opens the chain, the signer
    and the ledger, and closes the chain and the ledger at the end (or `await sf.aclose()`).
    `parse`, `orders` and `cancel_order` need nothing open; the others open on first use.
    """

    def __init__(self, *, state: str | Path | None = None, rpc: str | None = None,
                 keystore: str | Path | None = None, account: int | None = None,
                 policy: Any = None, parser: str = "embedded") -> None:
        self.state = Path(state).expanduser() if state is not None else None
        self.endpoint = Endpoint(rpc, Path(keystore).expanduser() if keystore else None,
                                 account)
        self.endpoint.check(self.state)
        self.parser = parser
        self._policy = _policy_of(policy)
        self._runner: Runner | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> Swarmfi:
        """Open the chain, the signer and the ledger (again after `aclose`)."""
        await self._session()
        return self

    async def _session(self) -> Runner:
        async with self._lock:
            if self._runner is None:
                from swarmfi.runner.service import Runner
                from swarmfi.runner.session import open_session

                chain, signer, ledger, policy = await open_session(self.state, self.endpoint,
                                                                   self._policy)
                self._runner = Runner(chain, signer, ledger, policy)
            return self._runner

    async def aclose(self) -> None:
        """Close the chain (the devnet saves its state) and the ledger."""
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                await runner.chain.close()
            finally:
                runner.ledger.close()

    async def __aenter__(self) -> Swarmfi:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def address(self) -> str:
        """The account that signs."""
        return (await self._session()).sender

    async def parse(self, text: str) -> Json:
        """`text` as the canonical intent (SCHEMA.md); RefusalError if the parser refused."""
        from swarmfi.intent.parsers import parse_dict
        from swarmfi.runner.service import refusal_error

        canonical = parse_dict(text, self.parser)
        if "error" in canonical:
            raise refusal_error(canonical["error"])
        return canonical

    async def preview(self, text: str) -> Json:
        """Simulate `text` on a snapshot and check the policy; signs and records nothing.

        The dict of `Preview.to_dict` ("ok", "steps", "balance_changes", "violations", …)
        plus "intent" and "standing" (a standing order is previewed as if it fired now).
        A policy violation is listed in "violations", not raised.
        """
        from swarmfi.guard.check import guard
        from swarmfi.intent.types import Intent, from_canonical
        from swarmfi.orders.model import is_standing

        canonical = await self.parse(text)
        intent = from_canonical(canonical)
        assert isinstance(intent, Intent)  # parse raised on a refusal
        runner = await self._session()
        preview = await guard(runner.chain, intent.steps, runner.sender, runner.policy,
                              runner.spent_today_usd())
        return {"intent": canonical, "standing": is_standing(canonical),
                **preview.to_dict(runner.chain.registry)}

    async def run(self, text: str, *, approve: Approve = False) -> Json:
        """Parse, simulate, check the policy, ask `approve`, execute; all in the ledger.

        Returns {"run_id", "status", "order_id", "preview", "answers"}; status is "done"
        (executed, every step matched its simulation), "declined" (nothing signed),
        "answered" (a read-only question) or "order" (a condition or a schedule: stored as
        standing order `order_id`, fired by `watch`). Raises PolicyError when the plan
        breaks the policy, RefusalError when the text is refused.
        """
        from swarmfi.runner.standing import order_adder

        runner = await self._session()
        registry = runner.chain.registry
        result = await runner.run_text(text, _confirmer(approve, registry), self.parser,
                                       add_order=order_adder(self.state, runner.chain,
                                                             runner.sender))
        return result.to_dict(registry)

    async def resume(self) -> list[Json]:
        """Finish runs a killed process left unfinished (approved ones only), sending
        nothing twice; `run` does not do this by itself."""
        runner = await self._session()
        return [r.to_dict(runner.chain.registry) for r in await runner.resume()]

    async def balances(self) -> dict[str, str]:
        """{symbol: amount in token units}, e.g. {"ETH": "9999.5", "USDC": "1000"}."""
        from swarmfi.runner.session import token_balances

        runner = await self._session()
        return await token_balances(runner.chain, runner.sender)

    async def orders(self, status: str | None = "active") -> list[Json]:
        """Standing orders (every one when `status` is None), oldest first."""
        from swarmfi import paths
        from swarmfi.orders.store import OrderStore

        path = paths.orders_path(self.state)
        if not path.exists():
            return []
        with OrderStore(path, create=False) as store:
            return [o.to_json() for o in store.list(status)]

    async def cancel_order(self, order_id: int) -> Json:
        """Cancel an active standing order; UserInputError if there is no such order."""
        from swarmfi.orders.store import OrderStore

        with OrderStore.open(self.state) as store:
            return store.cancel(order_id).to_json()

    async def watch(self, *, blocks: int | None = 1, advance: int | None = None,
                    poll: float = 1.0, on_event: Callable[[Json], None] | None = None) -> Json:
        """Check the standing orders at each of the next `blocks` blocks (None: forever)
        and fire the due ones through the same guard and this policy; `advance` moves
        the devnet's clock by that many seconds before each check but the first.
        `on_event` gets each watch event as a dict. Returns {"checks", "fired", "ok"}."""
        from swarmfi.orders.store import OrderStore
        from swarmfi.orders.watcher import watch
        from swarmfi.runner import fire_order

        runner = await self._session()
        signer = runner.signer if self.endpoint.keystore is not None else None

        async def fire(order: Any, now: int) -> Any:
            return await fire_order(order, now, chain=runner.chain, state=self.state,
                                    signer=signer, policy=runner.policy, quiet=True)

        def report(event: Any) -> None:
            if on_event is not None:
                on_event(event.to_json())

        with OrderStore.open(self.state) as store:
            summary = await watch(runner.chain, store, fire, advance=advance, blocks=blocks,
                                  poll=poll, on_event=report)
        return summary.to_json()

    async def ledger_verify(self) -> Json:
        """Re-hash the ledger: {"ok", "checked", "head", "problems", …}."""
        runner = await self._session()
        return runner.ledger.verify().to_json()


async def connect(**options: Any) -> Swarmfi:
    """An open `Swarmfi(**options)`; close it with `await sf.aclose()`."""
    return await Swarmfi(**options).open()


class SwarmfiSync:
    """`Swarmfi` for code without an event loop: the same methods, same keywords, same
    results, run on one private event loop (do not use it inside a running loop).

        with SwarmfiSync(state="~/demo-devnet") as sf:
            sf.run("swap 1 ETH for USDC", approve=True)
    """

    def __init__(self, **options: Any) -> None:
        self.api = Swarmfi(**options)
        self._loop = asyncio.new_event_loop()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return run_sync(coro, self._loop)

    def address(self) -> str:
        return self._call(self.api.address())

    def parse(self, text: str) -> Json:
        return self._call(self.api.parse(text))

    def preview(self, text: str) -> Json:
        return self._call(self.api.preview(text))

    def run(self, text: str, *, approve: Approve = False) -> Json:
        return self._call(self.api.run(text, approve=approve))

    def resume(self) -> list[Json]:
        return self._call(self.api.resume())

    def balances(self) -> dict[str, str]:
        return self._call(self.api.balances())

    def orders(self, status: str | None = "active") -> list[Json]:
        return self._call(self.api.orders(status))

    def cancel_order(self, order_id: int) -> Json:
        return self._call(self.api.cancel_order(order_id))

    def watch(self, *, blocks: int | None = 1, advance: int | None = None, poll: float = 1.0,
              on_event: Callable[[Json], None] | None = None) -> Json:
        return self._call(self.api.watch(blocks=blocks, advance=advance, poll=poll,
                                         on_event=on_event))

    def ledger_verify(self) -> Json:
        return self._call(self.api.ledger_verify())

    def close(self) -> None:
        """Close the chain and the ledger, then the private loop."""
        if not self._loop.is_closed():
            try:
                self._call(self.api.aclose())
            finally:
                self._loop.close()

    def __enter__(self) -> SwarmfiSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
