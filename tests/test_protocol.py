"""The data-only channel: plain values round-trip, everything else becomes a reference, bad frames are refused."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

from autograder.sandbox.channel import FrameError, pack, unpack
from autograder.sandbox.protocol import Decoder, Encoder, ProtocolError, Ref


def round_trip(value):
    refs = []
    encoder = Encoder(lambda obj: refs.append(obj) or {"$ref": {"id": len(refs), "type": type(obj).__name__}})
    header, blobs = unpack(pack(encoder.encode(value), encoder.blobs))
    return Decoder(blobs, lambda ref: ref).decode(header), refs


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, None, True, "x"], 3: (b"bytes", torch.float64, torch.device("cpu"), slice(1, None, 2))}
    decoded, refs = round_trip(value)
    assert decoded == value and not refs


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool, torch.uint8])
def test_tensors_keep_values_shape_and_dtype(dtype):
    tensor = (torch.randn(3, 4, 2) * 10).to(dtype)
    decoded, _ = round_trip(tensor)
    assert type(decoded) is torch.Tensor and decoded.dtype == dtype and torch.equal(decoded, tensor)


def test_gradients_flags_and_parameters_cross():
    weight = torch.nn.Parameter(torch.ones(2, 2))
    weight.grad = torch.full((2, 2), 3.0)
    decoded, _ = round_trip([weight, torch.zeros(0, 5), torch.ones(2).requires_grad_()])
    assert isinstance(decoded[0], torch.nn.Parameter) and torch.equal(decoded[0].grad, weight.grad)
    assert decoded[1].shape == (0, 5)
    assert decoded[2].requires_grad


def test_arrays_and_ordered_dicts_cross_by_value():
    state = OrderedDict(weight=torch.ones(2), bias=torch.zeros(1))
    decoded, _ = round_trip([np.arange(6, dtype=np.float32).reshape(2, 3), state, np.float64(1.5)])
    assert np.array_equal(decoded[0], np.arange(6, dtype=np.float32).reshape(2, 3))
    assert list(decoded[1]) == ["weight", "bias"]
    assert decoded[2] == 1.5 and type(decoded[2]) is float


def test_other_objects_and_tensor_subclasses_become_references():
    class LyingTensor(torch.Tensor):
        def __eq__(self, other):
            return True

    lying = torch.ones(2).as_subclass(LyingTensor)
    decoded, refs = round_trip([torch.nn.Linear(2, 2), lying, {1, 2}])
    assert all(isinstance(item, Ref) for item in decoded)
    assert refs[1] is lying


@pytest.mark.parametrize("node", [
    {"$tensor": {"blob": 0, "dtype": "float32", "shape": [1000], "device": "cpu"}},
    {"$tensor": {"blob": 0, "dtype": "object", "shape": [1], "device": "cpu"}},
    {"$pickle": "payload"},
    {"$dict": [[[1, 2], 3]]},
    {"a": 1, "b": 2},
])
def test_malformed_values_are_refused(node):
    with pytest.raises(ProtocolError):
        Decoder([b"\x00" * 4], lambda ref: ref).decode(node)


def test_deep_nesting_is_refused():
    value = []
    for _ in range(200):
        value = [value]
    with pytest.raises(ProtocolError):
        Encoder(lambda obj: None).encode(value)


def test_frames_with_inconsistent_lengths_are_refused():
    frame = pack({"value": 1}, [b"abc"])
    with pytest.raises(FrameError):
        unpack(frame + b"extra")
    with pytest.raises(FrameError):
        unpack(frame[:5])
