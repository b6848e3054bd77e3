"""Classifying a 30-column table with the default sample, at 1M and 10M rows, side by side in one run.

Goal (issue 22): `classify_table` on the 10M-row table <= 3 s, and its cost independent of the row count beyond
the sample (the 10M / 1M ratio near 1.0). The tables hold e-mails, phones, names, addresses, IBANs, IPs, dates of
birth, free text and numbers drawn from Faker pools (fixed seed). Run:
    python3 benchmarks/classification.py [--rows 10000000] [--small 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from faker import Faker

CHUNK = 1_000_000
POOL = 2000
DOMAIN, LAKEHOUSE = "Bench", "bench_lakehouse"


def pools() -> dict[str, list[str]]:
    fake = Faker("en_US")
    fake.seed_instance(22)
    makers = {
        "email": fake.email,
        "contact": fake.free_email,
        "phone": fake.phone_number,
        "customer_name": fake.name,
        "address": lambda: fake.address().replace("\n", ", "),
        "iban": fake.iban,
        "client_ip": fake.ipv4,
        "date_of_birth": lambda: fake.date_of_birth().isoformat(),
        "ssn": fake.ssn,
        "card_number": fake.credit_card_number,
        "city": fake.city,
        "company": fake.company,
        "comment": fake.sentence,
        "sku": lambda: fake.bothify("SKU-####-??"),
        "status": lambda: fake.random_element(["open", "closed", "pending"]),
    }
    return {name: [make() for _ in range(POOL)] for name, make in makers.items()}


def chunk(rows: int, offset: int, pool: dict[str, list[str]]) -> pa.Table:
    rng = np.random.default_rng(offset)
    columns: dict[str, pa.Array] = {}
    for name, values in pool.items():  # 15 text columns
        columns[name] = pa.array(values).take(pa.array(rng.integers(0, POOL, rows)))
    for i in range(10):  # 10 integer columns (ids that look like phone numbers among them)
        columns[f"n{i}"] = pa.array(rng.integers(1_000_000_000, 9_999_999_999, rows))
    for i in range(5):  # 5 doubles
        columns[f"x{i}"] = pa.array(rng.random(rows))
    return pa.table(columns)


def build(mesh: object, table: str, rows: int, pool: dict[str, list[str]]) -> float:
    started = time.perf_counter()
    written = 0
    while written < rows:
        n = min(CHUNK, rows - written)
        mesh.write_table(DOMAIN, LAKEHOUSE, table, chunk(n, written, pool))  # type: ignore[attr-defined]
        written += n
    return time.perf_counter() - started


def timed(mesh: object, table: str, repeat: int) -> tuple[float, float, int, int]:
    """Best wall time and best CPU time of this process (the latter is what a loaded machine does not inflate)."""
    times, cpu, scan = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        scan = mesh.classify_table(DOMAIN, LAKEHOUSE, table)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert scan is not None
    return min(times), min(cpu), scan.sample_rows, len(scan.suggestions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from lakemesh.mesh import Mesh

    with tempfile.TemporaryDirectory() as home:
        mesh = Mesh.open(Path(home))
        mesh.create_domain(DOMAIN)
        mesh.create_lakehouse(DOMAIN, LAKEHOUSE)
        pool = pools()
        small_build = build(mesh, "small", args.small, pool)
        big_build = build(mesh, "big", args.rows, pool)
        print(f"built {args.small:,} rows in {small_build:.1f} s, {args.rows:,} rows in {big_build:.1f} s (30 columns)")
        small, small_cpu, sampled, found = timed(mesh, "small", args.repeat)
        big, big_cpu, sampled_big, found_big = timed(mesh, "big", args.repeat)
        print(
            f"{'table':<10}{'rows':>14}{'sampled':>9}{'suggestions':>13}"
            f"{f'wall (best of {args.repeat})':>22}{'cpu':>10}"
        )
        print(f"{'small':<10}{args.small:>14,}{sampled:>9}{found:>13}{small:>20.3f} s{small_cpu:>8.3f} s")
        print(f"{'big':<10}{args.rows:>14,}{sampled_big:>9}{found_big:>13}{big:>20.3f} s{big_cpu:>8.3f} s")
        rows_ratio = args.rows / args.small
        print(f"big / small: wall {big / small:.2f}x, cpu {big_cpu / small_cpu:.2f}x (rows {rows_ratio:.0f}x)")
        print(
            f"goal <= 3 s on the big table: wall {'met' if big <= 3 else 'NOT met'}, "
            f"cpu {'met' if big_cpu <= 3 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
