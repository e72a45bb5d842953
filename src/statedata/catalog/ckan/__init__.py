"""The CKAN Action API (read-only), so the stock ckanapi client and CKAN harvesters work unchanged."""
