"""The embedded devnet's JSON-RPC node: `DevnetNode` (node.py) and its parts.

api.py           the JSON-RPC methods, one Python method per RPC name
blocks.py        blocks, receipts, logs and their JSON shapes
execution.py     running transactions on the pyrevm EVM: outcomes, gas, snapshots
jsonrpc.py       the RPC error type and parameter parsing
rlp.py           RLP encoding and strict decoding
transactions.py  signed transactions: decoding, sender recovery, intrinsic gas
server.py        the HTTP server
provider.py      web3.py providers that call a node in the same process
"""

from swarmfi.chain.node.node import DEFAULT_COINBASE, DevnetNode

__all__ = ["DEFAULT_COINBASE", "DevnetNode"]
