"""The real chains swarmfi knows: Ethereum (1), Base (8453), Arbitrum One (42161), OP Mainnet (10).

Every address below is copied from the protocol's own published deployment list, named in
the comment beside it:

- [uni-v3] Uniswap docs, docs/contracts/v3/reference/deployments/<Chain>-Deployments.md
  (github.com/Uniswap/docs, commit 8c5d09e2, 2026-04-07): UniswapV3Factory, QuoterV2,
  SwapRouter02 and the chain's WETH.
- [uni-v2] Uniswap docs, docs/contracts/v2/reference/smart-contracts/08-deployment-addresses.md
  (same commit): UniswapV2Factory and UniswapV2Router02.
- [aave] Aave address book, src/AaveV3<Chain>.sol (github.com/bgd-labs/aave-address-book,
  commit f61c9762, 2026-05-01): Pool, PoolAddressesProvider, AaveProtocolDataProvider,
  AaveOracle and each listed reserve's underlying token and decimals.
- [chainlink] Chainlink's feed directory as republished in the same address book,
  src/Chainlink<Chain>.sol (one etherscan link per feed); the L2 sequencer-uptime feeds
  also match docs.chain.link's "L2 Sequencer Uptime Feeds" page
  (github.com/smartcontractkit/documentation, src/content/data-feeds/l2-sequencer-feeds.mdx).

Every address is EIP-55 checked when this module loads. tests/chain/test_chains.py checks
each one against a second table built from other published packages (@uniswap/sdk-core,
@uniswap/default-token-list, @aave-dao/aave-address-book on npm). Only tokens with two such
sources are listed; a chain's native USDC is "USDC" (bridged USDC.e is not listed).
"""

from __future__ import annotations

from eth_utils import to_checksum_address

from swarmfi.chain.base import Registry, Token

# contract keys beyond base.CONTRACT_KEYS ("router"/"factory" stay the Uniswap V2 ones)
V3_FACTORY, V3_ROUTER, V3_QUOTER = "uniswap_v3_factory", "swap_router02", "quoter_v2"
AAVE_POOL, AAVE_PROVIDER = "aave_pool", "aave_addresses_provider"
AAVE_DATA, AAVE_ORACLE = "aave_data_provider", "aave_oracle"
SEQUENCER_FEED = "sequencer_uptime_feed"

# How old a feed's answer may be, by chain: Ethereum keeps reads.FEED_MAX_AGE_*; on the L2s
# every listed feed has a heartbeat of at most 24 h, so 24 h plus a late-round margin.
L2_FEED_MAX_AGE_S = 86_400 + 3_600
# After the sequencer comes back, prices wait this long (Chainlink's and Aave's grace period).
SEQUENCER_GRACE_S = 3_600

_NAMES = {
    "USDC": "USD Coin", "USDT": "Tether USD", "DAI": "Dai Stablecoin", "WBTC": "Wrapped BTC",
    "cbBTC": "Coinbase Wrapped BTC", "WETH": "Wrapped Ether", "LINK": "ChainLink Token",
    "UNI": "Uniswap", "AAVE": "Aave Token",
}  # fmt: skip
_DECIMALS = {"USDC": 6, "USDT": 6, "WBTC": 8, "cbBTC": 8}


def _checked(address: str) -> str:
    """`address` itself, refused at import unless it is in EIP-55 form."""
    if to_checksum_address(address) != address:
        raise ValueError(f"{address} is not EIP-55 checksummed; copy it from its source again")
    return address


def _tokens(listing: dict[str, str]) -> dict[str, Token]:
    return {
        s.upper(): Token(s.upper(), _checked(a), _DECIMALS.get(s, 18), _NAMES[s])
        for s, a in listing.items()
    }


def _chain(chain_id: int, name: str, tokens: dict[str, str], contracts: dict[str, str]) -> Registry:
    checked = {key: _checked(address) for key, address in contracts.items()}
    return Registry(chain_id, _tokens(tokens), checked | {"weth": tokens["WETH"]}, name=name)


ETHEREUM = _chain(
    1,
    "Ethereum",
    {
        "USDC": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",  # [aave] USDC_UNDERLYING
        "USDT": "0xdAC17F958D2ee523a2206206994597C13D831ec7",  # [aave] USDT_UNDERLYING
        "DAI": "0x6B175474E89094C44Da98b954EedeAC495271d0F",  # [aave] DAI_UNDERLYING
        "WBTC": "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",  # [aave] WBTC_UNDERLYING
        "LINK": "0x514910771AF9Ca656af840dff83E8264EcF986CA",  # [aave] LINK_UNDERLYING
        "UNI": "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984",  # [aave] UNI_UNDERLYING
        "AAVE": "0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9",  # [aave] AAVE_UNDERLYING
        "WETH": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",  # [uni-v3] WETH, Ethereum
    },
    {
        "router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",  # [uni-v2] V2Router02, Mainnet
        "factory": "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",  # [uni-v2] Factory, Mainnet
        V3_FACTORY: "0x1F98431c8aD98523631AE4a59f267346ea31F984",  # [uni-v3] UniswapV3Factory
        V3_ROUTER: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",  # [uni-v3] SwapRouter02
        V3_QUOTER: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",  # [uni-v3] QuoterV2
        AAVE_POOL: "0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2",  # [aave] POOL
        AAVE_PROVIDER: "0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e",  # [aave] POOL_ADDRESSES_PROV.
        AAVE_DATA: "0x0a16f2FCC0D44FaE41cc54e079281D84A363bECD",  # [aave] AAVE_PROTOCOL_DATA_P.
        AAVE_ORACLE: "0x54586bE62E3c3580375aE3723C145253060Ca0C2",  # [aave] ORACLE
        "feed:ETH": "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",  # [chainlink] ETH__USD
        "feed:WBTC": "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",  # [chainlink] BTC__USD
        "feed:USDC": "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6",  # [chainlink] USDC__USD
        "feed:USDT": "0x3E7d1eAB13ad0104d2750B8863b489D65364e32D",  # [chainlink] USDT__USD
        "feed:DAI": "0xAed0c38402a5d19df6E4c03F4E2DceD6e29c1ee9",  # [chainlink] DAI__USD
        "feed:LINK": "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c",  # [chainlink] LINK__USD
        "feed:UNI": "0x553303d460EE0afB37EdFf9bE42922D8FF63220e",  # [chainlink] UNI__USD
        "feed:AAVE": "0x547a514d5e3769680Ce22B2361c10Ea13619e8a9",  # [chainlink] AAVE__USD
    },
)

BASE = _chain(
    8453,
    "Base",
    {
        "USDC": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",  # [aave] USDC_UNDERLYING (native)
        "cbBTC": "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf",  # [aave] cbBTC_UNDERLYING
        "AAVE": "0x63706e401c06ac8513145b7687A14804d17f814b",  # [aave] AAVE_UNDERLYING
        "WETH": "0x4200000000000000000000000000000000000006",  # [uni-v3] WETH, Base
    },
    {
        "router": "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24",  # [uni-v2] V2Router02, Base
        "factory": "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6",  # [uni-v2] Factory, Base
        V3_FACTORY: "0x33128a8fC17869897dcE68Ed026d694621f6FDfD",  # [uni-v3] UniswapV3Factory
        V3_ROUTER: "0x2626664c2603336E57B271c5C0b26F421741e481",  # [uni-v3] SwapRouter02
        V3_QUOTER: "0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a",  # [uni-v3] QuoterV2
        AAVE_POOL: "0xA238Dd80C259a72e81d7e4664a9801593F98d1c5",  # [aave] POOL
        AAVE_PROVIDER: "0xe20fCBdBfFC4Dd138cE8b2E6FBb6CB49777ad64D",  # [aave] POOL_ADDRESSES_PROV.
        AAVE_DATA: "0x0F43731EB8d45A581f4a36DD74F5f358bc90C73A",  # [aave] AAVE_PROTOCOL_DATA_P.
        AAVE_ORACLE: "0x2Cc0Fc26eD4563A5ce5e8bdcfe1A2878676Ae156",  # [aave] ORACLE
        "feed:ETH": "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70",  # [chainlink] ETH__USD
        "feed:USDC": "0x7e860098F58bBFC8648a4311b374B1D669a2bc6B",  # [chainlink] USDC__USD
        "feed:CBBTC": "0x07DA0E54543a844a80ABE69c8A12F22B3aA59f9D",  # [chainlink] cbBTC__USD
        "feed:AAVE": "0x3d6774EF702A10b20FCa8Ed40FC022f7E4938e07",  # [chainlink] AAVE__USD
        SEQUENCER_FEED: "0xBCF85224fc0756B9Fa45aA7892530B47e10b6433",  # [chainlink] L2_Sequencer
    },
)

ARBITRUM = _chain(
    42161,
    "Arbitrum One",
    {
        "USDC": "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",  # [aave] USDCn_UNDERLYING (native)
        "USDT": "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9",  # [aave] USDT_UNDERLYING
        "DAI": "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1",  # [aave] DAI_UNDERLYING
        "WBTC": "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f",  # [aave] WBTC_UNDERLYING
        "LINK": "0xf97f4df75117a78c1A5a0DBb814Af92458539FB4",  # [aave] LINK_UNDERLYING
        "AAVE": "0xba5DdD1f9d7F570dc94a51479a000E3BCE967196",  # [aave] AAVE_UNDERLYING
        "WETH": "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",  # [uni-v3] WETH, Arbitrum
    },
    {
        "router": "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24",  # [uni-v2] V2Router02, Arbitrum
        "factory": "0xf1D7CC64Fb4452F05c498126312eBE29f30Fbcf9",  # [uni-v2] Factory, Arbitrum
        V3_FACTORY: "0x1F98431c8aD98523631AE4a59f267346ea31F984",  # [uni-v3] UniswapV3Factory
        V3_ROUTER: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",  # [uni-v3] SwapRouter02
        V3_QUOTER: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",  # [uni-v3] QuoterV2
        AAVE_POOL: "0x794a61358D6845594F94dc1DB02A252b5b4814aD",  # [aave] POOL
        AAVE_PROVIDER: "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb",  # [aave] POOL_ADDRESSES_PROV.
        AAVE_DATA: "0x243Aa95cAC2a25651eda86e80bEe66114413c43b",  # [aave] AAVE_PROTOCOL_DATA_P.
        AAVE_ORACLE: "0xb56c2F0B653B2e0b10C9b928C8580Ac5Df02C7C7",  # [aave] ORACLE
        "feed:ETH": "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",  # [chainlink] ETH__USD
        "feed:USDC": "0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3",  # [chainlink] USDC__USD
        "feed:USDT": "0x3f3f5dF88dC9F13eac63DF89EC16ef6e7E25DdE7",  # [chainlink] USDT__USD
        "feed:DAI": "0xc5C8E77B397E531B8EC06BFb0048328B30E9eCfB",  # [chainlink] DAI__USD
        "feed:WBTC": "0xd0C7101eACbB49F3deCcCc166d238410D6D46d57",  # [chainlink] WBTC__USD
        "feed:LINK": "0x86E53CF1B870786351Da77A57575e79CB55812CB",  # [chainlink] LINK__USD
        "feed:AAVE": "0xaD1d5344AaDE45F43E596773Bcc4c423EAbdD034",  # [chainlink] AAVE__USD
        SEQUENCER_FEED: "0xFdB631F5EE196F0ed6FAa767959853A9F217697D",  # [chainlink] L2_Sequencer
    },
)

OPTIMISM = _chain(
    10,
    "OP Mainnet",
    {
        "USDC": "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",  # [aave] USDCn_UNDERLYING (native)
        "USDT": "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58",  # [aave] USDT_UNDERLYING
        "DAI": "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1",  # [aave] DAI_UNDERLYING
        "WBTC": "0x68f180fcCe6836688e9084f035309E29Bf0A2095",  # [aave] WBTC_UNDERLYING
        "LINK": "0x350a791Bfc2C21F9Ed5d10980Dad2e2638ffa7f6",  # [aave] LINK_UNDERLYING
        "AAVE": "0x76FB31fb4af56892A25e32cFC43De717950c9278",  # [aave] AAVE_UNDERLYING
        "WETH": "0x4200000000000000000000000000000000000006",  # [uni-v3] WETH, Optimism
    },
    {
        "router": "0x4A7b5Da61326A6379179b40d00F57E5bbDC962c2",  # [uni-v2] V2Router02, Optimism
        "factory": "0x0c3c1c532F1e39EdF36BE9Fe0bE1410313E074Bf",  # [uni-v2] Factory, Optimism
        V3_FACTORY: "0x1F98431c8aD98523631AE4a59f267346ea31F984",  # [uni-v3] UniswapV3Factory
        V3_ROUTER: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",  # [uni-v3] SwapRouter02
        V3_QUOTER: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",  # [uni-v3] QuoterV2
        AAVE_POOL: "0x794a61358D6845594F94dc1DB02A252b5b4814aD",  # [aave] POOL
        AAVE_PROVIDER: "0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb",  # [aave] POOL_ADDRESSES_PROV.
        AAVE_DATA: "0x243Aa95cAC2a25651eda86e80bEe66114413c43b",  # [aave] AAVE_PROTOCOL_DATA_P.
        AAVE_ORACLE: "0xD81eb3728a631871a7eBBaD631b5f424909f0c77",  # [aave] ORACLE
        "feed:ETH": "0x13e3Ee699D1909E989722E753853AE30b17e08c5",  # [chainlink] ETH__USD
        "feed:USDC": "0x16a9FA2FDa030272Ce99B29CF780dFA30361E0f3",  # [chainlink] USDC__USD
        "feed:USDT": "0xECef79E109e997bCA29c1c0897ec9d7b03647F5E",  # [chainlink] USDT__USD
        "feed:DAI": "0x8dBa75e83DA73cc766A7e5a0ee71F656BAb470d6",  # [chainlink] DAI__USD
        "feed:WBTC": "0x718A5788b89454aAE3A028AE9c111A29Be6c2a6F",  # [chainlink] WBTC__USD
        "feed:LINK": "0xCc232dcFAAE6354cE191Bd574108c1aD03f86450",  # [chainlink] LINK__USD
        "feed:AAVE": "0x338ed6787f463394D24813b297401B9F05a8C9d1",  # [chainlink] AAVE__USD
        SEQUENCER_FEED: "0x371EAD81c9102C9BF4874A9075FFFf170F2Ee389",  # [chainlink] L2_Sequencer
    },
)

CHAINS: tuple[Registry, ...] = (ETHEREUM, BASE, ARBITRUM, OPTIMISM)
