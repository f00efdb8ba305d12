# ruff: noqa: E501  (lexicon data: one line per tag)
"""English lexicon: words and phrases -> grammar tags (see `lexer` for the tags).

Each line is ``tag: phrase | phrase | ...``; phrases are lower-case, words split
on spaces, and the lexer prefers the longest phrase. Tags with a value carry it
after ``=`` (seconds for time units, the fraction for fraction words).
"""

from __future__ import annotations

LEXICON = """
v.swap: swap | exchange | convert | trade | change | flip | turn | switch | rotate | swop | ape
v.buy: buy | purchase | acquire | get me | pick up | grab | ape into | buy me | buy up | scoop up
v.sell: sell | dump | offload | unload | cash out | liquidate | sell off
v.spend: spend | invest
v.use: use
v.send: send | transfer | pay | give | tip | wire | move
v.wrap: wrap
v.unwrap: unwrap | unwrapping
v.supply: supply | deposit | lend | lend out | put up as collateral | collateralize
v.withdraw: withdraw | redeem | take out | pull out | take back | withdrawal
v.borrow: borrow | take a loan of | take out a loan of | get a loan of | loan me
v.repay: repay | pay back | pay down | return the loan of
v.payoff: pay off | clear | settle | close out | pay it all back
v.put: add | put | provide | place | stick | park
v.addliq: add liquidity | provide liquidity | supply liquidity | seed the pool | lp into | add some liquidity | deposit liquidity | put liquidity
v.remove: remove | pull | exit
v.removeliq: remove liquidity | withdraw liquidity | pull liquidity | exit the pool
v.launch: launch | create | deploy | issue | mint a new token | make a token | spin up
v.vote: vote | cast a vote | cast my vote | voting | i vote
v.query: i want to know | want to know | let me know | i'd like to know | know | i wonder | show | list | display | check | view | see | tell me | give me | fetch | look up | find | show me | lookup | report
v.get: get | obtain | receive
w.what: what | what's | whats | what is | what are | how | which | where | what're | is there | are there | is there any | are there any
w.howmuch: how much | how many | what's the value of
v.have: have | hold | own | got
s.for: yes | in favor of | in favour of | in favor | in favour | approve | support | back | aye
s.against: against | no | oppose | reject | nay | vote down | veto
s.abstain: abstain | abstaining | abstention | vote abstain | vote to abstain | votes abstain | vote abstention
p.to: to | into | in exchange for | towards | onto | in to | back to | back into | back in to
p.for: for
p.with: with | using | by using | paying with | by spending | by selling | funded by | funded with | paid with | w/
p.from: from | out of | off
p.of: of
p.on: on | at | via | through | in | inside | within
c.then: then | and then | after that | afterwards | afterward | next | followed by | and after that | once done | when done | once that's done | after which | and afterwards
c.and: and | plus | also | as well as | &
k.if: if | when | once | as soon as | whenever | should | provided that | the moment | only if | if and when
o.lt: drop below | fall below | dip below | go below | drop under | fall under | go under | sink below | break below | below | under | less than | lower than | beneath | drops below | falls below | dips below | goes below | sinks below | drops under | falls under | goes under | is below | is under | is less than | is lower than | trades below | crosses below | breaks below | is beneath | gets below | gets under | falls beneath | drops beneath | crashes below | dumps below | sub
o.le: drop to | fall to | dip to | go down to | at most | falls to | drops to | dips to | goes down to | sinks to | no higher than | or less | or lower | is at most | declines to | drops back to | comes down to | crashes to | dumps to | falls back to | is no higher than
o.gt: rise above | go above | go over | climb above | break above | get above | above | over | more than | greater than | higher than | exceeds | rises above | goes above | goes over | climbs above | breaks above | crosses above | is above | is over | is more than | is greater than | is higher than | trades above | jumps above | gets above | gets over | surpasses | breaks | pumps above | moons past | breaks out above | rallies above | exceeding
o.ge: rise to | climb to | get to | go up to | at least | reaches | hits | rises to | climbs to | gets to | goes up to | is at least | no less than | no lower than | or more | or higher | touches | reach | hit | pumps to | jumps to | recovers to | rallies to | is no lower than | reached | hitting | reaching
o.move: drops | falls | rises | climbs | goes | dips | moves | jumps | pumps | dumps | crashes | moons | increases | decreases | goes up | goes down | is at | trades at | changes | equals | is equal to | becomes | stays | remains | lower | higher | drop | fall | rise | dip
m.price: price | prices | price of | value | quote | market price | spot price | usd price | dollar price | price in usd | trading at | trading for | going for | selling for | priced at
m.supply: supply rate | supply apy | supply apr | deposit rate | deposit apy | lending rate | lending apy | supply yield | deposit yield | savings rate | interest on deposits | supply interest | lending yield | earn rate
m.borrow: borrow rate | borrow apy | borrow apr | borrowing rate | borrowing cost | loan rate | borrow cost | interest on loans | debt rate | borrowing apy | borrow interest
m.hf: health factor | health | hf | health ratio
m.rate: rate | rates | apy | apr | yield | yields | interest | interest rate | interest rates | apys
frac=0.5: half | a half | one half | half of
frac=0.25: a quarter | one quarter | quarter | a quarter of | one fourth | a fourth
frac=0.75: three quarters | three fourths | three-quarters
frac=0.1: a tenth | one tenth | tenth
frac=0.2: a fifth | one fifth | fifth
frac=0.125: an eighth | one eighth | eighth
badfrac: a third | one third | third | two thirds | two-thirds | a sixth | one sixth | a seventh | a ninth
q.all: all | everything | entire | whole | full | all of | every bit of | everything i have | all i have | all that i have | the lot | in full | completely | fully | 100 percent | the whole lot | all the
q.some: some | a few | a bit | a little | several | a couple | few | bit | little | any | more | a portion | part | partial | a lot | lots | bunch | a bunch of | a small amount | a large amount | an amount | most | much | enough | less | a chunk of | a share of | some of
d.my: my | mine | our | i | me | my own | i've | i'm | myself | ours | i hold | i own | in the wallet | from my wallet | in my wallet | from wallet | of mine | that i have | that i hold | that i own | i have left | i currently have | i got | in my account
d.the: the | said
d.a: a | an
d.worth: worth | worth of | value of | valued | of value
d.each: apiece
r.it: it | them | that | this | those | these | all of it | everything i got | the proceeds | the output | the result | the resulting | what i get | what i got | what i receive | what i received | what you get | what comes out | the received | the amount received | the tokens received | the returns | whatever i get | what was received | its
n.balance: what's in my wallet | what is in my wallet | what do i have | what do i own | what do i hold | what have i got | balance | balances | holdings | holding | funds | wallet | portfolio | bag | bags | stack | assets | account | stash
n.debt: debt | debts | loan | loans | borrowing | borrowings | borrowed | owed | outstanding | owe | i owe | what i owe
n.position: liquidation risk | risk of liquidation | liquidation | position | positions | lending position | collateral | account health | loan position | borrow position
n.proposal: proposal | proposals | prop | props | governance proposal | governance proposals | proposal number | proposal no | dao proposal | proposal id
n.proposals_open: open proposals | active proposals | governance | dao | proposals open | current proposals | proposals i can vote on | proposals to vote on | proposals open for voting | proposals i can vote for | anything to vote on | something to vote on | what can i vote on | proposals up for vote | proposals up for a vote | up for vote | up for a vote | open for voting | open for a vote
n.pool: pool | pools | pair | pairs | liquidity pool | liquidity pools | amm | lp pool | market pair | lp position | lp tokens | lp token | lp share | lp | lps | lp positions | pool share
n.liquidity: liquidity | liquidity position
n.lending: lending | lending pool | lending market | money market | the market | lending protocol | compound | the bank | lending platform | loans market | lend pool
n.token: token | tokens | coin | coins | memecoin | memecoins | meme coin | new token | new coin | crypto | cryptocurrency | currency | asset | erc20 | erc-20
n.vague: something | stuff | stablecoins | stablecoin | stables | stable | altcoins | alts | money | cash | shitcoins | another token | other tokens | another coin | whatever | anything | some tokens
n.venue: uniswap | sushiswap | sushi | 1inch | curve | balancer | dex | the dex | a dex | matcha | cowswap | paraswap | pancakeswap | the exchange | swarmfi | metamask | my wallet | uniswap v2 | uniswap v3 | the router
n.community: community | the community | community share | community allocation | community allotment | holders | airdrop to the community
n.fdv: fdv | valuation | fully diluted valuation | fully-diluted valuation | market cap | mcap | fully diluted value | diluted valuation
n.supply: total supply | supply of | max supply | token supply | tokens total | initial supply | circulating supply
n.symbol: symbol | ticker | ticker symbol | symbol is | ticker is
n.name: called | named | name | named as | name it | call it | name is | with the name | titled
n.slippage: slippage | slippage tolerance | max slippage | slip | slippage limit | price impact
n.max: max | maximum | up to | no more than | tolerance | limit | allowing | allow | tolerate | cap | capped at | max. | maximal | accept | accepting | set | don't want more than | dont want more than | do not want more than | not more than | do not exceed | don't exceed | dont exceed | never more than | must not exceed | not exceeding | not to exceed | shouldn't exceed | should not exceed
n.dollar: dollars | dollar | usd | bucks | us dollars | usd$ | dollars' | dollars worth | dollar's
n.fiat: rmb | cny | yuan | euro | euros | eur | gbp | pounds | pound | yen | jpy | hkd | €
n.percent: percent | per cent | pct | percentage
n.bps: bps | bp | basis points | basis point
n.times: times | time | rounds | executions | repeats | purchases | installments | instalments | iterations | orders
n.unit=60: minute | minutes | min | mins
n.unit=3600: hour | hours | hr | hrs | h
n.unit=86400: day | days | d | trading day
n.unit=604800: week | weeks | wk | wks | w
n.unit=2592000: month | months | mo | mos
t.every: every | each | per | once every | every single | once per | once a
t.period=60: every minute | each minute | per minute | minutely
t.period=3600: hourly | every hour | each hour | per hour | once an hour | once every hour
t.period=86400: daily | every day | each day | per day | once a day | once daily | every single day | everyday | nightly | a day
t.period=604800: weekly | every week | each week | per week | once a week | once weekly
t.period=1209600: biweekly | fortnightly | every other week | every fortnight | every two weeks
t.period=172800: every other day | every second day
t.period=2592000: monthly | every month | each month | per month | once a month
t.period=43200: twice a day | twice daily | every twelve hours
t.for: for the next | over the next | during | lasting | for a total of | for another | for the following | over a period of | for a period of | throughout
t.total: in total | total | altogether | total of | in all
t.dca+v.spend: dca | dollar cost average | dollar-cost average | dollar cost averaging | dca into
t.dca: recurring | repeat | repeatedly | auto-invest | automatically | on repeat
u.bridge: bridge | bridging | cross-chain | crosschain | cross chain | to another chain | another chain | other chain | different chain | from ethereum to | chain to chain | teleport
u.chain: arbitrum | optimism | polygon | solana | avalanche | bsc | binance smart chain | base chain | zksync | starknet | linea | scroll | l2 | layer 2 | tron | cosmos | near | sui | aptos
u.leverage: leverage | leveraged | margin | loop | looping | 2x | 3x | 5x | 10x | 20x | 50x | 100x
u.perp: long | short | longs | shorts | perp | perps | perpetual | perpetuals | futures | go long | go short | open a long | open a short | short position | long position | shorting | longing
u.options: option | options | call option | put option | calls | puts | covered call | straddle
u.stake: stake | staking | restake | restaking | unstake | delegate | delegation | validator | liquid staking | steth | lido
u.nft: nft | nfts | non-fungible
u.limit: limit order | limit buy | limit sell | at market | market order | order book | twap | vwap | trailing
u.stop: stop loss | stop-loss | take-profit | take profit | stop order | trailing stop
u.flash: flash loan | flashloan | flash loans | flash swap
u.farm: farm | farming | yield farm | yield farming | harvest | claim rewards | claim | compound rewards | airdrop | snipe | sniping | mev | arbitrage | copy trade | rebalance | vest | vesting
u.mint: mint | burn | airdrop me | faucet
u.approve: approve spending | approval | allowance | revoke | permit
u.cancel: cancel | undo | stop | pause | abort | revert | reverse | reschedule | modify | edit | delete
u.time: tomorrow | tonight | this evening | this morning | this afternoon | tomorrow morning | next week | next month | at noon | at midnight | o'clock | oclock | in the morning | in the evening | in the afternoon | at night | later today | on monday | on tuesday | on wednesday | on thursday | on friday | on saturday | on sunday | every monday | every friday | every morning | every evening | every night | at dawn | later | later on | this weekend | at the weekend | on the weekend | end of the month | end of month | next year | soon | in a bit | in a while | in an hour | in a week | within a week | in a minute | in a day | within a day | next day | the next day | this week | this month | in a few days | in two days | by friday | by monday | from now | a day from now | from today
x.neg: not | don't | dont | do not | never | no longer | without | doesn't | shouldn't | won't | avoid | except | instead of | can't | cant | cannot | can not | didn't | didnt | needn't | no need to | no need | don't need to | dont need to | wasn't
x.ask: what would happen | what would happen if | what will happen | what would | would happen | hypothetically | suppose | supposing | imagine if | did i | did you | have i | have you | how do i | how can i | how to | how would i | how should i | should i | should we | what if | what happens if | is it | was it | would it | maybe | perhaps | i wonder if | wondering if | is it safe to | is it worth | is this | was this | i already | already | did | i did | we did | you did | shall i | shall we | i was going to | was going to | i was gonna | where do i | where can i | where should i | when should i | which pool | quote to | quote for | the rate to | rate to | i just | just did | i've already | ive already | do you | you will | you'll | you did | you have
x.past: i sold | i swapped | i sent | i bought | i borrowed | i repaid | i withdrew | i transferred | i traded | i converted | we sold | we swapped | we sent | we bought | last week | last month | last year | last night | yesterday | ago | earlier today
x.said: he said | she said | they said | someone said | people say | told me | tells me | told us | suggested | recommended | advised me | my friend | a friend | my friend said | he says | she says | tweeted | posted
x.inject: ignore previous instructions | ignore all previous instructions | ignore previous | ignore the previous | ignore all instructions | ignore your instructions | ignore the rules | ignore rules | ignore all rules | disregard | system prompt | jailbreak | new instructions | developer mode
m.other: trading volume | volume | tvl | total value locked | funding rate | open interest | dominance | hashrate | hash rate | gas price | fear and greed | rsi | moving average
x.fix: actually | no wait | wait | never mind | nevermind | scratch that | i mean | sorry | oops | correction | instead | rather | make that | change that to | change it to | but
x.rest: the rest | the rest of it | what's left | whats left | what is left | the remaining | remaining | the remainder | remainder | the same | same amount | the leftover | leftovers
u.flow: unless | until | till | otherwise | or else | else | before | prior to | as long as
x.approx: almost | nearly | almost all | nearly all | just under | just over | a little under | a little over | a bit under | a bit over | or so | give or take | ish | approx | about | around | approximately | roughly | circa | more or less
x.or: or | either
n.supplied: supplied | deposited | lent | lent out | that i supplied | that i deposited | that i lent | i supplied | i deposited | i lent | i've supplied | i've deposited | i have supplied | i have deposited | on deposit
u.gas: gas | gas price | gas fee | gas fees | gwei | base fee
x.who: who | whom | someone | somebody | anyone | anybody | nobody | everyone | everybody | all of them | people | whoever | whomever
f: as collateral | though | as a collateral | for collateral | open | active | pending | live now | ongoing | available | existing | please | pls | plz | kindly | can you | could you | would you | will you | can u | i want to | i'd like to | i would like to | i wanna | wanna | want to | i need to | need to | let's | lets | let me | go ahead and | for me | now | right now | immediately | asap | just | quickly | ok | okay | hey | hi | yo | thanks | thank you | thx | try to | help me | i want | i'd like | like to | gonna | going to | i'm going to | im going to | would like to | right away | at once | instantly | today | at market price | at the market price | straight | directly | hello | sir | bot | agent | assistant | ser | fren | gm | do | does | be | will | would | shall | can i | may i | am | was | were | been | being | so | um | uh | well | basically | simply | exactly | currently | current | latest | today's | live | spot | real-time | realtime | right | here | there | mate | buddy | you | your | yours | go | do it | make | execute | perform | run | carry out | place a | make a | do a | initiate | process | complete | finish | want | need | like | wish | would love to | love to | wallet address | address | account address | the address | his | her | their | him | is | are | be sure to | make sure to | worth it | at the current price | at current price | at the best price | best price | for the best price | as | with the | exactly | precisely | once more | again | too | as well | i guess | hmm | new | my friend's | to do | doing | have to | has to | got to | must | borrowing capacity | borrowing power | borrow capacity | borrow limit | credit limit | available credit | rn | tbh | ngl | lol | lmao | pls pls | asap pls
""".strip()


def entries() -> list[tuple[str, str]]:
    """(phrase, tag) pairs from LEXICON, in file order."""
    pairs: list[tuple[str, str]] = []
    for line in LEXICON.splitlines():
        tag, _, phrases = line.partition(":")
        pairs.extend((phrase.strip(), tag.strip()) for phrase in phrases.split("|"))
    return pairs
