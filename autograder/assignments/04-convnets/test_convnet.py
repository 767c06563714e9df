"""The lecture's ConvNet for CIFAR10, its layer math and its parameters (lecture Part 05)."""

from collections import OrderedDict

import torch
from torch import nn

from autograder import testkit
from autograder.course_reference import lecture_cifar_net
from autograder.testkit import class_name, expect, expect_tensor, graded, seeded

CONVNET = "Part 05 · Convolutional Neural Networks (ConvNets)"
LAYER_MATH = "Part 05 · Layer math"

LAYERS = [
    ("conv1", "Conv2d"), ("act1", "Tanh"), ("pool1", "MaxPool2d"),
    ("conv2", "Conv2d"), ("act2", "Tanh"), ("pool2", "MaxPool2d"),
    ("flatten", "Flatten"), ("fc1", "Linear"), ("act3", "Tanh"), ("fc2", "Linear"),
]




def expect_lecture_state_dict(state, what):
    """`state` (names -> tensors) must have the keys and shapes of the lecture's Net."""
    expected = lecture_cifar_net(0).state_dict()
    expect(isinstance(state, dict), f"{what} should be a dict of tensors (a state_dict), got {testkit.describe(state)}")
    missing = [name for name in expected if name not in state]
    extra = [name for name in state if name not in expected]
    expect(not missing and not extra,
           f"{what} should have exactly the entries {list(expected)}; missing: {missing or 'none'}, unexpected: {extra or 'none'}. "
           "Name the layers conv1, conv2, fc1 and fc2 as in the table")
    for name, tensor in expected.items():
        actual = state[name]
        expect(isinstance(actual, torch.Tensor), f"{what}[{name!r}] should be a tensor, got {testkit.describe(actual)}")
        expect(actual.shape == tensor.shape, f"{what}[{name!r}] should have shape {list(tensor.shape)}, got {list(actual.shape)}")


def student_net_with(student, state):
    """A student Net holding the weights `state`, in evaluation mode."""
    model = student.Net()
    expect_lecture_state_dict(model.state_dict(), "Net().state_dict()")
    model.load_state_dict(state)
    model.eval()
    return model


# Net --------------------------------------------------------------------------


@graded(points=1, exercise="Net", section=CONVNET, visible=True)
def test_net_has_the_lectures_layers(student):
    """Net has the layers conv1, act1, pool1, conv2, act2, pool2, flatten, fc1, act3, fc2 with the lecture's sizes"""
    model = student.Net()
    children = student.lib("builtins.list")(model.named_children())
    found = [(name, class_name(child)) for name, child in children]
    expect(found == LAYERS, f"Net's layers (name, type), in the order they are created, should be {LAYERS}; found {found}")
    expect_lecture_state_dict(model.state_dict(), "Net().state_dict()")
    for name in ("conv1", "conv2"):
        conv = getattr(model, name)
        settings = (tuple(conv.kernel_size), tuple(conv.stride), tuple(conv.padding))
        expect(settings == ((3, 3), (1, 1), (1, 1)),
               f"{name} should have kernel_size=3, stride=1, padding=1; it has kernel_size={settings[0]}, stride={settings[1]}, padding={settings[2]}")
    reference = lecture_cifar_net(0)
    model.load_state_dict(reference.state_dict())
    model.eval()
    x = torch.randn(2, 3, 32, 32, generator=seeded(1))
    out = x
    for name, layer in reference.named_children():  # each layer judged by what it computes, on the lecture's weights
        with torch.no_grad():
            expected = layer(out)
        expect_tensor(getattr(model, name)(out), expected, f"Net's {name} (with the lecture's weights) on the output of the layer before it",
                      rtol=1e-4, atol=1e-5, check_device=False)
        out = expected
    expect_tensor(model(x), out, "Net()(x) for x of shape [2, 3, 32, 32]", rtol=1e-4, atol=1e-5, check_device=False)


@graded(points=2, exercise="Net", section=CONVNET, visible=True)
def test_net_computes_the_lectures_forward_pass(student):
    """Net with given weights turns a batch of 6 images into the lecture's [6, 10] scores (no softmax)"""
    reference = lecture_cifar_net(1)
    model = student_net_with(student, reference.state_dict())
    x = torch.randn(6, 3, 32, 32, generator=seeded(2))
    with torch.no_grad():
        expected = reference(x)
    expect_tensor(model(x), expected, "Net()(x) for x of shape [6, 3, 32, 32]", rtol=1e-4, atol=1e-5, check_device=False)


@graded(points=1, exercise="Net", section=LAYER_MATH)
def test_net_keeps_a_batch_of_one(student):
    """Net turns a batch of ONE image into scores of shape [1, 10]"""
    reference = lecture_cifar_net(3)
    model = student_net_with(student, reference.state_dict())
    x = torch.randn(1, 3, 32, 32, generator=seeded(4))
    with torch.no_grad():
        expected = reference(x)
    expect_tensor(model(x), expected, "Net()(x) for x of shape [1, 3, 32, 32]", rtol=1e-4, atol=1e-5, check_device=False)


# net_shapes ---------------------------------------------------------------------

# (name, class, args, kwargs): built in the student's process and, as a twin, here
SMALL_CONVNET = [
    ("conv", "Conv2d", (2, 4), {"kernel_size": (3, 5), "stride": 2, "padding": 1}),
    ("act", "ReLU", (), {}),
    ("pool", "MaxPool2d", (2,), {}),
    ("flat", "Flatten", (), {}),
    ("fc", "Linear", (4 * 5 * 7, 6), {}),
]
ONE_IMAGE_NET = [
    ("features", "Conv2d", (1, 3), {"kernel_size": 3}),
    ("squash", "Tanh", (), {}),
    ("pool", "MaxPool2d", (3,), {"stride": 1}),
    ("flatten", "Flatten", (), {}),
    ("scores", "Linear", (3 * 5 * 3, 4), {}),
]


def build_pair(student, spec, seed):
    """The same nn.Sequential in the student's process and here, with the same weights."""
    local = nn.Sequential(OrderedDict((name, getattr(nn, kind)(*args, **kwargs)) for name, kind, args, kwargs in spec))
    generator = seeded(seed)
    with torch.no_grad():
        for parameter in local.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
    remote = student.lib("torch.nn.Sequential")()
    for name, kind, args, kwargs in spec:
        remote.add_module(name, student.lib(f"torch.nn.{kind}")(*args, **kwargs))
    remote.load_state_dict(local.state_dict())
    return remote, local


def expected_shapes(local, x):
    shapes, out = [], x
    with torch.no_grad():
        for name, layer in local.named_children():
            out = layer(out)
            shapes.append((name, tuple(out.shape)))
    return shapes


def expect_shape_table(result, expected, what):
    expect(isinstance(result, (list, tuple)), f"{what} should return a list of (name, shape) pairs, got {testkit.describe(result)}")
    got = []
    for entry in result:
        expect(isinstance(entry, (list, tuple)) and len(entry) == 2,
               f"each entry of {what} should be a (name, shape) pair, got {testkit.describe(entry) if not isinstance(entry, (list, tuple)) else entry!r}")
        name, shape = entry
        expect(isinstance(shape, (list, tuple)) and all(type(size) is int for size in shape),
               f"the shape of {name!r} in {what} should be a tuple of ints like (4, 16, 32, 32), got {testkit.describe(shape) if not isinstance(shape, (list, tuple)) else shape!r}")
        got.append((name, tuple(shape)))
    names = [name for name, _ in expected]
    expect([name for name, _ in got] == names, f"{what} should list the layers {names} in order, one entry each; got {[name for name, _ in got]}")
    for (name, shape), (_, expected_shape) in zip(got, expected):
        expect(shape == expected_shape, f"in {what}, the output of {name!r} should have shape {expected_shape}, got {shape}")


@graded(points=2, exercise="net_shapes", section=LAYER_MATH, visible=True)
def test_net_shapes_lists_the_output_of_every_layer(student):
    """net_shapes gives each layer's output shape for a small ConvNet on a batch of 3 non-square images"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=5)
    x = torch.randn(3, 2, 21, 30, generator=seeded(6))
    expect_shape_table(student.net_shapes(remote, x), expected_shapes(local, x), "net_shapes(model, x) for x of shape [3, 2, 21, 30]")


@graded(points=1, exercise="net_shapes", section=LAYER_MATH)
def test_net_shapes_with_a_batch_of_one(student):
    """net_shapes keeps the batch dimension for a batch of one image"""
    remote, local = build_pair(student, ONE_IMAGE_NET, seed=7)
    x = torch.randn(1, 1, 9, 7, generator=seeded(8))
    expect_shape_table(student.net_shapes(remote, x), expected_shapes(local, x), "net_shapes(model, x) for x of shape [1, 1, 9, 7]")


# count_parameters ---------------------------------------------------------------


def expect_count(result, expected, what):
    expect(type(result) is int, f"{what} should be the int {expected}, got {testkit.describe(result)}")
    expect(result == expected, f"{what} should be {expected}, got {result}")


@graded(points=1, exercise="count_parameters", section=LAYER_MATH, visible=True)
def test_count_parameters_of_single_layers(student):
    """count_parameters counts weights and biases: 7850 for Linear(784, 10), 448 for Conv2d(3, 16, 3)"""
    expect_count(student.count_parameters(student.lib("torch.nn.Linear")(784, 10)), 7850, "count_parameters(nn.Linear(784, 10))")
    expect_count(student.count_parameters(student.lib("torch.nn.Conv2d")(3, 16, 3)), 448, "count_parameters(nn.Conv2d(3, 16, 3))")


@graded(points=1, exercise="count_parameters", section=LAYER_MATH)
def test_count_parameters_of_a_sequential_model(student):
    """count_parameters adds up all the layers of a model and leaves out buffers such as batch-norm statistics"""
    spec = [
        ("conv", "Conv2d", (3, 6, 5), {}), ("act", "ReLU", (), {}), ("flat", "Flatten", (), {}),
        ("fc", "Linear", (24, 7), {}), ("norm", "BatchNorm1d", (7,), {}), ("out", "Linear", (7, 3), {"bias": False}),
    ]
    remote, local = build_pair(student, spec, seed=9)
    expected = sum(parameter.numel() for parameter in local.parameters())
    expect_count(student.count_parameters(remote), expected, "count_parameters of Sequential(Conv2d(3, 6, 5), ReLU, Flatten, Linear(24, 7), BatchNorm1d(7), Linear(7, 3, bias=False))")


@graded(points=1, exercise="count_parameters", section=LAYER_MATH)
def test_count_parameters_skips_frozen_parameters(student):
    """count_parameters leaves out parameters with requires_grad=False"""
    remote, local = build_pair(student, [("frozen", "Linear", (5, 4), {}), ("trained", "Linear", (4, 3), {})], seed=10)
    remote[0].requires_grad_(False)
    expect_count(student.count_parameters(remote), 4 * 3 + 3, "count_parameters of Sequential(Linear(5, 4) frozen, Linear(4, 3))")
