"""What `statedata serve` sets up before the app starts."""

from __future__ import annotations

import pyarrow as pa

from statedata.cli.serve import lean_allocators


def test_the_server_puts_arrow_buffers_on_the_system_allocator() -> None:
    before = pa.default_memory_pool()
    try:
        lean_allocators()
        assert pa.default_memory_pool().backend_name == "system"
        table = pa.table({"n": list(range(100_000))})  # allocations still work
        assert table.column("n").to_pylist()[-1] == 99_999
    finally:
        pa.set_memory_pool(before)
