"""Sharing pathways: data sharing agreements, data requests with their workflow and clock, and
(next) the extracts that fulfil them."""
