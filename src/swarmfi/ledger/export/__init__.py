"""Records outside swarmfi: a CAR file for IPFS / Filecoin (car.py), a push to any
S3-compatible store such as Storj or MinIO (s3.py), and an anchor of the chain's head
on Arweave as a signed ANS-104 data item (arweave.py)."""
