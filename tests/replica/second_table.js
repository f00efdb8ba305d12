// The second, independent address table for tests/chain/test_chains.py, built from npm
// packages other than the sources swarmfi.chain.chains was copied from: Uniswap's SDK
// (@uniswap/sdk-core) and token list (@uniswap/default-token-list), and the npm build of the
// Aave address book (@aave-dao/aave-address-book). Prints one JSON object:
// {chainId: {KEY: {SOURCE: ADDRESS}}} where KEY is "token:SYMBOL" or a registry contract key.
const sdk = require("@uniswap/sdk-core");
const list = require("@uniswap/default-token-list");
const book = require("@aave-dao/aave-address-book");

const CHAINS = { 1: "Ethereum", 8453: "Base", 42161: "Arbitrum", 10: "Optimism" };
const SYMBOLS = ["USDC", "USDT", "DAI", "WBTC", "CBBTC", "WETH", "LINK", "UNI", "AAVE"];
const FEEDS = { ETH: "ETH__USD", USDC: "USDC__USD", USDT: "USDT__USD", DAI: "DAI__USD",
  LINK: "LINK__USD", UNI: "UNI__USD", AAVE: "AAVE__USD", CBBTC: "cbBTC__USD" };

function put(table, key, source, address) {
  if (!address) return;
  (table[key] = table[key] || {})[source] = address;
}

function tokens(table, chainId, name) {
  for (const t of list.tokens.filter((t) => t.chainId === Number(chainId))) {
    if (SYMBOLS.includes(t.symbol.toUpperCase())) put(table, "token:" + t.symbol.toUpperCase(), "uniswap-token-list", t.address);
  }
  put(table, "token:WETH", "uniswap-sdk-core WETH9", sdk.WETH9[chainId].address);
  const assets = book["AaveV3" + name].ASSETS;
  for (const [symbol, asset] of Object.entries(assets)) {
    const key = symbol === "USDCn" ? "USDC" : symbol.toUpperCase();
    if (symbol === "USDC" && assets.USDCn) continue; // bridged USDC.e on Arbitrum/Optimism
    if (SYMBOLS.includes(key)) put(table, "token:" + key, "aave-address-book npm", asset.UNDERLYING);
  }
}

function contracts(table, chainId, name) {
  const c = Number(chainId), uni = "uniswap-sdk-core", aave = "aave-address-book npm";
  put(table, "router", uni, sdk.V2_ROUTER_ADDRESSES[c]);
  put(table, "factory", uni, sdk.V2_FACTORY_ADDRESSES[c]);
  put(table, "uniswap_v3_factory", uni, sdk.V3_CORE_FACTORY_ADDRESSES[c]);
  put(table, "swap_router02", uni, sdk.SWAP_ROUTER_02_ADDRESSES(c));
  // sdk-core's quoterAddress is QuoterV2 only where the chain never had QuoterV1 (Base)
  if (c === 8453) put(table, "quoter_v2", uni, sdk.CHAIN_TO_ADDRESSES_MAP[c].quoterAddress);
  const market = book["AaveV3" + name];
  put(table, "aave_pool", aave, market.POOL);
  put(table, "aave_addresses_provider", aave, market.POOL_ADDRESSES_PROVIDER);
  put(table, "aave_data_provider", aave, market.AAVE_PROTOCOL_DATA_PROVIDER);
  put(table, "aave_oracle", aave, market.ORACLE);
  const feeds = book["Chainlink" + name];
  for (const [symbol, feed] of Object.entries(FEEDS)) put(table, "feed:" + symbol, aave, feeds[feed]);
  put(table, "feed:WBTC", aave, c === 1 ? feeds.BTC__USD : feeds.WBTC__USD);
  put(table, "sequencer_uptime_feed", aave, feeds.L2_Sequencer_Uptime_Status_Feed);
}

const out = {};
for (const [chainId, name] of Object.entries(CHAINS)) {
  out[chainId] = {};
  tokens(out[chainId], chainId, name);
  contracts(out[chainId], chainId, name);
}
process.stdout.write(JSON.stringify(out));
