"""The Files area: raw uploads stay inside the lakehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lakemesh.core.errors import Forbidden, InvalidInput, NotFound
from lakemesh.mesh import Mesh
from tests.conftest import user

LH = ("Sales", "sales_lakehouse")


def test_upload_list_download_delete(sales: Mesh, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes(b"id,name\n1,Ada\n")
    sales.upload_file(*LH, "crm/2026/export.csv", source)
    sales.upload_file(*LH, "readme.txt", b"hello")
    assert [f.path for f in sales.list_files(*LH)] == ["crm/2026/export.csv", "readme.txt"]
    assert [f.path for f in sales.list_files(*LH, "crm")] == ["crm/2026/export.csv"]
    assert sales.download_file(*LH, "crm/2026/export.csv") == b"id,name\n1,Ada\n"
    sales.delete_file(*LH, "readme.txt")
    with pytest.raises(NotFound):
        sales.download_file(*LH, "readme.txt")


def test_paths_cannot_escape(sales: Mesh) -> None:
    for bad in ["../../etc/passwd", "/etc/passwd", "a/../../b", "C:/x", "", "a/\x00b"]:
        with pytest.raises(InvalidInput):
            sales.upload_file(*LH, bad, b"x")
    with pytest.raises(InvalidInput):
        sales.download_file(*LH, "../../../catalog.db")


def test_symlink_out_of_the_area_is_refused(sales: Mesh, tmp_path: Path) -> None:
    sales.upload_file(*LH, "ok.txt", b"fine")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    files = Path(sales.get_lakehouse(*LH).location) / "Files"
    os.symlink(secret, files / "link.txt")
    with pytest.raises(InvalidInput):
        sales.download_file(*LH, "link.txt")


def test_viewers_read_but_do_not_write(sales: Mesh) -> None:
    sales.upload_file(*LH, "a.txt", b"a")
    viewer = user(sales, "vic@company.com")
    sales.add_member("Sales", "vic@company.com", "Viewer")
    assert viewer.download_file(*LH, "a.txt") == b"a"
    with pytest.raises(Forbidden):
        viewer.upload_file(*LH, "b.txt", b"b")
