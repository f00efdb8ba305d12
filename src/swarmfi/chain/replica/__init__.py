"""The replica: a pyrevm devnet running the genuine Uniswap V3 and Aave V3 bytecode.

Built from the compiled artifacts the protocols publish on npm (see tests/replica/package.json;
`make replica` runs `npm ci` there). `artifacts` finds and links them, `uniswap` and `aave`
deploy and configure each protocol, `build` makes (and caches) the whole replica state.
"""
