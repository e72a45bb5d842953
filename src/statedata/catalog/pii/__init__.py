"""Personal information found in a dataset's rows: proposals from each load, the steward's decisions, their page and API."""
