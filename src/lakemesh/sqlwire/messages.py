"""PostgreSQL protocol v3 messages the endpoint sends, and the reader for the ones it receives."""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import Sequence

import pyarrow as pa

from lakemesh.sqlwire import types

_I32 = struct.Struct("!i")
_CALL = re.compile(r"^(?:\w+\.)?(\w+)\(.*\)$", re.DOTALL)


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + _I32.pack(len(payload) + 4) + payload


def cstring(text: str) -> bytes:
    return text.encode() + b"\x00"


async def read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One typed message: (type byte, payload)."""
    head = await reader.readexactly(5)
    length = _I32.unpack(head[1:])[0]
    if not 4 <= length <= 64 * 1024 * 1024:
        raise ValueError("message length out of range")
    return head[:1], await reader.readexactly(length - 4)


class Payload:
    """Reads the fields of one message in order."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def int16(self) -> int:
        value: int = struct.unpack_from("!h", self.data, self.at)[0]
        self.at += 2
        return value

    def int32(self) -> int:
        value: int = struct.unpack_from("!i", self.data, self.at)[0]
        self.at += 4
        return value

    def string(self) -> str:
        end = self.data.index(b"\x00", self.at)
        text = self.data[self.at : end].decode()
        self.at = end + 1
        return text

    def raw(self, n: int) -> bytes:
        value = self.data[self.at : self.at + n]
        self.at += n
        return value

    def byte(self) -> bytes:
        return self.raw(1)


def error_response(sqlstate: str, text: str, *, severity: str = "ERROR", hint: str | None = None) -> bytes:
    fields = b"S" + cstring(severity) + b"V" + cstring(severity) + b"C" + cstring(sqlstate) + b"M" + cstring(text)
    if hint:
        fields += b"H" + cstring(hint)
    return message(b"E", fields + b"\x00")


def ready(status: str) -> bytes:
    return message(b"Z", status.encode())


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", cstring(name) + cstring(value))


def command_complete(tag: str) -> bytes:
    return message(b"C", cstring(tag))


def parameter_description(oids: Sequence[int]) -> bytes:
    return message(b"t", struct.pack("!h", len(oids)) + b"".join(_I32.pack(o) for o in oids))


def formats_for(codes: Sequence[int], count: int) -> list[int]:
    """Bind's result format codes expanded to one per column (none = text, one = all)."""
    if not codes:
        return [0] * count
    if len(codes) == 1:
        return [codes[0]] * count
    return list(codes[:count]) + [0] * (count - len(codes))


def column_label(name: str) -> str:
    """The column name PostgreSQL would give: `count(*)` is `count`, `lower(x)` is `lower`."""
    if name == "count_star()":
        return "count"
    match = _CALL.match(name)
    return match.group(1) if match else name


def row_description(schema: pa.Schema, formats: Sequence[int]) -> bytes:
    parts = [struct.pack("!h", len(schema))]
    for field, fmt in zip(schema, formats, strict=False):
        oid = types.pg_type(field.type)
        size = types.TYPE_SIZES.get(oid, -1)
        parts.append(cstring(column_label(field.name)) + struct.pack("!ihihih", 0, 0, oid, size, -1, fmt))
    return message(b"T", b"".join(parts))
