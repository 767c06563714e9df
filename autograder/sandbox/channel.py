"""Frames over a stream socket: an 8-byte length, a JSON header, then raw byte blobs.

This module carries bytes only; what the header and blobs mean is protocol.py's
business. It imports nothing heavy, so the grader can start the sandbox
launcher before it imports torch.

A frame is read into one buffer and its blobs are views of it, never copies.
Its size, its header's and its number of blobs are capped (`TooLarge`): the
other side may be hostile, and a parsed JSON header takes many times its size
in Python objects.
"""

from __future__ import annotations

import json
import socket
import struct
import time

MAX_FRAME_BYTES = 256 << 20
MAX_HEADER_BYTES = 16 << 20
MAX_BLOBS = 1 << 17
_LENGTH = struct.Struct("!Q")


class FrameError(Exception):
    """A frame that is malformed."""


class TooLarge(Exception):
    """A frame, or the values decoded from it, over a size limit; the message says which limit, for the student."""


def pack(header, blobs: list) -> bytes:
    """One frame, without its length prefix."""
    return b"".join(_parts(header, blobs))


def _parts(header, blobs: list) -> list:
    head = json.dumps(header, allow_nan=True).encode()
    table = struct.pack(f"!I{len(blobs)}Q", len(blobs), *(len(blob) for blob in blobs))
    return [struct.pack("!I", len(head)), head, table, *blobs]


def unpack(frame) -> tuple[object, list[memoryview]]:
    """(header, blobs) of one frame (without its length prefix); the blobs are views of `frame`."""
    view = memoryview(frame)
    try:
        (head_len,) = struct.unpack_from("!I", view, 0)
        if head_len > MAX_HEADER_BYTES:
            raise TooLarge(f"more than {MAX_HEADER_BYTES >> 20} MB of numbers, strings and lists")
        header = json.loads(bytes(view[4:4 + head_len]))
        offset = 4 + head_len
        (count,) = struct.unpack_from("!I", view, offset)
        if count > MAX_BLOBS:
            raise TooLarge(f"more than {MAX_BLOBS} tensors, arrays and byte strings")
        sizes = struct.unpack_from(f"!{count}Q", view, offset + 4)
    except (struct.error, ValueError, RecursionError, UnicodeDecodeError) as error:
        raise FrameError(f"malformed frame: {error}") from None
    offset += 4 + 8 * count
    blobs = []
    for size in sizes:
        blobs.append(view[offset:offset + size])
        offset += size
    if offset != len(view):
        raise FrameError("frame length does not match its blobs")
    return header, blobs


class Channel:
    """Length-prefixed frames over a connected stream socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, header, blobs: list = ()) -> None:
        parts = _parts(header, list(blobs))
        self.sock.sendall(b"".join([_LENGTH.pack(sum(len(part) for part in parts)), *parts]))  # one copy of the blobs

    def receive(self, deadline: float | None = None):
        """Returns (header, blobs) of the next frame.

        `deadline` is a time.monotonic() value; raises TimeoutError when it
        passes, EOFError when the other side is gone, FrameError on bad data,
        TooLarge (before reading it) for a frame over MAX_FRAME_BYTES.
        """
        (length,) = _LENGTH.unpack(self._read_exactly(_LENGTH.size, deadline))
        if length > MAX_FRAME_BYTES:
            raise TooLarge(f"more than {MAX_FRAME_BYTES >> 20} MB")
        return unpack(self._read_exactly(length, deadline))

    def _read_exactly(self, size: int, deadline: float | None) -> bytearray:
        buffer = bytearray(size)
        view, received = memoryview(buffer), 0
        while received < size:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                count = self.sock.recv_into(view[received:], min(size - received, 1 << 20))
            except socket.timeout:
                raise TimeoutError from None
            if not count:
                raise EOFError("the other side closed the channel")
            received += count
        return buffer
