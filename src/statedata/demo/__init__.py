"""The synthetic Connecticut: fictional people in the real 169 towns, as agencies record them."""
