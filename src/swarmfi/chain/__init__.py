"""Chain: compiled Vyper contracts, a pyrevm harness, the devnet and the chain interface.

Submodules import their heavy dependencies (vyper, pyrevm, web3) themselves; importing
this package is cheap.
"""
