"""Dropout by hand, and nn.Dropout2d in the lecture's Net (lecture Part 05)."""

import math

import torch
import torch.nn.functional as F

from autograder.testkit import (ban, expect, expect_right_value, expect_tensor, expect_unmodified, graded, seeded,
                                watch)

SECTION = "Part 05 · Not relying too much on a single input: Dropout"
DROPOUT_CALLS = ban("a built-in dropout", torch.nn.modules.dropout, F.dropout, F.dropout1d, F.dropout2d, F.dropout3d,
                    F.alpha_dropout, F.feature_alpha_dropout, torch.dropout, torch.feature_dropout, torch.alpha_dropout)


def positive_inputs(seed, shape=(200, 500)):
    """float64 values in [0.5, 1.5): no entry is 0 by chance, so every 0 in a result was dropped."""
    return torch.rand(*shape, dtype=torch.float64, generator=seeded(seed)) + 0.5


def seed_student(student, seed):
    student.lib("torch.manual_seed")(seed)


# dropout ---------------------------------------------------------------------


def watched(student, cells):
    return watch(student, cells, "dropout", DROPOUT_CALLS)


def expect_dropped_out(y, x, p, what, tolerance=0.02):
    """`y`, from dropout(x, p, training=True) on positive x: a fraction p of zeros, the other entries x / (1 - p)."""
    expect(isinstance(y, torch.Tensor) and y.shape == x.shape and y.dtype == x.dtype,
           f"{what} on a float64 tensor of shape {list(x.shape)} should keep its shape and dtype, "
           f"got {y.dtype if isinstance(y, torch.Tensor) else type(y).__name__} {list(getattr(y, 'shape', []))}")
    dropped = y == 0
    fraction = dropped.double().mean().item()
    expect(abs(fraction - p) < tolerance,
           f"{what} zeroed {100 * fraction:.1f}% of {x.numel()} entries; expected about {100 * p:.0f}% "
           f"(p is the probability of DROPPING an entry)")
    expect_tensor(y[~dropped], x[~dropped] / (1 - p),
                  f"the entries that survive {what}, which should be x / (1 - p) = x * {1 / (1 - p):.4g}", rtol=1e-9)


@graded(points=1, exercise="dropout", section=SECTION, visible=True)
def test_dropout_is_the_identity_in_evaluation(student, submitted_cells):
    """with training=False, dropout returns x unchanged, every time (and with training=True it drops)"""
    dropout = watched(student, submitted_cells)
    x = torch.randn(4, 7, dtype=torch.float64, generator=seeded(1))
    for call in ("first", "second"):
        expect_tensor(dropout(x, 0.5, False), x,
                      f"dropout(x, 0.5, training=False), {call} call (in evaluation dropout returns x unchanged)", rtol=0, atol=0)
    seed_student(student, 1)
    x = positive_inputs(seed=1, shape=(50, 60))
    expect_dropped_out(dropout(x, 0.5, True), x, 0.5, "dropout(x, 0.5, training=True)", tolerance=0.05)


@graded(points=2, exercise="dropout", section=SECTION)
def test_dropout_zeroes_a_fraction_p_and_scales_the_survivors(student, submitted_cells):
    """with training=True, dropout zeroes a fraction p of the entries and divides the others by 1 - p"""
    dropout = watched(student, submitted_cells)
    seed_student(student, 2)
    x = positive_inputs(seed=3)
    for p in (0.3, 0.75):
        expect_dropped_out(dropout(x, p, True), x, p, f"dropout(x, {p}, training=True)")


@graded(points=1, exercise="dropout", section=SECTION)
def test_dropout_drops_each_entry_independently(student, submitted_cells):
    """dropout draws a fresh mask for every entry of every sample, at every call"""
    dropout = watched(student, submitted_cells)
    seed_student(student, 4)
    x = positive_inputs(seed=5, shape=(60, 80))
    first, second = (dropout(x, 0.5, True) for _ in range(2))
    expect_right_value(lambda: expect_dropped_out(first, x, 0.5, "dropout(x, 0.5, training=True)", tolerance=0.05))
    first, second = first == 0, second == 0
    expect(not (first == first[:1]).all(),
           "every row (sample) of the result has the same entries zeroed: draw the mask with the shape of x, e.g. torch.rand_like(x)")
    expect(not (first == first[:, :1]).all(),
           "whole rows (samples) are zeroed at once: draw one random number per entry, e.g. torch.rand_like(x)")
    expect(not torch.equal(first, second),
           "two calls of dropout(x, 0.5, training=True) zeroed exactly the same entries: draw a new mask at every call")


@graded(points=1, exercise="dropout", section=SECTION)
def test_dropout_leaves_its_input_alone(student, submitted_cells):
    """dropout returns a new tensor and does not modify x"""
    seed_student(student, 6)
    x = positive_inputs(seed=7, shape=(30, 40))
    result, (after, *_) = watched(student, submitted_cells).inputs_after(x.clone(), 0.4, True)
    expect_right_value(lambda: expect_dropped_out(result, x, 0.4, "dropout(x, 0.4, training=True)", tolerance=0.07))
    expect_unmodified(student, submitted_cells, "dropout", {0: "x"})
    expect_tensor(after, x,
                  "the caller's x after dropout(x, 0.4, training=True) (avoid in-place operations such as x.mul_ or x[mask] = 0)",
                  rtol=0, atol=0)


@graded(points=1, exercise="dropout", section=SECTION)
def test_dropout_is_written_by_hand(student, submitted_cells):
    """dropout does not call nn.Dropout or torch.nn.functional.dropout (and drops like dropout)"""
    seed_student(student, 8)
    x = positive_inputs(seed=9, shape=(40, 50))
    dropout = watched(student, submitted_cells)
    result = dropout(x, 0.4, True)
    expect_right_value(lambda: expect_dropped_out(result, x, 0.4, "dropout(x, 0.4, training=True)", tolerance=0.06))
    dropout.expect_not_used("build the mask yourself, e.g. with torch.rand_like(x) >= p")


# NetDropout --------------------------------------------------------------------

NET_KEYS = ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]


def net_weights(seed):
    """Weights for the lecture's Net, scaled by 1 / sqrt(fan-in) so that tanh does not saturate."""
    generator = seeded(seed)
    shapes = {"conv1.weight": (16, 3, 3, 3), "conv1.bias": (16,), "conv2.weight": (8, 16, 3, 3), "conv2.bias": (8,),
              "fc1.weight": (32, 512), "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}
    fan_in = {"conv1": 27, "conv2": 144, "fc1": 512, "fc2": 32}
    return {name: torch.randn(*shape, dtype=torch.float64, generator=generator) / math.sqrt(fan_in[name.split(".")[0]])
            for name, shape in shapes.items()}


def conv_block(x, weights, name):
    return F.max_pool2d(torch.tanh(F.conv2d(x, weights[f"{name}.weight"], weights[f"{name}.bias"], padding=1)), 2)


def net_forward(weights, x):
    """The lecture's Net (no dropout): what NetDropout computes in eval mode."""
    out = conv_block(conv_block(x, weights, "conv1"), weights, "conv2")
    out = torch.tanh(F.linear(out.flatten(1), weights["fc1.weight"], weights["fc1.bias"]))
    return F.linear(out, weights["fc2.weight"], weights["fc2.bias"])


def images(seed, n):
    return torch.randn(n, 3, 32, 32, dtype=torch.float64, generator=seeded(seed))


def student_net(student, weights, **kwargs):
    """The student's NetDropout in float64 with `weights`, after checking its parameter names."""
    model = student.NetDropout(**kwargs)
    keys = sorted(model.state_dict())
    expect(keys == NET_KEYS, f"NetDropout's parameters should be the lecture's Net's, {NET_KEYS} "
                             f"(attributes conv1, conv2, fc1, fc2; dropout has no parameters), got {keys}")
    model.double()
    model.load_state_dict(weights)
    return model


def record_inputs(model):
    """Registers hooks that keep the inputs of conv2 and fc1 (they run in the grader at each forward)."""
    seen = {}

    def keeper(name):
        def hook(module, args):
            seen[name] = args[0].detach().clone()
        return hook

    model.conv2.register_forward_pre_hook(keeper("conv2"))
    model.fc1.register_forward_pre_hook(keeper("fc1"))
    return seen


def expect_channel_dropout(seen, expected, p, where, tolerance):
    """`seen` [N, C, H, W]: every channel of every sample is all 0 or `expected` / (1 - p); about a fraction p is 0."""
    dropped = (seen == 0).flatten(2).all(dim=2)
    scaled = torch.isclose(seen, expected / (1 - p), rtol=1e-9, atol=1e-12).flatten(2).all(dim=2)
    wrong = ~(dropped | scaled)
    if wrong.any():
        n, c = (int(i) for i in wrong.nonzero()[0])
        zeros = int((seen[n, c] == 0).sum())
        raise_message = (
            f"in train() mode, channel {c} of sample {n} at the input of {where} is neither all zero nor the activations "
            f"scaled by 1 / (1 - p) = {1 / (1 - p):.4g} for p = {p} ({zeros} of its {seen[n, c].numel()} values are 0). "
            "nn.Dropout2d(p), placed after tanh and max-pooling, zeroes whole channels and scales the others"
        )
        expect(False, raise_message)
    fraction = dropped.double().mean().item()
    expect(abs(fraction - p) < tolerance,
           f"in train() mode, {100 * fraction:.1f}% of the {dropped.numel()} channels at the input of {where} are zeroed; "
           f"expected about {100 * p:.0f}% for p = {p}")


def expect_scores_from_fc1_input(out, seen, weights, what):
    """In train() mode the scores are fc2(tanh(fc1(h))) of the h that reached fc1 (which the grader saw)."""
    hidden = torch.tanh(F.linear(seen["fc1"].flatten(1), weights["fc1.weight"], weights["fc1.bias"]))
    expect_tensor(out, F.linear(hidden, weights["fc2.weight"], weights["fc2.bias"]),
                  f"the scores of {what}, from what reached fc1 (tanh after fc1, no softmax)", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="NetDropout", section=SECTION, visible=True)
def test_net_dropout_maps_images_to_ten_scores(student):
    """NetDropout maps [N, 3, 32, 32] to [N, 10], for one image and for several, in both modes"""
    weights = net_weights(seed=10)
    model = student_net(student, weights)
    for n in (1, 3):
        x = images(seed=10 + n, n=n)
        model.train()
        out = model(x)
        expect(isinstance(out, torch.Tensor) and list(out.shape) == [n, 10],
               f"NetDropout in train() mode should map [{n}, 3, 32, 32] to [{n}, 10], got "
               f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
        model.eval()
        expect_tensor(model(x), net_forward(weights, x), f"NetDropout() in eval() mode with known weights on [{n}, 3, 32, 32]",
                      rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="NetDropout", section=SECTION)
def test_net_dropout_in_eval_mode_is_the_lecture_net(student):
    """in eval() mode NetDropout is deterministic and computes the lecture's Net"""
    seed_student(student, 20)
    weights = net_weights(seed=21)
    model = student_net(student, weights, p=0.3)
    model.eval()
    x = images(seed=22, n=3)
    expected = net_forward(weights, x)
    for call in ("first", "second"):
        expect_tensor(model(x), expected, f"NetDropout(p=0.3) in eval() mode with known weights, {call} call "
                                          "(dropout must do nothing in evaluation)", rtol=1e-9, atol=1e-12)


@graded(points=2, exercise="NetDropout", section=SECTION)
def test_net_dropout_zeroes_whole_channels_in_training(student):
    """in train() mode NetDropout zeroes whole channels after each conv block, with probability p"""
    seed_student(student, 23)
    weights = net_weights(seed=24)
    model = student_net(student, weights, p=0.25)
    model.train()
    seen = record_inputs(model)
    x = images(seed=25, n=128)
    out = model(x)
    expect("conv2" in seen and "fc1" in seen, "NetDropout's forward should use conv2 and fc1")
    expect_right_value(lambda: expect_scores_from_fc1_input(out, seen, weights, "NetDropout(p=0.25) in train() mode"))
    expect_channel_dropout(seen["conv2"], conv_block(x, weights, "conv1"), 0.25, "conv2", tolerance=0.05)
    fc1_input = seen["fc1"].view(128, 8, 8, 8)
    expect_channel_dropout(fc1_input, conv_block(seen["conv2"], weights, "conv2"), 0.25, "fc1 (as 8 channels of 8 x 8)", tolerance=0.06)


@graded(points=1, exercise="NetDropout", section=SECTION)
def test_net_dropout_uses_p_0_4_by_default(student):
    """NetDropout() drops channels with probability 0.4"""
    seed_student(student, 26)
    weights = net_weights(seed=27)
    model = student_net(student, weights)
    model.train()
    seen = record_inputs(model)
    x = images(seed=28, n=128)
    out = model(x)
    expect("conv2" in seen and "fc1" in seen, "NetDropout's forward should use conv2 and fc1")
    expect_right_value(lambda: expect_scores_from_fc1_input(out, seen, weights, "NetDropout() in train() mode"))
    expect_channel_dropout(seen["conv2"], conv_block(x, weights, "conv1"), 0.4, "conv2 of NetDropout()", tolerance=0.06)
