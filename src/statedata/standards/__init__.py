"""The state's common data elements (validators and standardizers) and reference data."""
