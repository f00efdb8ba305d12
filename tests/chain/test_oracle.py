"""PriceFeed (AggregatorV3-style) and Oracle (asset -> feed, 8-decimal USD prices)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.compile import compile_contract
from swarmfi.chain.harness import Harness, RevertError

ZERO = "0x" + "00" * 20
ETH_USD = 3000 * 10**8


def test_feed_reports_latest_round(h):
    feed = h.deploy("PriceFeed", "ETH / USD", ETH_USD)
    assert feed.call.decimals() == 8
    assert feed.call.description() == "ETH / USD"
    assert feed.call.latestRoundData() == (1, ETH_USD, h.timestamp, h.timestamp, 1)
    assert feed.call.latestAnswer() == ETH_USD
    assert feed.call.owner() == h.deployer


def test_set_answer_opens_a_new_round(h):
    feed = h.deploy("PriceFeed", "ETH / USD", ETH_USD)
    first = h.timestamp
    h.warp(60)
    result = feed.transact.setAnswer(3100 * 10**8)
    assert result.named("AnswerUpdated")[0].args == {
        "current": 3100 * 10**8,
        "roundId": 2,
        "updatedAt": h.timestamp,
    }
    assert feed.call.latestRoundData() == (2, 3100 * 10**8, h.timestamp, h.timestamp, 2)
    assert feed.call.getRoundData(1) == (1, ETH_USD, first, first, 1)
    assert feed.call.latestTimestamp() == h.timestamp
    with pytest.raises(RevertError, match="PriceFeed: no data for that round"):
        feed.call.getRoundData(3)


def test_only_owner_posts_and_answers_are_positive(h):
    feed = h.deploy("PriceFeed", "ETH / USD", ETH_USD)
    mallory = h.new_account()
    with pytest.raises(RevertError, match="PriceFeed: caller is not the owner"):
        feed.transact.setAnswer(1, sender=mallory)
    with pytest.raises(RevertError, match="PriceFeed: answer must be positive"):
        feed.transact.setAnswer(0)
    with pytest.raises(RevertError, match="PriceFeed: answer must be positive"):
        h.deploy("PriceFeed", "bad", -1)
    feed.transact.transferOwnership(mallory)
    feed.transact.setAnswer(5, sender=mallory)
    assert feed.call.latestAnswer() == 5


def test_oracle_prices_assets_through_their_feeds(h):
    oracle = h.deploy("Oracle")
    weth, wbtc = h.new_account(), h.new_account()
    eth_feed = h.deploy("PriceFeed", "ETH / USD", ETH_USD)
    btc_feed = h.deploy("PriceFeed", "BTC / USD", 90_000 * 10**8)
    result = oracle.transact.setFeed(weth, eth_feed.address)
    assert result.named("FeedSet")[0].args == {"asset": weth, "feed": eth_feed.address}
    oracle.transact.setFeed(wbtc, btc_feed.address)
    assert oracle.call.feeds(weth) == eth_feed.address
    assert oracle.call.getPrice(weth) == ETH_USD
    assert oracle.call.getPrices([weth, wbtc]) == [ETH_USD, 90_000 * 10**8]
    eth_feed.transact.setAnswer(2500 * 10**8)
    assert oracle.call.getPrice(weth) == 2500 * 10**8


def test_oracle_refuses_unknown_assets_and_strangers(h):
    oracle = h.deploy("Oracle")
    asset = h.new_account()
    with pytest.raises(RevertError) as info:
        oracle.call.getPrice(asset)
    assert info.value.reason == "Oracle: no feed"
    mallory = h.new_account()
    with pytest.raises(RevertError, match="Oracle: caller is not the owner"):
        oracle.transact.setFeed(asset, mallory, sender=mallory)
    with pytest.raises(RevertError, match="Oracle: caller is not the owner"):
        oracle.transact.setMaxAge(1, sender=mallory)


def test_oracle_removes_feed(h):
    oracle = h.deploy("Oracle")
    asset = h.new_account()
    feed = h.deploy("PriceFeed", "X / USD", 10**8)
    oracle.transact.setFeed(asset, feed.address)
    oracle.transact.setFeed(asset, ZERO)
    with pytest.raises(RevertError, match="Oracle: no feed"):
        oracle.call.getPrice(asset)


def test_oracle_staleness_is_opt_in(h):
    oracle = h.deploy("Oracle")
    asset = h.new_account()
    feed = h.deploy("PriceFeed", "X / USD", 10**8)
    oracle.transact.setFeed(asset, feed.address)
    h.warp(10 * 86_400)
    assert oracle.call.maxAge() == 0
    assert oracle.call.getPrice(asset) == 10**8
    oracle.transact.setMaxAge(3600)
    with pytest.raises(RevertError, match="Oracle: stale price"):
        oracle.call.getPrice(asset)
    feed.transact.setAnswer(2 * 10**8)
    h.warp(3600)
    assert oracle.call.getPrice(asset) == 2 * 10**8
    h.warp(1)
    with pytest.raises(RevertError, match="Oracle: stale price"):
        oracle.call.getPrice(asset)


FEED_18 = """# pragma version ~=0.4.3
decimals: public(constant(uint8)) = {decimals}
answer: public(int256)

@deploy
def __init__(a: int256):
    self.answer = a

@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return 1, self.answer, block.timestamp, block.timestamp, 1
"""


@pytest.mark.parametrize(
    ("decimals", "raw", "price"), [(18, 3 * 10**21, 3000 * 10**8), (6, 5 * 10**6, 5 * 10**8)]
)
def test_oracle_rescales_feeds_with_other_decimals(h, tmp_path, monkeypatch, decimals, raw, price):
    monkeypatch.setenv("SWARMFI_CACHE", str(tmp_path / "cache"))
    (tmp_path / "OddFeed.vy").write_text(FEED_18.format(decimals=decimals))
    feed = h.deploy_compiled(compile_contract("OddFeed", tmp_path), raw)
    oracle = h.deploy("Oracle")
    asset = h.new_account()
    oracle.transact.setFeed(asset, feed.address)
    assert oracle.call.getPrice(asset) == price


@settings(max_examples=50, deadline=None)
@given(answers=st.lists(st.integers(1, 2**200), min_size=1, max_size=5))
def test_oracle_always_returns_the_latest_answer(answers):
    h = Harness()
    feed = h.deploy("PriceFeed", "X / USD", 1)
    oracle = h.deploy("Oracle")
    asset = h.new_account()
    oracle.transact.setFeed(asset, feed.address)
    for answer in answers:
        h.warp(12)
        feed.transact.setAnswer(answer)
        assert oracle.call.getPrice(asset) == answer
    assert feed.call.latestRound() == len(answers) + 1
