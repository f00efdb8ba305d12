# pragma version ~=0.4.3
"""
@title Context: reports the block context opcodes, and makes CREATE / CREATE2 children
@notice For the devnet node tests: every context opcode must equal the block header.
"""

event Seen:
    number: uint256
    timestamp: uint256
    gaslimit: uint256
    prevrandao: bytes32
    coinbase: address
    chainid: uint256
    parent_hash: bytes32

event Made:
    plain: address
    salted: address


@external
@view
def context() -> (uint256, uint256, uint256, bytes32, address, uint256, bytes32):
    return (
        block.number, block.timestamp, block.gaslimit, block.prevrandao, block.coinbase,
        chain.id, blockhash(block.number - 1),
    )


@external
@view
def hash_of(number: uint256) -> bytes32:
    return blockhash(number)


@external
def record():
    log Seen(
        number=block.number, timestamp=block.timestamp, gaslimit=block.gaslimit,
        prevrandao=block.prevrandao, coinbase=block.coinbase, chainid=chain.id,
        parent_hash=blockhash(block.number - 1),
    )


@external
def make(target: address, salt: bytes32):
    log Made(plain=create_copy_of(target), salted=create_copy_of(target, salt=salt))
