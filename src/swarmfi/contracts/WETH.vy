# pragma version ~=0.4.3
"""
@title Wrapped ether (WETH9 semantics, 18 decimals)
@notice deposit() wraps the ether sent; withdraw(wad) burns and sends ether back.
        Plain ether sent to the contract is wrapped for the sender.
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event Deposit:
    dst: indexed(address)
    wad: uint256

event Withdrawal:
    src: indexed(address)
    wad: uint256

name: public(constant(String[13])) = "Wrapped Ether"
symbol: public(constant(String[4])) = "WETH"
decimals: public(constant(uint8)) = 18
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@external
@payable
def __default__():
    self._deposit()


@external
@payable
def deposit():
    self._deposit()


@external
def withdraw(wad: uint256):
    assert self.balanceOf[msg.sender] >= wad, "WETH: withdraw amount exceeds balance"
    self.balanceOf[msg.sender] -= wad
    send(msg.sender, wad)
    log Withdrawal(src=msg.sender, wad=wad)


@view
@external
def totalSupply() -> uint256:
    return self.balance


@external
def approve(guy: address, wad: uint256) -> bool:
    self.allowance[msg.sender][guy] = wad
    log Approval(owner=msg.sender, spender=guy, value=wad)
    return True


@external
def transfer(dst: address, wad: uint256) -> bool:
    self._transfer(msg.sender, dst, wad)
    return True


@external
def transferFrom(src: address, dst: address, wad: uint256) -> bool:
    if src != msg.sender:
        allowed: uint256 = self.allowance[src][msg.sender]
        if allowed != max_value(uint256):
            assert allowed >= wad, "WETH: insufficient allowance"
            self.allowance[src][msg.sender] = allowed - wad
    self._transfer(src, dst, wad)
    return True


@internal
@payable
def _deposit():
    self.balanceOf[msg.sender] += msg.value
    log Deposit(dst=msg.sender, wad=msg.value)


@internal
def _transfer(src: address, dst: address, wad: uint256):
    assert self.balanceOf[src] >= wad, "WETH: transfer amount exceeds balance"
    self.balanceOf[src] -= wad
    self.balanceOf[dst] += wad
    log Transfer(sender=src, receiver=dst, value=wad)
