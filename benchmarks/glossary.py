"""Glossary search with 10k terms and 100k links, on SQLite (and PostgreSQL with --postgres), side by side.

(a) `mesh.list_glossary_terms(q=...)`: names, synonyms and definitions, ranked, with each hit's link count
    (limit 100, the API's default; (a') with limit 20, a search box's page);
(b) baseline: one raw `SELECT ... WHERE search_text LIKE ? OR lower(definition) LIKE ? LIMIT 100` on the same
    catalog connection (the bare scan, without ranking or the term views);
(c) `mesh.get_glossary_term(name)`: a term's page with its links;
(d) `mesh.search(q=synonym)`: discovery finds the product whose columns are linked to the term.
Queries mix exact names, synonyms, prefixes, definition words and misses. Goal (issue 26): p95 of (a) < 50 ms.
    python3 benchmarks/glossary.py [--terms 10000] [--links 100000] [--queries 300] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from sqlalchemy import insert, text

from lakemesh.catalog.tables.glossary import GlossaryLinkRow, GlossaryTermRow
from lakemesh.core.settings import Settings
from lakemesh.glossary.checks import term_key
from lakemesh.glossary.service import search_text
from lakemesh.mesh import Mesh
from lakemesh.platform import Platform

WORDS = [
    "customer", "churn", "revenue", "order", "invoice", "account", "segment", "campaign", "lead", "margin",
    "region", "product", "supplier", "shipment", "return", "refund", "claim", "policy", "risk", "score",
]  # fmt: skip


CPU: dict[int, list[float]] = {}  # id(wall timings) -> this process's CPU ms per query (the machine is shared)
SERVER: dict[int, float] = {}  # id(wall timings) -> mean PostgreSQL backend CPU ms per query
BACKENDS: list[Callable[[], dict[int, float]]] = []  # CPU seconds per backend of this catalog, when local


def timings(queries: list[str], run: Callable[[str], object]) -> list[float]:
    out, cpu = [], []
    before = BACKENDS[0]() if BACKENDS else {}
    for q in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        run(q)
        out.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU[id(out)] = cpu
    if BACKENDS:
        after = BACKENDS[0]()
        spent = sum(after[pid] - before.get(pid, 0.0) for pid in after)
        SERVER[id(out)] = spent * 1000 / max(len(queries), 1)
    return out


def backend_cpu(platform: Platform) -> Callable[[], dict[int, float]]:
    """utime + stime of every backend serving this database (the pool's included), read from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    sql = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")

    def per_backend() -> dict[int, float]:
        with platform.catalog.engine.connect() as connection:
            pids = [row[0] for row in connection.execute(sql)]
        seconds = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return seconds

    return per_backend


def p(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


def load(platform: Platform, mesh: Mesh, terms: int, links: int) -> None:
    mesh.create_domain("Sales")
    mesh.create_lakehouse("Sales", "sales_lakehouse")
    mesh.write_table("Sales", "sales_lakehouse", "gold_customer_360", pa.table({"churn_risk": [0.1]}))
    domain_id = mesh.get_domain("sales").id
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows, link_rows = [], []
    for i in range(terms):
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}"
        synonyms = [f"{rng.choice(WORDS)} {rng.choice(WORDS)} alias {i}"]
        rows.append(
            {
                "id": f"term_{i:08d}", "key": term_key(name), "name": name, "domain_id": domain_id,
                "parent_id": None, "definition": f"The {rng.choice(WORDS)} of {rng.choice(WORDS)}, as finance counts.",
                "status": "approved", "owners": [], "stewards": [], "synonyms": synonyms, "related": [],
                "search_text": search_text(name, synonyms), "version": 1, "created_by": "bench", "created_at": now,
                "updated_by": "bench", "updated_at": now,
            }
        )  # fmt: skip
    for i in range(links):
        link_rows.append(
            {
                "id": f"tlk_{i:09d}", "term_id": f"term_{i % terms:08d}", "target_kind": "column",
                "target_id": f"tbl_{i:09d}", "table_id": f"tbl_{i:09d}", "column_name": f"c{i % 50}",
                "domain_id": domain_id, "qualified_name": f"sales.sales_lakehouse.t{i}.c{i % 50}",
                "status": "linked", "created_by": "bench", "created_at": now,
            }
        )  # fmt: skip
    with platform.catalog.transaction() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(GlossaryTermRow), rows[start : start + 5000])
        for start in range(0, len(link_rows), 5000):
            session.execute(insert(GlossaryLinkRow), link_rows[start : start + 5000])
    mesh.put_glossary_term("Churn risk", {"domain": "sales", "synonyms": ["churn probability"]})
    mesh.link_glossary_term("Churn risk", "sales.sales_lakehouse.gold_customer_360.churn_risk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL catalog URL (an empty database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        platform = Platform(Settings(home=Path(home), catalog_url=args.postgres, scheduler=False))
        platform.initialize()
        mesh = Mesh(platform, platform.principals.bootstrap_admin())
        started = time.perf_counter()
        load(platform, mesh, args.terms, args.links)
        print(f"catalog: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.terms:,} terms, {args.links:,} links "
              f"loaded in {time.perf_counter() - started:.1f} s")  # fmt: skip
        if args.postgres and Path("/proc").exists():
            BACKENDS.append(backend_cpu(platform))
        rng = random.Random(11)
        kinds = [
            lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(args.terms)}",  # exact-ish name
            lambda: f"alias {rng.randrange(args.terms)}",  # a synonym
            lambda: rng.choice(WORDS)[:4],  # a prefix matching thousands
            lambda: "finance counts",  # a definition phrase matching all
            lambda: f"nothing{rng.randrange(10_000)}",  # a miss
        ]
        queries = [kinds[i % len(kinds)]() for i in range(args.queries)]
        ours = timings(queries, lambda q: mesh.list_glossary_terms(q=q))
        page_of_20 = timings(queries, lambda q: mesh.list_glossary_terms(q=q, limit=20))

        def raw(q: str) -> object:
            like = f"%{q.lower()}%"
            sql = text(
                "SELECT id, name FROM glossary_terms WHERE search_text LIKE :q OR lower(definition) LIKE :q LIMIT 100"
            )
            with platform.catalog.connect() as connection:
                return connection.execute(sql, {"q": like}).all()

        baseline = timings(queries, raw)
        analyzed: list[float] = []
        if args.postgres:
            # the load above is one bulk insert; a server with autovacuum on (the default) analyzes and vacuums
            # the tables soon after, which lets the link counts read the (term_id, status) index alone
            engine = platform.catalog.engine.execution_options(isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                autovacuum = connection.execute(text("SHOW autovacuum")).scalar()
                connection.execute(text("VACUUM ANALYZE glossary_terms, glossary_links, glossary_term_versions"))
            print(f"autovacuum on this server: {autovacuum}; (a'') is (a) after VACUUM ANALYZE")
            analyzed = timings(queries, lambda q: mesh.list_glossary_terms(q=q))
        names = [r.name for r in mesh.list_glossary_terms(limit=200)]
        pages = timings(names[: args.queries], mesh.get_glossary_term)
        found = mesh.search("churn probability")
        searches = timings(["churn probability"] * 50, mesh.search)
        assert [h.qualified_name for h in found if h.kind == "table"], "the synonym must find the linked table"
        server = "  server CPU/query" if SERVER else ""
        print(f"{'':32s} {'p50 ms':>8s} {'p95 ms':>8s} {'CPU p50':>8s} {'CPU p95':>8s}{server}  (CPU: this process)")
        for label, values in (
            ("(a) list_glossary_terms(q)", ours),
            ("(a') the same, limit=20", page_of_20),
            *([("(a'') (a) after VACUUM ANALYZE", analyzed)] if analyzed else []),
            ("(b) raw LIKE scan (baseline)", baseline),
            ("(c) get_glossary_term (page)", pages),
            ("(d) search(synonym)", searches),
        ):
            cpu = CPU[id(values)]
            print(
                f"{label:32s} {statistics.median(values):8.2f} {p(values, 0.95):8.2f} "
                f"{statistics.median(cpu):8.2f} {p(cpu, 0.95):8.2f}"
                + (f" {SERVER[id(values)]:17.2f}" if id(values) in SERVER else "")
            )
        print(f"ratio p95 (a)/(b): {p(ours, 0.95) / p(baseline, 0.95):.2f}x; goal p95 (a) < 50 ms: "
              f"{'met' if p(ours, 0.95) < 50 else 'NOT met'}")  # fmt: skip
        platform.close()


if __name__ == "__main__":
    main()
