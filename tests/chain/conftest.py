"""Shared fixtures for contract tests: a fresh pyrevm harness per test."""

from __future__ import annotations

import pytest

from swarmfi.chain.harness import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()
