"""The hub's linked data exchange, in the manner of Connecticut's P20 WIN: agencies submit an
identifier file and a content file separately; the hub links the identifiers, destroys them,
and releases content under pseudonymous keys only."""
