"""What may cross between the grader and the student's process, and how.

Values travel as a JSON tree plus raw byte blobs (framed by channel.py).
Only plain data crosses by value: None, booleans, numbers, strings, bytes,
lists, tuples, dicts, dtypes, devices, slices, dense tensors and NumPy arrays.
Any other object stays in the process that owns it and crosses as a numbered
reference. Nothing is ever unpickled, so a hostile student process can send
wrong values but never code, nor objects whose comparisons lie.

An object sent twice in one message crosses once and arrives as one object: a
blob is decoded at most once, and a hand-made message that uses one blob for
two different values is refused. The decoder charges what it builds against a
byte budget (`max_bytes`), so a small message cannot unfold into a large one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from .channel import TooLarge

MAX_DEPTH = 64
NODE_BYTES = 64  # what one decoded value costs at least (a Python object's header and its slot)

_TORCH_DTYPES = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.float16, torch.bfloat16, torch.float32, torch.float64,
        torch.complex64, torch.complex128, torch.uint8, torch.int8,
        torch.int16, torch.int32, torch.int64, torch.bool,
    )
}
_NUMPY_KINDS = set("biufc")


class ProtocolError(Exception):
    """A frame that is malformed, too large or holds data we do not accept."""


@dataclass(frozen=True)
class Ref:
    """A reference to an object that lives in the other process."""

    id: int
    type_name: str = "object"
    text: str = ""


@dataclass(frozen=True)
class CallbackRef:
    """A grader-side callable that the student process may call back."""

    id: int


class Encoder:
    """Turns a value into (header, blobs); `to_ref` decides what crosses by reference."""

    def __init__(self, to_ref):
        self._to_ref = to_ref
        self.blobs: list = []
        self._sent: dict[int, tuple[object, dict]] = {}  # id -> (the object, kept alive; its node)

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) in (int, float):
            return value
        if isinstance(value, (np.integer, np.floating, np.bool_)) and type(value).__module__ == "numpy":
            return value.item()
        if type(value) in (list, tuple, torch.Size):
            items = [self.encode(item, depth + 1) for item in value]
            return items if type(value) is list else {"$tuple": items}
        if type(value) is dict or _is_plain_ordered_dict(value):
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if type(value) is bytes:
            return self._once(value, lambda: {"$bytes": self._blob(value)})
        if isinstance(value, torch.dtype):
            return {"$dtype": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"$device": str(value)}
        if type(value) is slice:
            return {"$slice": [self.encode(value.start), self.encode(value.stop), self.encode(value.step)]}
        if value is Ellipsis:
            return {"$ellipsis": True}
        if _is_plain_tensor(value):
            return self._once(value, lambda: self._tensor(value, depth))
        if type(value) is np.ndarray and value.dtype.kind in _NUMPY_KINDS:
            return self._once(value, lambda: self._ndarray(value))
        return self._to_ref(value)

    def _once(self, value, encode) -> dict:
        """The node of `value`, encoded on its first appearance in this message only."""
        if id(value) not in self._sent:
            self._sent[id(value)] = (value, encode())
        return self._sent[id(value)][1]

    def _blob(self, data) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _ndarray(self, array: np.ndarray) -> dict:
        array = np.ascontiguousarray(array)
        return {"$ndarray": [self._blob(_bytes_view(array)), array.dtype.str, list(array.shape)]}

    def _tensor(self, tensor: torch.Tensor, depth: int):
        data = tensor.detach() if tensor.is_meta else tensor.detach().to("cpu").contiguous()
        raw = _bytes_view(data.view(-1).view(torch.uint8).numpy()) if data.numel() and not data.is_meta else b""
        header = {
            "blob": self._blob(raw),
            "dtype": str(data.dtype).removeprefix("torch."),
            "shape": list(data.shape),
            "device": str(tensor.device),
            "requires_grad": tensor.requires_grad,
            "parameter": isinstance(tensor, torch.nn.Parameter),
        }
        if tensor.is_leaf and tensor.grad is not None and _is_plain_tensor(tensor.grad):
            header["grad"] = self._tensor(tensor.grad, depth + 1)
        return {"$tensor": header}


def _bytes_view(array: np.ndarray) -> memoryview:
    """The array's bytes without a copy (it stays alive while the message does)."""
    return memoryview(array.reshape(-1).view(np.uint8))


def _is_plain_ordered_dict(value) -> bool:
    return type(value) is OrderedDict


def _is_plain_tensor(value) -> bool:
    return (
        type(value) in (torch.Tensor, torch.nn.Parameter)
        and value.layout == torch.strided
        and str(value.dtype).removeprefix("torch.") in _TORCH_DTYPES
        and not value.is_quantized
    )


class Decoder:
    """Rebuilds plain values from (header, blobs); `from_ref` turns references into proxies.

    Raises TooLarge once what it has built passes `max_bytes` (None: no limit)."""

    def __init__(self, blobs: list, from_ref, from_callback=None, max_bytes: int | None = None):
        self._blobs = blobs
        self._from_ref = from_ref
        self._from_callback = from_callback
        self._bytes_left = max_bytes
        self._max_bytes = max_bytes
        self._decoded: dict[int, tuple[object, object]] = {}  # blob index -> (its node's body, the value)

    def decode(self, node, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ProtocolError("value nested too deeply")
        self._spend(NODE_BYTES + (len(node) if type(node) is str else 0))
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.decode(item, depth + 1) for item in node]
        if type(node) is not dict or len(node) != 1:
            raise ProtocolError(f"unexpected node {type(node).__name__}")
        (tag, body), = node.items()
        handler = getattr(self, "_" + tag.lstrip("$"), None)
        if not tag.startswith("$") or handler is None:
            raise ProtocolError(f"unknown tag {tag!r}")
        return handler(body, depth)

    def _spend(self, size: int) -> None:
        if self._bytes_left is not None:
            self._bytes_left -= size
            if self._bytes_left < 0:
                raise TooLarge(f"more than {self._max_bytes >> 20} MB")

    def _once(self, index, body, build):
        """The value of the blob `index` as `body` describes it, built on first use; every use must describe it alike."""
        if type(index) is int and index in self._decoded:
            first_body, value = self._decoded[index]
            if body != first_body:
                raise ProtocolError(f"blob {index} is used for two different values")
            return value
        value = build()
        self._decoded[index] = (body, value)
        return value

    def _tuple(self, body, depth):
        return tuple(self.decode(item, depth + 1) for item in _expect(body, list))

    def _dict(self, body, depth):
        result = {}
        for pair in _expect(body, list):
            key, value = _expect(pair, list)
            key = self.decode(key, depth + 1)
            try:
                result[key] = self.decode(value, depth + 1)
            except TypeError as error:
                raise ProtocolError(f"unhashable dict key: {error}") from None
        return result

    def _bytes(self, body, depth):
        return self._once(body, body, lambda: bytes(self._blob(body)))

    def _dtype(self, body, depth):
        try:
            return _TORCH_DTYPES[body]
        except (KeyError, TypeError):
            raise ProtocolError(f"unsupported dtype {body!r}") from None

    def _device(self, body, depth):
        try:
            return torch.device(_expect(body, str))
        except RuntimeError as error:
            raise ProtocolError(str(error)) from None

    def _slice(self, body, depth):
        start, stop, step = (self.decode(part, depth + 1) for part in _expect(body, list))
        return slice(start, stop, step)

    def _ellipsis(self, body, depth):
        return Ellipsis

    def _tensor(self, body, depth):
        body = _expect(body, dict)
        return self._once(body.get("blob"), body, lambda: self._new_tensor(body, depth))

    def _new_tensor(self, body: dict, depth: int) -> torch.Tensor:
        dtype = self._dtype(body.get("dtype"), depth)
        shape = [_expect(size, int) for size in _expect(body.get("shape"), list)]
        raw = self._blob(body.get("blob"))
        device = self._device(body.get("device"), depth)
        data_bytes = 0 if device.type == "meta" else _numel(shape) * dtype.itemsize  # a meta tensor has no data
        if any(size < 0 for size in shape) or len(raw) != data_bytes:
            raise ProtocolError("tensor data does not match its shape and dtype")
        if device.type == "meta":
            tensor = torch.empty(shape, dtype=dtype, device=device)
        elif raw:
            tensor = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
        else:
            tensor = torch.empty(shape, dtype=dtype)
        try:
            tensor = tensor.to(device)
        except (RuntimeError, AssertionError) as error:  # a device this machine lacks
            raise ProtocolError(f"cannot place a tensor on {device}: {error}") from None
        if body.get("parameter") is True:
            tensor = torch.nn.Parameter(tensor, requires_grad=body.get("requires_grad") is True)
        elif body.get("requires_grad") is True and (dtype.is_floating_point or dtype.is_complex):
            tensor.requires_grad_(True)
        if "grad" in body:
            grad = self.decode(body["grad"], depth + 1)
            if isinstance(grad, torch.Tensor) and grad.shape == tensor.shape and grad.dtype == tensor.dtype:
                tensor.grad = grad.detach()
        return tensor

    def _ndarray(self, body, depth):
        blob, dtype_str, shape = _expect(body, list)
        return self._once(blob, body, lambda: self._new_ndarray(blob, dtype_str, shape))

    def _new_ndarray(self, blob, dtype_str, shape) -> np.ndarray:
        try:
            dtype = np.dtype(_expect(dtype_str, str))
        except TypeError:
            raise ProtocolError(f"unsupported array dtype {dtype_str!r}") from None
        shape = [_expect(size, int) for size in _expect(shape, list)]
        raw = self._blob(blob)
        if dtype.kind not in _NUMPY_KINDS or len(raw) != _numel(shape) * dtype.itemsize:
            raise ProtocolError("array data does not match its shape and dtype")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()

    def _ref(self, body, depth):
        body = _expect(body, dict)
        return self._from_ref(Ref(_expect(body.get("id"), int), str(body.get("type", "object"))[:200], str(body.get("text", ""))[:500]))

    def _callback(self, body, depth):
        if self._from_callback is None:
            raise ProtocolError("callbacks are not accepted in this direction")
        return self._from_callback(CallbackRef(_expect(body, int)))

    def _blob(self, index):
        """The blob's bytes, charged to the budget (each blob is built into a value once)."""
        if type(index) is not int or not 0 <= index < len(self._blobs):
            raise ProtocolError("bad blob index")
        self._spend(len(self._blobs[index]))
        return self._blobs[index]


def _expect(value, kind):
    if type(value) is not kind:
        raise ProtocolError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _numel(shape) -> int:
    count = 1
    for size in shape:
        count *= size
    return count
