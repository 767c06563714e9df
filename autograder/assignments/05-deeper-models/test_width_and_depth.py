"""NetWidth and NetDepth: output shapes, parameter counts as functions of n_chans1, known-weight outputs (Part 05)."""

import math

import torch
import torch.nn.functional as F

from autograder.testkit import expect, expect_tensor, graded, seeded

WIDTH = "Part 05 · Adding width"
DEPTH = "Part 05 · Adding depth"
WIDTH_RECIPE = "tanh after conv1, conv2 and fc1; max-pool 2 after each convolution"
DEPTH_RECIPE = "ReLU after conv1, conv2, conv3 and fc1; max-pool 2 after each convolution"
DEFAULT_N_CHANS1 = 32


def conv_params(c_in, c_out):
    return c_out * (c_in * 9 + 1)


def linear_params(n_in, n_out):
    return n_out * (n_in + 1)


def width_shapes(n_chans1):
    half = n_chans1 // 2
    return {"conv1.weight": (n_chans1, 3, 3, 3), "conv1.bias": (n_chans1,), "conv2.weight": (half, n_chans1, 3, 3),
            "conv2.bias": (half,), "fc1.weight": (32, 8 * 8 * half), "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}


def depth_shapes(n_chans1):
    half = n_chans1 // 2
    return {"conv1.weight": (n_chans1, 3, 3, 3), "conv1.bias": (n_chans1,), "conv2.weight": (half, n_chans1, 3, 3),
            "conv2.bias": (half,), "conv3.weight": (half, half, 3, 3), "conv3.bias": (half,),
            "fc1.weight": (32, 4 * 4 * half), "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}


def width_count(n_chans1):
    half = n_chans1 // 2
    return conv_params(3, n_chans1) + conv_params(n_chans1, half) + linear_params(8 * 8 * half, 32) + linear_params(32, 10)


def depth_count(n_chans1):
    half = n_chans1 // 2
    return (conv_params(3, n_chans1) + conv_params(n_chans1, half) + conv_params(half, half)
            + linear_params(4 * 4 * half, 32) + linear_params(32, 10))


def known_weights(shapes, seed):
    """Random weights scaled by 1 / sqrt(fan-in), so that no activation saturates."""
    generator = seeded(seed)
    weights = {}
    for name, shape in shapes.items():
        fan_in = math.prod(shapes[name.replace("bias", "weight")][1:])
        weights[name] = torch.randn(*shape, dtype=torch.float64, generator=generator) / math.sqrt(fan_in)
    return weights


def block(x, weights, name, activation):
    return F.max_pool2d(activation(F.conv2d(x, weights[f"{name}.weight"], weights[f"{name}.bias"], padding=1)), 2)


def head(out, weights, activation):
    out = activation(F.linear(out.flatten(1), weights["fc1.weight"], weights["fc1.bias"]))
    return F.linear(out, weights["fc2.weight"], weights["fc2.bias"])


def width_forward(weights, x):
    return head(block(block(x, weights, "conv1", torch.tanh), weights, "conv2", torch.tanh), weights, torch.tanh)


def depth_forward(weights, x):
    out = x
    for name in ("conv1", "conv2", "conv3"):
        out = block(out, weights, name, torch.relu)
    return head(out, weights, torch.relu)


def expect_parameter_shapes(state, shapes, what):
    """The state_dict holds exactly the named parameters, with these shapes."""
    missing = [key for key in shapes if key not in state]
    extra = [key for key in state if key not in shapes]
    expect(not missing and not extra, f"{what} should hold the parameters {list(shapes)}; "
                                      f"missing {missing}, unexpected {extra} (use the attribute names of the table)")
    for key, shape in shapes.items():
        expect(list(state[key].shape) == list(shape), f"{what}: {key} should have the shape {list(shape)}, got {list(state[key].shape)}")


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def student_model(student, name, shapes, n_chans1, weights):
    """The student's model in float64 holding `weights`; what it computes with them decides the points."""
    model = getattr(student, name)() if n_chans1 is None else getattr(student, name)(n_chans1=n_chans1)
    expect_parameter_shapes(model.state_dict(), shapes, f"{name}(n_chans1={n_chans1 or DEFAULT_N_CHANS1})")
    model.double()
    model.load_state_dict(weights)
    return model


def expect_known_outputs(student, name, shapes, forward, seed, recipe, widths=(12, 13), batch_sizes=(3,)):
    """Scores of the student's model with known weights, for each width (None: the default, 32) and batch size."""
    for n_chans1 in widths:
        channels = n_chans1 or DEFAULT_N_CHANS1
        weights = known_weights(shapes(channels), seed + channels)
        model = student_model(student, name, shapes(channels), n_chans1, weights)
        for n in batch_sizes:
            x = torch.randn(n, 3, 32, 32, dtype=torch.float64, generator=seeded(seed + n))
            out = model(x)
            what = f"{name}({'' if n_chans1 is None else f'n_chans1={n_chans1}'})"
            expect(isinstance(out, torch.Tensor) and list(out.shape) == [n, 10],
                   f"{what} should map [{n}, 3, 32, 32] to [{n}, 10], got "
                   f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
            expect_tensor(out, forward(weights, x), f"the scores of {what} with known weights for [{n}, 3, 32, 32] ({recipe})",
                          rtol=1e-9, atol=1e-12)


def expect_parameter_count(student, name, expected_count, layers):
    for n_chans1 in (32, 13):
        got = count_parameters(getattr(student, name)(n_chans1=n_chans1))
        expect(got == expected_count(n_chans1),
               f"{name}(n_chans1={n_chans1}) has {got} parameters; expected {expected_count(n_chans1)} ({layers(n_chans1)})")


def width_layers(c):
    half = c // 2
    return (f"conv1 {conv_params(3, c)} + conv2 {conv_params(c, half)} + fc1 {linear_params(64 * half, 32)} "
            f"+ fc2 {linear_params(32, 10)}, with n_chans1 // 2 = {half} channels in conv2 and 8 * 8 * {half} inputs to fc1")


def depth_layers(c):
    half = c // 2
    return (f"conv1 {conv_params(3, c)} + conv2 {conv_params(c, half)} + conv3 {conv_params(half, half)} "
            f"+ fc1 {linear_params(16 * half, 32)} + fc2 {linear_params(32, 10)}, with n_chans1 // 2 = {half} channels "
            f"in conv2 and conv3 and 4 * 4 * {half} inputs to fc1")


@graded(points=1, exercise="NetWidth", section=WIDTH, visible=True)
def test_net_width_maps_images_to_ten_scores(student):
    """NetWidth maps [N, 3, 32, 32] to [N, 10], for one image and for several"""
    expect_known_outputs(student, "NetWidth", width_shapes, width_forward, seed=300, recipe=WIDTH_RECIPE,
                         widths=(None, 20), batch_sizes=(1, 3))


@graded(points=1, exercise="NetWidth", section=WIDTH)
def test_net_width_parameter_count_follows_n_chans1(student):
    """NetWidth's parameter count follows n_chans1 (even and odd widths)"""
    expect_parameter_count(student, "NetWidth", width_count, width_layers)
    expect_known_outputs(student, "NetWidth", width_shapes, width_forward, seed=400, recipe=WIDTH_RECIPE, widths=(32, 13))


@graded(points=2, exercise="NetWidth", section=WIDTH)
def test_net_width_computes_the_lecture_net(student):
    """NetWidth with known weights gives the scores of the lecture's Net: tanh, max-pool, tanh, max-pool, tanh"""
    expect_known_outputs(student, "NetWidth", width_shapes, width_forward, seed=100, recipe=WIDTH_RECIPE)


@graded(points=1, exercise="NetDepth", section=DEPTH, visible=True)
def test_net_depth_maps_images_to_ten_scores(student):
    """NetDepth maps [N, 3, 32, 32] to [N, 10], for one image and for several"""
    expect_known_outputs(student, "NetDepth", depth_shapes, depth_forward, seed=500, recipe=DEPTH_RECIPE,
                         widths=(None, 20), batch_sizes=(1, 3))


@graded(points=1, exercise="NetDepth", section=DEPTH)
def test_net_depth_parameter_count_follows_n_chans1(student):
    """NetDepth's parameter count follows n_chans1 (even and odd widths)"""
    expect_parameter_count(student, "NetDepth", depth_count, depth_layers)
    expect_known_outputs(student, "NetDepth", depth_shapes, depth_forward, seed=600, recipe=DEPTH_RECIPE, widths=(32, 13))


@graded(points=2, exercise="NetDepth", section=DEPTH)
def test_net_depth_computes_three_relu_conv_blocks(student):
    """NetDepth with known weights gives the scores of three conv + ReLU + max-pool blocks and two linear layers"""
    expect_known_outputs(student, "NetDepth", depth_shapes, depth_forward, seed=200, recipe=DEPTH_RECIPE)
