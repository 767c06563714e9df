"""Frames over a stream socket: an 8-byte length, a JSON header, then raw byte blobs.

This module carries bytes only; what the header and blobs mean is protocol.py's
business. It imports nothing heavy, so the grader can start the sandbox
launcher before it imports torch.
"""

from __future__ import annotations

import json
import socket
import struct
import time

MAX_FRAME_BYTES = 256 * 1024 * 1024
_LENGTH = struct.Struct("!Q")


class FrameError(Exception):
    """A frame that is malformed or over the size limit."""


def pack(header, blobs: list[bytes]) -> bytes:
    head = json.dumps(header, allow_nan=True).encode()
    table = struct.pack(f"!I{len(blobs)}Q", len(blobs), *(len(blob) for blob in blobs))
    return b"".join([struct.pack("!I", len(head)), head, table, *blobs])


def unpack(frame: bytes):
    try:
        (head_len,) = struct.unpack_from("!I", frame, 0)
        header = json.loads(frame[4:4 + head_len])
        offset = 4 + head_len
        (count,) = struct.unpack_from("!I", frame, offset)
        sizes = struct.unpack_from(f"!{count}Q", frame, offset + 4)
    except (struct.error, ValueError, RecursionError, UnicodeDecodeError) as error:
        raise FrameError(f"malformed frame: {error}") from None
    offset += 4 + 8 * count
    blobs = []
    for size in sizes:
        blobs.append(frame[offset:offset + size])
        offset += size
    if offset != len(frame):
        raise FrameError("frame length does not match its blobs")
    return header, blobs


class Channel:
    """Length-prefixed frames over a connected stream socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, header, blobs: list[bytes] = ()) -> None:
        frame = pack(header, list(blobs))
        self.sock.sendall(_LENGTH.pack(len(frame)) + frame)

    def receive(self, deadline: float | None = None):
        """Returns (header, blobs) of the next frame.

        `deadline` is a time.monotonic() value; raises TimeoutError when it
        passes, EOFError when the other side is gone, FrameError on bad data.
        """
        (length,) = _LENGTH.unpack(self._read_exactly(_LENGTH.size, deadline))
        if length > MAX_FRAME_BYTES:
            raise FrameError(f"message of {length} bytes is over the {MAX_FRAME_BYTES} byte limit")
        return unpack(self._read_exactly(length, deadline))

    def _read_exactly(self, size: int, deadline: float | None) -> bytes:
        chunks, remaining = [], size
        while remaining:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except socket.timeout:
                raise TimeoutError from None
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
