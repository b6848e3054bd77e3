"""The lineage graph as server-side SVG: upstream columns on the left, the root in the middle, downstream right.

The graph it draws is already filtered to what the viewer may see (the lineage service drops hidden nodes), so
the picture never shows more than the API would. Every name is escaped; links go to the node's own page.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import quote

from markupsafe import Markup, escape

from lakemesh.lineage.models import GraphNode, LineageGraph

NODE_W, NODE_H = 220, 36
COL_GAP, ROW_GAP = 60, 14
PAD = 12
MAX_PER_COLUMN = 12
CHAR_W = 7.2  # about one 12 px character: boxes grow to show the whole name, never an ellipsis
FILL = {
    "product": "#e6f0fa",
    "table": "#eaf5ec",
    "pipeline": "#fdf3e1",
    "step": "#fdf3e1",
    "job": "#f1ecf8",
    "dataset": "#f3f3f3",
}
STROKE = {
    "product": "#1f5fa8",
    "table": "#2d7a4a",
    "pipeline": "#8a5a00",
    "step": "#8a5a00",
    "job": "#5b3f8c",
    "dataset": "#555555",
}
INK, EDGE = "#1b1b1b", "#6b6b6b"


def node_href(node: GraphNode) -> str | None:
    """The page a node links to, when the UI has one."""
    kind, _, rest = node.id.partition(":")
    if kind == "product" and rest.count("/") == 1:
        domain, product = rest.split("/")
        return f"/products/{quote(domain)}/{quote(product)}"
    if kind == "pipeline" and rest.count("/") == 1:
        domain, pipeline = rest.split("/")
        return f"/domains/{quote(domain)}/pipelines/{quote(pipeline)}"
    if kind == "step" and rest.count("/") == 2:  # a step links to its pipeline
        domain, pipeline, _ = rest.split("/")
        return f"/domains/{quote(domain)}/pipelines/{quote(pipeline)}"
    if kind == "table" and rest.count(".") == 2:
        domain, lakehouse, table = rest.split(".")
        return f"/domains/{quote(domain)}/lakehouses/{quote(lakehouse)}/tables/{quote(table)}"
    return None


def layers(graph: LineageGraph) -> dict[str, int]:
    """Column of each node: 0 for the root, negative upstream, positive downstream (shortest hop count)."""
    following: dict[str, list[tuple[str, int]]] = {}
    for edge in graph.edges:
        following.setdefault(edge.source, []).append((edge.target, 1))
        following.setdefault(edge.target, []).append((edge.source, -1))
    placed = {graph.root: 0}
    queue = deque([graph.root])
    while queue:
        current = queue.popleft()
        for other, step in following.get(current, []):
            if other not in placed:
                placed[other] = placed[current] + step
                queue.append(other)
    return placed


def lineage_svg(graph: LineageGraph) -> Markup:
    nodes = {n.id: n for n in graph.nodes}
    columns: dict[int, list[GraphNode]] = {}
    for key, layer in sorted(layers(graph).items(), key=lambda kv: (kv[1], kv[0])):
        if key in nodes:
            columns.setdefault(layer, []).append(nodes[key])
    first = min(columns)
    node_w = max(NODE_W, 16 + round(CHAR_W * max(len(n.name) for n in nodes.values())))
    position: dict[str, tuple[float, float]] = {}
    hidden: dict[int, int] = {}
    for layer, members in columns.items():
        hidden[layer] = max(0, len(members) - MAX_PER_COLUMN)
        for row, node in enumerate(members[:MAX_PER_COLUMN]):
            position[node.id] = (PAD + (layer - first) * (node_w + COL_GAP), PAD + row * (NODE_H + ROW_GAP))
    tallest = max(min(len(m), MAX_PER_COLUMN) + (1 if hidden[layer] else 0) for layer, m in columns.items())
    width = PAD * 2 + len(range(first, max(columns) + 1)) * (node_w + COL_GAP) - COL_GAP
    height = PAD * 2 + tallest * (NODE_H + ROW_GAP) - ROW_GAP
    label = escape(f"Lineage of {nodes[graph.root].name}: {len(position)} nodes, {len(graph.edges)} edges")
    parts = [
        f'<svg class="lineage" role="group" aria-label="{label}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f"<title>{label}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{EDGE}"/></marker></defs>',
    ]
    for edge in graph.edges:
        if edge.source in position and edge.target in position:
            parts.append(_edge(position[edge.source], position[edge.target], edge.kind, node_w))
    for key, (x, y) in position.items():
        parts.append(_node(nodes[key], x, y, node_w, root=key == graph.root))
    for layer, count in hidden.items():
        if count:
            x = PAD + (layer - first) * (node_w + COL_GAP)
            y = PAD + MAX_PER_COLUMN * (NODE_H + ROW_GAP) + NODE_H / 2
            parts.append(f'<text x="{x + 6}" y="{y}" font-size="12" fill="{INK}">+{count} more</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built from numbers and escape()d text only


def _edge(source: tuple[float, float], target: tuple[float, float], kind: str, node_w: float) -> str:
    x1, y1 = source[0] + node_w, source[1] + NODE_H / 2
    x2, y2 = target[0], target[1] + NODE_H / 2
    if x2 <= x1:  # an edge within one column or backwards: leave from the bottom instead
        x1, y1 = source[0] + node_w / 2, source[1] + NODE_H
    bend = max(20.0, abs(x2 - x1) / 2)
    dash = ' stroke-dasharray="4 3"' if kind != "lineage" else ""
    return (
        f'<path d="M {x1} {y1} C {x1 + bend} {y1}, {x2 - bend} {y2}, {x2} {y2}" fill="none" stroke="{EDGE}" '
        f'stroke-width="1.5"{dash} marker-end="url(#arrow)"><title>{escape(kind)}</title></path>'
    )


def _node(node: GraphNode, x: float, y: float, node_w: float, *, root: bool) -> str:
    text = node.name
    width = 3 if root else 1.5
    box = (
        f'<rect x="{x}" y="{y}" width="{node_w}" height="{NODE_H}" rx="6" fill="{FILL.get(node.kind, "#ffffff")}" '
        f'stroke="{STROKE.get(node.kind, EDGE)}" stroke-width="{width}"/>'
        f'<text x="{x + 8}" y="{y + 14}" font-size="10" fill="{STROKE.get(node.kind, EDGE)}">{escape(node.kind)}</text>'
        f'<text x="{x + 8}" y="{y + 29}" font-size="12" fill="{INK}">{escape(text)}</text>'
    )
    title = f"<title>{escape(node.id)}</title>"
    href = node_href(node)
    if href is None:
        return f"<g>{title}{box}</g>"
    return f'<a href="{escape(href)}" aria-label="{escape(node.kind)} {escape(node.name)}">{title}{box}</a>'
