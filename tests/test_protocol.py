"""The data-only channel: plain values round-trip, everything else becomes a reference, bad frames are refused,
and no frame or value costs the receiver more than its caps."""

import socket
import struct
from collections import OrderedDict

import numpy as np
import pytest
import torch

from autograder.sandbox import channel
from autograder.sandbox.channel import FrameError, TooLarge, pack, unpack
from autograder.sandbox.protocol import NODE_BYTES, Decoder, Encoder, ProtocolError, Ref


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


def test_an_object_sent_twice_crosses_once_and_arrives_as_one_object():
    tensor, array, data = torch.arange(6.0), np.arange(4), b"xyz"
    encoder = Encoder(lambda obj: None)
    header = encoder.encode([tensor, array, data, tensor, array, data])
    assert len(encoder.blobs) == 3
    decoded = Decoder(unpack(pack(header, encoder.blobs))[1], lambda ref: ref).decode(header)
    assert decoded[0] is decoded[3] and decoded[1] is decoded[4] and decoded[2] is decoded[5]
    assert torch.equal(decoded[0], tensor) and np.array_equal(decoded[1], array) and decoded[2] == data


def tensor_node(blob=0, shape=(1 << 18,), dtype="float32"):
    return {"$tensor": {"blob": blob, "dtype": dtype, "shape": list(shape), "device": "cpu"}}


def test_a_blob_referenced_many_times_is_decoded_once_within_its_budget():
    blob = bytes(1 << 20)
    references = 1000
    budget = len(blob) + (references + 1) * NODE_BYTES  # the blob once, and a node per reference and for the list
    decoded = Decoder([blob], lambda ref: ref, max_bytes=budget).decode([tensor_node()] * references)
    assert len(decoded) == references and all(tensor is decoded[0] for tensor in decoded)
    assert decoded[0].untyped_storage().nbytes() == len(blob)


def test_a_blob_used_for_two_different_values_is_refused():
    with pytest.raises(ProtocolError, match="two different values"):
        Decoder([bytes(1 << 20)], lambda ref: ref).decode([tensor_node(), tensor_node(shape=(1 << 19,), dtype="int16")])
    with pytest.raises(ProtocolError, match="two different values"):
        Decoder([bytes(8)], lambda ref: ref).decode([{"$bytes": 0}, {"$ndarray": [0, "<f8", [1]]}])


@pytest.mark.parametrize("node, blobs", [
    ([[]] * 2000, []),  # many small values
    ([tensor_node(blob) for blob in range(3)], [bytes(1 << 20)] * 3),  # many large ones
    ("x" * 200_000, []),
])
def test_decoding_past_the_budget_raises_too_large(node, blobs):
    with pytest.raises(TooLarge, match="more than 0 MB"):
        Decoder(blobs, lambda ref: ref, max_bytes=100_000).decode(node)


def test_frames_over_the_header_or_blob_caps_are_refused(monkeypatch):
    monkeypatch.setattr(channel, "MAX_HEADER_BYTES", 1000)
    monkeypatch.setattr(channel, "MAX_BLOBS", 10)
    with pytest.raises(TooLarge, match="numbers, strings and lists"):
        unpack(pack([0] * 1000, []))
    with pytest.raises(TooLarge, match="tensors, arrays and byte strings"):
        unpack(pack(None, [b""] * 11))
    unpack(pack([0] * 100, [b""] * 10))


def test_a_frame_over_the_size_cap_is_refused_before_it_is_read():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(struct.pack("!Q", channel.MAX_FRAME_BYTES + 1))  # the frame itself never comes
        with pytest.raises(TooLarge, match=f"more than {channel.MAX_FRAME_BYTES >> 20} MB"):
            channel.Channel(ours).receive(deadline=None)


def test_blobs_are_views_of_the_frame_and_decoded_values_are_copies():
    tensor = torch.arange(4.0)
    encoder = Encoder(lambda obj: None)
    frame = bytearray(pack(encoder.encode(tensor), encoder.blobs))
    header, blobs = unpack(frame)
    assert blobs[0].obj is frame
    decoded = Decoder(blobs, lambda ref: ref).decode(header)
    frame[:] = bytes(len(frame))
    assert torch.equal(decoded, tensor)

