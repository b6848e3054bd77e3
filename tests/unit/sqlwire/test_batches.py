"""Results leave in batches of DataRows, the next encoded while the last is sent: the bytes a client reads must be
those of one message stream, in order, whatever the batch size, and a client that leaves stops its own stream."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pyarrow as pa
import pytest

from lakemesh.sqlwire import connection
from lakemesh.sqlwire.rows import data_rows
from tests.asyncio_support import run_coroutine


class Writer:
    """What `_send_rows` needs of an asyncio StreamWriter; `fail_at` makes the n-th drain find the client gone."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.writes: list[bytes] = []
        self.fail_at = fail_at
        self.drains = 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    async def drain(self) -> None:
        self.drains += 1
        await asyncio.sleep(0)
        if self.drains == self.fail_at:
            raise ConnectionResetError("the client went away")


def _result(rows: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "name": pa.array([None if i % 5 == 0 else f"n{i}" * (i % 4) for i in range(rows)]),
            "amount": pa.array([Decimal(i) / 100 for i in range(rows)], pa.decimal128(10, 2)),
            "ratio": pa.array([i / 7 if i % 3 else None for i in range(rows)], pa.float64()),
        }
    )


def _send(writer: Writer, result: pa.Table, formats: list[int], start: int, stop: int) -> None:
    sender = object.__new__(connection.Connection)  # _send_rows uses nothing of a live connection
    run_coroutine(sender._send_rows(writer, result, formats, start, stop, "UTC"))  # type: ignore[arg-type]


@pytest.mark.parametrize("formats", [[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 1, 0]])
def test_batches_concatenate_to_the_rows_of_one_message_stream(
    monkeypatch: pytest.MonkeyPatch, formats: list[int]
) -> None:
    monkeypatch.setattr(connection, "ROWS_PER_WRITE", 7)
    result = _result(100)
    writer = Writer()
    _send(writer, result, formats, 3, 95)
    assert b"".join(writer.writes) == data_rows(result, formats, 3, 95)
    assert len(writer.writes) == 14  # 92 rows, 7 a batch


def test_wide_rows_make_smaller_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "BYTES_PER_WRITE", 1000)
    wide = pa.table({"text": ["x" * 300] * 10})
    assert connection.batch_rows(wide) == 3


def test_a_client_that_leaves_stops_its_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "ROWS_PER_WRITE", 10)
    writer = Writer(fail_at=2)
    with pytest.raises(ConnectionResetError):
        _send(writer, _result(100), [0, 0, 0, 0], 0, 100)
    assert len(writer.writes) == 2  # nothing more is written once the client is gone
