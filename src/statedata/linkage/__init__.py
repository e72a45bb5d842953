"""The Enterprise Master Person Index: person records linked across agencies (C7).

Splink lives only in this package; the rest of the code sees our own result types.
"""
