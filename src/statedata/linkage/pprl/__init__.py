"""Privacy-preserving record linkage: agencies encode identifiers as keyed Bloom filters on
their side (``encode``), and the hub links encodings it cannot read (``hub``)."""
