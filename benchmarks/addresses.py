"""Standardizing 100,000 Connecticut addresses: statedata against plain usaddress.tag and
scourgify, side by side in one run.

The addresses are generated: streets of the 169 towns with suffixes written every way people
write them, directionals, units (apartment, suite, floor, "#"), house numbers with fractions,
post office boxes and rural and highway contract routes in their common spellings, c/o lines,
messy case and punctuation, placeholders and junk; and repeats, since agency files name the
same facilities and buildings again and again.

For each tool: addresses per second (median of the runs, each from a cold cache), the share it
turned into a result (standardized, or for usaddress.tag tagged without an error or an
"Ambiguous" verdict), the share it flagged or refused, and the exceptions it raised. statedata
must standardize every PO box and rural route and raise nothing.

Run: .venv/bin/python benchmarks/addresses.py [--count 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import scourgify
import usaddress

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from statedata.standards.address import _standardized, standardize_address
from statedata.standards.towns import load_towns

STREETS = ["Main", "Elm", "Oak", "Maple", "Church", "Park", "Washington", "Prospect", "High",
           "Center", "Mill", "Pleasant", "Spring", "Chestnut", "Asylum", "Farmington", "Whitney",
           "Boston Post", "Silas Deane", "Wethersfield", "Capitol", "Bank", "State", "Garden",
           "Laurel", "Ledyard", "Orchard", "Meadow", "Cedar", "Birch", "Highland", "Ridge",
           "Walnut", "Franklin", "Lafayette", "Broad", "Water", "Union", "Academy", "Hillside"]  # fmt: skip
SUFFIXES = [("Street", "St", "St.", "Str", "ST"), ("Avenue", "Ave", "Av", "Ave."),
            ("Road", "Rd", "Rd."), ("Drive", "Dr"), ("Lane", "Ln"), ("Court", "Ct"),
            ("Place", "Pl"), ("Terrace", "Ter", "Terr"), ("Boulevard", "Blvd"),
            ("Circle", "Cir"), ("Turnpike", "Tpke", "Tpk"), ("Hill", "Hl"), ("Way",)]  # fmt: skip
DIRECTIONS = ["North", "South", "East", "West", "N.", "S", "E.", "W"]
UNITS = ["Apt {}", "Apartment {}", "Apt. {}", "#{}", "# {}", "Unit {}", "Suite {}", "Ste {}",
         "Fl {}", "Floor {}", "Rm {}"]  # fmt: skip
BOXES = ["PO Box {}", "P.O. Box {}", "P O Box {}", "POB {}", "Post Office Box {}", "Box {}",
         "PO BOX {}", "p.o. box {}"]  # fmt: skip
ROUTES = ["RR {} Box {}", "R.R. {} Box {}", "Rural Route {}, Box {}", "RFD {} Box {}",
          "RR {}, Box {}", "HC {} Box {}"]  # fmt: skip
HIGHWAYS = ["Route {}", "Rte {}", "US Highway {}", "US-{}", "State Route {}", "Rt. {}"]
JUNK = ["N/A", "UNKNOWN", "", "homeless", "???", "see above", "asdf", "0", "REFUSED", "none",
        "c/o", "123", "Apt 4", "xx xx xx"]  # fmt: skip


def messy(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return text.upper()
    if roll < 0.4:
        return text.lower()
    if roll < 0.5:
        return "  " + text.replace(" ", "  ") + " "
    return text


def one_address(rng: random.Random, towns: list[str]) -> str:
    roll = rng.random()
    town = rng.choice(towns)
    tail = rng.choice(["", "", f", {town}, CT 06{rng.randint(0, 999):03d}", f" {town} CT",
                       f", {town}, Connecticut 06{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"])  # fmt: skip
    if roll < 0.05:
        return rng.choice(JUNK)
    if roll < 0.13:
        return messy(rng.choice(BOXES).format(rng.randint(1, 9999)) + tail, rng)
    if roll < 0.17:
        return messy(rng.choice(ROUTES).format(rng.randint(1, 9), rng.randint(1, 400)) + tail, rng)
    if roll < 0.21:
        return messy(
            f"{rng.randint(1, 3000)} " + rng.choice(HIGHWAYS).format(rng.randint(1, 202)) + tail,
            rng,
        )
    number = str(rng.randint(1, 2999)) + (" 1/2" if rng.random() < 0.01 else "")
    parts = [number]
    if rng.random() < 0.12:
        parts.append(rng.choice(DIRECTIONS))
    parts += [rng.choice(STREETS), rng.choice(rng.choice(SUFFIXES))]
    if rng.random() < 0.25:
        parts.append(
            rng.choice(UNITS).format(
                rng.choice([rng.randint(1, 40), f"{rng.randint(1, 9)}{rng.choice('ABCD')}"])
            )
        )
    line = " ".join(parts)
    if rng.random() < 0.02:
        line = f"c/o {rng.choice(['Jane Doe', 'Acme Corp', 'J. Smith'])}, {line}"
    return messy(line + tail, rng)


def generate(count: int, seed: int = 5) -> list[str]:
    """``count`` addresses; about 40% repeat one of 2,000 common ones (facilities, buildings)."""
    rng = random.Random(seed)
    towns = [t.name for t in load_towns()]
    common = [one_address(rng, towns) for _ in range(2_000)]
    return [
        rng.choice(common) if rng.random() < 0.4 else one_address(rng, towns) for _ in range(count)
    ]


def kind_of(raw: str) -> str:
    text = raw.upper().replace(".", "").replace(" ", "")
    if text.startswith(("RR", "RURAL", "RFD", "HC")):
        return "route"
    if text.startswith(("POBOX", "POB", "BOX", "POSTOFFICE")):
        return "box"
    return "other"


def run_statedata(addresses: list[str]) -> list[bool | None]:
    return [standardize_address(a).ok for a in addresses]


def run_usaddress(addresses: list[str]) -> list[bool | None]:
    found: list[bool | None] = []
    for a in addresses:
        try:
            _, kind = usaddress.tag(a)
            found.append(kind != "Ambiguous")
        except Exception:
            found.append(None)
    return found


def run_scourgify(addresses: list[str]) -> list[bool | None]:
    found: list[bool | None] = []
    for a in addresses:
        try:
            scourgify.normalize_address_record(a)
            found.append(True)
        except Exception:
            found.append(None)
    return found


def timed(
    run: Callable[[list[str]], list[bool | None]], addresses: list[str], repeat: int
) -> tuple[float, list[bool | None]]:
    times, result = [], []
    for _ in range(repeat):
        _standardized.cache_clear()  # every run of statedata starts cold
        started = time.perf_counter()
        result = run(addresses)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    addresses = generate(args.count)
    kinds = [kind_of(a) for a in addresses]
    print(f"{args.count:,} addresses, {len(set(addresses)):,} distinct; "
          f"{kinds.count('box'):,} PO boxes, {kinds.count('route'):,} rural or contract routes")  # fmt: skip
    rows: list[tuple[str, float, list[Any]]] = []
    for name, run in (
        ("statedata", run_statedata),
        ("usaddress.tag", run_usaddress),
        ("scourgify", run_scourgify),
    ):
        seconds, result = timed(run, addresses, args.repeat)
        rows.append((name, seconds, result))
    base = rows[0][1]
    print(f"\n{'tool':<16}{'addr/s':>10}{'x statedata time':>18}{'result':>9}{'flagged':>9}{'raised':>8}"
          f"{'boxes ok':>10}{'routes ok':>11}")  # fmt: skip
    for name, seconds, result in rows:
        n = len(result)
        ok = sum(1 for r in result if r)
        raised = sum(1 for r in result if r is None)
        flagged = n - ok - raised
        boxes = [r for r, k in zip(result, kinds, strict=True) if k == "box"]
        routes = [r for r, k in zip(result, kinds, strict=True) if k == "route"]
        print(f"{name:<16}{n / seconds:>10,.0f}{seconds / base:>18.2f}{ok / n:>9.1%}{flagged / n:>9.1%}"
              f"{raised / n:>8.1%}{sum(1 for r in boxes if r) / len(boxes):>10.1%}"
              f"{sum(1 for r in routes if r) / len(routes):>11.1%}")  # fmt: skip
    statedata = rows[0][2]
    assert all(r is not None for r in statedata), "statedata raised"
    boxes_ok = all(r for r, k in zip(statedata, kinds, strict=True) if k in ("box", "route"))
    print(f"\nstatedata standardized every PO box and route: {boxes_ok}; raised: never")


if __name__ == "__main__":
    main()
