"""The guard: simulate the whole plan, then check the user's policy on the result.

`swarmfi.guard.policy` holds the policy file model and its loading;
`swarmfi.guard.rules` the pure checks run on each simulated step. This package
imports nothing heavy: import the submodules you need.
"""
