"""Chain: compiled Vyper contracts, a pyrevm harness, and (later) the devnet node and chain interface.

Submodules import their heavy dependencies (vyper, pyrevm, web3) themselves; importing
this package is cheap.
"""
