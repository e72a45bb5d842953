"""statedata: run a US state's State Data Plan."""

__version__ = "0.1.0"
