"""Privacy protection: keyed pseudonyms, k-anonymity, small-cell suppression and differentially
private releases."""
