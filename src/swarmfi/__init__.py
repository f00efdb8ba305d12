"""swarmfi: plain-language DeFi instructions to simulated, policy-checked plans."""

__version__ = "0.1.0"
