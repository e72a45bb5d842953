"""The State Data Plan itself: its editions and objectives, the measures the platform computes,
and agencies' progress toward them."""
