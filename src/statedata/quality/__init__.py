"""Data quality: rules kept in the dictionary, run in one pass per version, scored and gated."""
