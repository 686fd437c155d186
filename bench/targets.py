"""Benchmark: the target parser on 100,000 mixed phrases (goal: >= 50,000 phrases/s).

    .venv/bin/python bench/targets.py [--phrases 100000] [--goal 50000]

Pure Python, no database: large spreadsheet imports should never wait on the
parser. The phrases mix every family (years, fiscal forms, quarters and halves
in words, dates, ranges, seasons, decades, open ends, relative phrases read
against a stating date, bracketed years) with varying years, so the figure is
the parser's, not a cache's. Prints phrases/s and the goal; exits 1 below it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from milestones.domain.targets import parse_target

TEMPLATES = (
    "{y}", "by {y}", "around {y}", "{y}/{n2}", "FY{y}", "fiscal {y}", "H2 {y}", "Q3 {y}",
    "third quarter of {y}", "the first half of {y}", "early {y}", "late {y}", "end of {y}",
    "March {y}", "March 15, {y}", "15th March {y}", "between {y} and {n}", "Q4 {y} to Q1 {n}",
    "summer of {y}", "winter {y}/{n2}", "first half of fiscal {y}", "fiscal Q3 {y}",
    "by the end of fiscal {y}", "the fiscal year ending March {y}", "the early {d}s",
    "the mid-{d}s", "the late {d}s", "the second half of the {d}s", "{y} onwards", "after {y}",
    "{y} at the earliest", "this year", "next year", "later this year", "within two years",
    "in the next 12 months", "the fourth quarter", "by the end of November",
    "the second half of the year ({y})", "by the end of the decade", "{y} (at the motor show)",
    "{y}-35", "../{y}", "{y}/..",
)  # fmt: skip


def phrases(count: int, seed: int = 12) -> list[tuple[str, int, date]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        y = rng.randrange(2020, 2045)
        text = rng.choice(TEMPLATES).format(y=y, n=y + 1, n2=f"{(y + 1) % 100:02d}", d=y - y % 10)
        stated_on = date(2020, 1, 1) + timedelta(days=rng.randrange(3650))
        out.append((text, rng.choice((1, 4)), stated_on))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=int, default=100_000)
    parser.add_argument("--goal", type=float, default=50_000)
    args = parser.parse_args()
    work = phrases(args.phrases)
    started = time.perf_counter()
    for text, fiscal, stated_on in work:
        parse_target(text, fiscal_year_start=fiscal, opened_on=stated_on, stated_on=stated_on)
    elapsed = time.perf_counter() - started
    rate = len(work) / elapsed
    print(
        f"target parser: {len(work):,} phrases in {elapsed:.2f} s = {rate:,.0f} phrases/s (goal >= {args.goal:,.0f})"
    )
    if rate < args.goal:
        print("FAIL: below goal")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
