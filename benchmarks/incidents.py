"""What opening an incident and notifying 1,000 subscribers adds to a quality run, side by side in one run:

  (a) baseline: a home where incidents and subscriptions do not react (their after-commit hooks removed), a
      failing and then a passing quality run of the seed's Customer 360, repeated;
  (b) the same runs on a home where they do, with 1,000 principals subscribed: each failing run opens incidents
      (`quality` and, from the seed's 95% SLA, `sla:quality_score`) before it returns; each passing run resolves
      them. The notices to every subscriber are made from the outbox by the subscriptions consumer, timed
      separately: (c) one catch-up after each run (what the 5-second job or a reader's first look does).

Goal: (b) - (a) < 50 ms per run (median). Run:
    python3 benchmarks/incidents.py [--subscribers 1000] [--repeat 15] [--rows 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from lakemesh.catalog.tables.subscriptions import SubscriptionRow
from lakemesh.core.ids import new_id
from lakemesh.core.settings import Settings
from lakemesh.demo.data import customer_360
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

TABLE = ("Sales", "sales_lakehouse", "gold_customer_360")
PRODUCT = ("Sales", "customer-360")


def home(path: Path, rows: int, subscribers: int, *, reacting: bool) -> tuple[Mesh, pa.Table, pa.Table]:
    platform = Platform(Settings(home=path))
    platform.initialize()
    if not reacting:  # the baseline: incidents and subscriptions installed but not reacting to commits
        platform.catalog._on_events = [h for h in platform.catalog._on_events if h[0] != platform.incidents.refresh]
    mesh = Mesh(platform, platform.principals.bootstrap_admin())
    from tests.unit.products.seed import CUSTOMER_360  # the seed's product document

    mesh.create_principal("sales-data-team@company.com")
    mesh.create_domain("Sales")
    mesh.create_lakehouse("Sales", "sales_lakehouse")
    good = customer_360(rows, now=datetime.now(UTC))
    index = good.schema.get_field_index("lifetime_value")
    values = [v if i % 10 else -1 for i, v in enumerate(good.column(index).to_pylist())]
    bad = good.set_column(index, good.schema.field(index), pa.array(values, good.schema.field(index).type))
    mesh.write_table(*TABLE, good)
    mesh.create_product(CUSTOMER_360)
    mesh.publish_product(*PRODUCT)
    product_id = mesh.get_product(*PRODUCT).id
    now = datetime.now(UTC)
    with platform.catalog.transaction() as session:  # 1,000 subscribers, written at once (setup, not measured)
        session.add_all(
            SubscriptionRow(
                id=new_id("sub"),
                product_id=product_id,
                subscriber_kind="principal",
                subscriber_id=new_id("prn"),
                subscriber=f"consumer-{i}@company.com",
                opted_out=False,
                created_by="benchmark",
                created_at=now,
            )
            for i in range(subscribers)
        )
    return mesh, good, bad


def timed_runs(mesh: Mesh, good: pa.Table, bad: pa.Table, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"failing": [], "passing": [], "delivery": []}
    for _ in range(repeat):
        for name, data in (("failing", bad), ("passing", good)):
            mesh.write_table(*TABLE, data, mode="overwrite")
            mesh.platform.subscriptions.catch_up()  # the write's own events, not timed
            started = time.perf_counter()
            mesh.run_quality(*PRODUCT, mode="full")
            times[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            mesh.platform.subscriptions.catch_up()
            times["delivery"].append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    results: dict[str, dict[str, list[float]]] = {}
    notified = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, reacting in (("baseline", False), ("incidents", True)):
            mesh, good, bad = home(Path(tmp) / label, args.rows, args.subscribers, reacting=reacting)
            mesh.run_quality(*PRODUCT, mode="full")  # warm the engine pool
            results[label] = timed_runs(mesh, good, bad, args.repeat)
            if reacting:
                with mesh.platform.catalog.read() as session:
                    from sqlalchemy import func, select

                    from lakemesh.catalog.tables.subscriptions import NotificationRow

                    notified = int(session.scalar(select(func.count()).select_from(NotificationRow)) or 0)
                incidents = mesh.list_incidents(*PRODUCT, state="all")
            mesh.platform.close()
    print(f"quality run of {args.rows:,} rows, {args.subscribers:,} subscribers, {args.repeat} repeats (median ms)")
    print(f"{'run':<10}{'(a) baseline':>14}{'(b) incidents':>15}{'(b)-(a)':>10}{'(b)/(a)':>9}")
    summary: dict[str, Any] = {}
    for name in ("failing", "passing"):
        a = statistics.median(results["baseline"][name])
        b = statistics.median(results["incidents"][name])
        summary[name] = b - a
        print(f"{name:<10}{a:>14.1f}{b:>15.1f}{b - a:>10.1f}{b / a:>9.2f}")
    delivery = statistics.median(results["incidents"]["delivery"])
    baseline_delivery = statistics.median(results["baseline"]["delivery"])
    print(
        f"(c) outbox delivery after a run (median): {delivery:.1f} ms with incidents, "
        f"{baseline_delivery:.1f} ms without"
    )
    print(f"incidents opened and resolved: {len(incidents)}; notifications written: {notified:,}")
    worst = max(summary.values())
    print(f"goal: (b)-(a) < 50 ms per run -> {'met' if worst < 50 else 'NOT met'} ({worst:.1f} ms)")


if __name__ == "__main__":
    main()
