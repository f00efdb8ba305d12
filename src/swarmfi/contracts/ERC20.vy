# pragma version ~=0.4.3
"""
@title ERC20 token with an optional minter
@notice Deployable on its own (the devnet's test tokens) and importable as a
        module: `import ERC20 as erc20` + `initializes: erc20` gives a contract
        the internal `_mint`, `_burn` and `_transfer` (the AMM pair's LP token).
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event MinterChanged:
    old_minter: indexed(address)
    new_minter: indexed(address)

name: public(String[64])
symbol: public(String[32])
decimals: public(uint8)
totalSupply: public(uint256)
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
minter: public(address)


@deploy
def __init__(
    _name: String[64],
    _symbol: String[32],
    _decimals: uint8,
    _initial_supply: uint256,
    _minter: address,
):
    self.name = _name
    self.symbol = _symbol
    self.decimals = _decimals
    self.minter = _minter
    if _initial_supply > 0:
        self._mint(msg.sender, _initial_supply)


@external
def transfer(_to: address, _value: uint256) -> bool:
    self._transfer(msg.sender, _to, _value)
    return True


@external
def transferFrom(_from: address, _to: address, _value: uint256) -> bool:
    self._spend_allowance(_from, msg.sender, _value)
    self._transfer(_from, _to, _value)
    return True


@external
def approve(_spender: address, _value: uint256) -> bool:
    self._approve(msg.sender, _spender, _value)
    return True


@external
def mint(_to: address, _amount: uint256) -> bool:
    assert msg.sender == self.minter, "ERC20: caller is not the minter"
    self._mint(_to, _amount)
    return True


@external
def setMinter(_new_minter: address):
    assert msg.sender == self.minter, "ERC20: caller is not the minter"
    log MinterChanged(old_minter=self.minter, new_minter=_new_minter)
    self.minter = _new_minter


@internal
def _transfer(_from: address, _to: address, _value: uint256):
    assert _to != empty(address), "ERC20: transfer to the zero address"
    balance: uint256 = self.balanceOf[_from]
    assert balance >= _value, "ERC20: transfer amount exceeds balance"
    self.balanceOf[_from] = balance - _value
    self.balanceOf[_to] += _value
    log Transfer(sender=_from, receiver=_to, value=_value)


@internal
def _approve(_owner: address, _spender: address, _value: uint256):
    assert _spender != empty(address), "ERC20: approve to the zero address"
    self.allowance[_owner][_spender] = _value
    log Approval(owner=_owner, spender=_spender, value=_value)


@internal
def _spend_allowance(_owner: address, _spender: address, _value: uint256):
    allowed: uint256 = self.allowance[_owner][_spender]
    if allowed == max_value(uint256):
        return
    assert allowed >= _value, "ERC20: insufficient allowance"
    self.allowance[_owner][_spender] = allowed - _value


@internal
def _mint(_to: address, _amount: uint256):
    assert _to != empty(address), "ERC20: mint to the zero address"
    self.totalSupply += _amount
    self.balanceOf[_to] += _amount
    log Transfer(sender=empty(address), receiver=_to, value=_amount)


@internal
def _burn(_from: address, _amount: uint256):
    balance: uint256 = self.balanceOf[_from]
    assert balance >= _amount, "ERC20: burn amount exceeds balance"
    self.balanceOf[_from] = balance - _amount
    self.totalSupply -= _amount
    log Transfer(sender=_from, receiver=empty(address), value=_amount)
