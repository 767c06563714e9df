"""ResBlock and NetResDeep: shape, layers, the skip connection, distinct blocks, gradient flow (lecture Part 05)."""

import math

import pytest
import torch
import torch.nn.functional as F

from autograder.testkit import class_name, expect, expect_tensor, graded, seeded

RESNETS = "Part 05 · ResNets"
VERY_DEEP = "Part 05 · Building very deep models in PyTorch"
HEAD = ("conv1", "fc1", "fc2")




def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ResBlock ----------------------------------------------------------------------


def block_weights(n_chans, seed, conv_scale=1.0):
    generator = seeded(seed)
    return {
        "conv.weight": conv_scale * torch.randn(n_chans, n_chans, 3, 3, dtype=torch.float64, generator=generator) / math.sqrt(9 * n_chans),
        "batch_norm.weight": 1 + 0.3 * torch.randn(n_chans, dtype=torch.float64, generator=generator),
        "batch_norm.bias": 0.5 * torch.randn(n_chans, dtype=torch.float64, generator=generator),
        "batch_norm.running_mean": 0.3 * torch.randn(n_chans, dtype=torch.float64, generator=generator),
        "batch_norm.running_var": torch.rand(n_chans, dtype=torch.float64, generator=generator) + 0.5,
        "batch_norm.num_batches_tracked": torch.tensor(0),
    }


def block_forward(weights, x, training):
    """relu(batch_norm(conv(x))) + x, and the running statistics after it."""
    mean, var = weights["batch_norm.running_mean"].clone(), weights["batch_norm.running_var"].clone()
    out = F.conv2d(x, weights["conv.weight"], padding=1)
    out = F.batch_norm(out, mean, var, weights["batch_norm.weight"], weights["batch_norm.bias"],
                       training=training, momentum=0.1, eps=1e-5)
    return torch.relu(out) + x, mean, var


def expect_block_layers(state, n_chans):
    keys = sorted(state)
    expect("conv.bias" not in state, "ResBlock's convolution has a bias: create it with bias=False "
                                     "(the batch norm right after it subtracts each channel's mean, which cancels any bias)")
    expect("conv.weight" in state and list(state["conv.weight"].shape) == [n_chans, n_chans, 3, 3],
           f"ResBlock({n_chans}) should have self.conv = nn.Conv2d({n_chans}, {n_chans}, kernel_size=3, padding=1, bias=False), "
           f"whose weight has the shape [{n_chans}, {n_chans}, 3, 3]; its state_dict holds {keys}")
    for name in ("weight", "bias", "running_mean", "running_var"):
        key = f"batch_norm.{name}"
        expect(key in state and list(state[key].shape) == [n_chans],
               f"ResBlock({n_chans}) should have self.batch_norm = nn.BatchNorm2d({n_chans}) (with {key} of shape [{n_chans}]); "
               f"its state_dict holds {keys}")
    extra = [key for key in keys if not key.startswith(("conv.", "batch_norm."))]
    expect(not extra, f"ResBlock should hold only conv and batch_norm, but its state_dict also holds {extra}")


def student_block(student, weights, n_chans):
    block = student.ResBlock(n_chans)
    expect_block_layers(block.state_dict(), n_chans)
    block.double()
    block.load_state_dict(weights)
    return block


@graded(points=1, exercise="ResBlock", section=RESNETS, visible=True)
def test_resblock_keeps_the_shape(student):
    """ResBlock's output has the shape of its input (non-square maps, one sample or several)"""
    weights = block_weights(6, seed=1)
    block = student_block(student, weights, 6)
    block.eval()
    for shape in ((2, 6, 5, 9), (1, 6, 7, 4)):
        x = torch.randn(*shape, dtype=torch.float64, generator=seeded(1))
        out = block(x)
        expect(isinstance(out, torch.Tensor) and tuple(out.shape) == shape,
               f"ResBlock(6) on an input of shape {list(shape)} should give the same shape, got "
               f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__} (padding=1 keeps H and W)")
        expect_tensor(out, block_forward(weights, x, training=False)[0],
                      f"ResBlock(6) in eval() mode with known weights on an input of shape {list(shape)}", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="ResBlock", section=RESNETS)
def test_resblock_has_a_bias_free_conv_and_batch_norm(student):
    """ResBlock has a 3x3 convolution without bias and a BatchNorm2d"""
    block = student.ResBlock(5)
    expect_block_layers(block.state_dict(), 5)
    kind = class_name(block.batch_norm)
    expect(kind.endswith("BatchNorm2d"), f"self.batch_norm should be an nn.BatchNorm2d (for [N, C, H, W] feature maps), got {kind}")
    expect(count_parameters(block) == 5 * 5 * 9 + 2 * 5,
           f"ResBlock(5) should have 5 * 5 * 9 (conv) + 2 * 5 (batch norm) = 235 parameters, got {count_parameters(block)}")
    weights = block_weights(5, seed=8)
    block = student_block(student, weights, 5)
    block.eval()
    x = torch.randn(2, 5, 3, 4, dtype=torch.float64, generator=seeded(9))
    expect_tensor(block(x), block_forward(weights, x, training=False)[0],
                  "ResBlock(5) in eval() mode with known weights for its conv (no bias) and batch norm", rtol=1e-9, atol=1e-12)


@graded(points=2, exercise="ResBlock", section=RESNETS)
def test_resblock_adds_the_input_after_the_relu(student):
    """with zero conv weights, ResBlock returns relu(beta) + x: the skip connection is added after the ReLU"""
    n_chans = 6
    weights = block_weights(n_chans, seed=2)
    weights["conv.weight"] = torch.zeros(n_chans, n_chans, 3, 3, dtype=torch.float64)
    weights["batch_norm.bias"] = torch.tensor([-1.0, 2.0, 0.0, 0.5, -0.5, 1.5], dtype=torch.float64)
    weights["batch_norm.running_mean"] = torch.zeros(n_chans, dtype=torch.float64)
    weights["batch_norm.running_var"] = torch.ones(n_chans, dtype=torch.float64)
    block = student_block(student, weights, n_chans)
    x = torch.randn(3, n_chans, 4, 7, dtype=torch.float64, generator=seeded(3))
    expected = torch.relu(weights["batch_norm.bias"]).view(1, -1, 1, 1) + x
    for mode in ("train", "eval"):
        getattr(block, mode)()
        expect_tensor(block(x), expected, f"ResBlock in {mode}() mode with zero conv weights, where conv(x) = 0 and "
                      f"batch_norm gives beta = {weights['batch_norm.bias'].tolist()}: expected relu(beta) + x", rtol=1e-7, atol=1e-9)


@graded(points=1, exercise="ResBlock", section=RESNETS)
def test_resblock_in_training_matches_relu_bn_conv_plus_x(student):
    """ResBlock in train() mode computes relu(bn(conv(x))) + x and updates the running statistics"""
    weights = block_weights(5, seed=4)
    block = student_block(student, weights, 5)
    block.train()
    x = torch.randn(4, 5, 6, 3, dtype=torch.float64, generator=seeded(5))
    expected, mean, var = block_forward(weights, x, training=True)
    expect_tensor(block(x), expected, "ResBlock in train() mode with known weights", rtol=1e-9, atol=1e-12)
    state = block.state_dict()
    expect_tensor(state["batch_norm.running_mean"], mean, "the batch norm's running_mean after one training batch", rtol=1e-9, atol=1e-12)
    expect_tensor(state["batch_norm.running_var"], var, "the batch norm's running_var after one training batch", rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="ResBlock", section=RESNETS)
def test_resblock_in_evaluation_uses_the_running_statistics(student):
    """ResBlock in eval() mode normalizes with the running statistics"""
    weights = block_weights(5, seed=6)
    block = student_block(student, weights, 5)
    block.eval()
    x = torch.randn(3, 5, 4, 8, dtype=torch.float64, generator=seeded(7))
    expected, _, _ = block_forward(weights, x, training=False)
    expect_tensor(block(x), expected, "ResBlock in eval() mode with known weights and running statistics", rtol=1e-9, atol=1e-12)
    expect_tensor(block(x[1:2]), expected[1:2], "ResBlock in eval() mode on the second sample alone", rtol=1e-9, atol=1e-12)


# NetResDeep --------------------------------------------------------------------


def head_count(n_chans1):
    """conv1, fc1 and fc2: every parameter of NetResDeep outside the residual blocks."""
    return n_chans1 * (3 * 9 + 1) + 32 * (8 * 8 * n_chans1 + 1) + 10 * (32 + 1)


def net_weights(n_chans1, n_blocks, seed):
    """Weights for NetResDeep: conv1, fc1 and fc2, and different weights and statistics for every block."""
    generator = seeded(seed)
    shapes = {"conv1.weight": (n_chans1, 3, 3, 3), "conv1.bias": (n_chans1,), "fc1.weight": (32, 64 * n_chans1),
              "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}
    fan_in = {"conv1": 27, "fc1": 64 * n_chans1, "fc2": 32}
    weights = {name: torch.randn(*shape, dtype=torch.float64, generator=generator) / math.sqrt(fan_in[name.split(".")[0]])
               for name, shape in shapes.items()}
    for index in range(n_blocks):
        weights.update({f"resblocks.{index}.{name}": value for name, value in block_weights(n_chans1, seed + 1 + index).items()})
    return weights


def net_forward(weights, x, n_blocks, training=False):
    """NetResDeep's scores in the grader; in training, the running statistics in `weights` are replaced by the updated ones."""
    out = F.max_pool2d(torch.relu(F.conv2d(x, weights["conv1.weight"], weights["conv1.bias"], padding=1)), 2)
    for index in range(n_blocks):
        prefix = f"resblocks.{index}."
        block = {name.removeprefix(prefix): value for name, value in weights.items() if name.startswith(prefix)}
        out, mean, var = block_forward(block, out, training)
        weights[prefix + "batch_norm.running_mean"], weights[prefix + "batch_norm.running_var"] = mean, var
    out = F.max_pool2d(out, 2)
    out = torch.relu(F.linear(out.flatten(1), weights["fc1.weight"], weights["fc1.bias"]))
    return F.linear(out, weights["fc2.weight"], weights["fc2.bias"])


def student_net(student, weights, n_chans1, n_blocks):
    """The student's NetResDeep in float64 holding `weights`; what it computes with them decides the points."""
    model = student.NetResDeep(n_chans1=n_chans1, n_blocks=n_blocks)
    state = model.state_dict()
    missing = [key for key in weights if key not in state]
    extra = [key for key in state if key not in weights]
    what = f"NetResDeep(n_chans1={n_chans1}, n_blocks={n_blocks})"
    expect(not missing and not extra, f"{what} should hold conv1, resblocks (an nn.Sequential of ResBlocks) with "
                                      f"{n_blocks} blocks, fc1 and fc2; missing {missing[:6]}, unexpected {extra[:6]}")
    for key, value in weights.items():
        expect(state[key].shape == value.shape, f"{what}: {key} should have the shape {list(value.shape)}, got {list(state[key].shape)}")
    model.double()
    model.load_state_dict(weights)
    return model


def block_convolutions(names):
    return [name for name in names if name.endswith("conv.weight") and name.split(".")[0] not in HEAD]


SHARED_BLOCK_HINT = ("The lecture's n_blocks * [ResBlock(...)] repeats ONE block, so loading different weights into the "
                     "blocks leaves all of them with the last block's: create a new ResBlock for each position, "
                     "nn.Sequential(*[ResBlock(n_chans1) for _ in range(n_blocks)])")


def expect_known_scores(model, weights, x, n_blocks, what):
    expected = net_forward(dict(weights), x, n_blocks)
    expect_tensor(model(x), expected, what, rtol=1e-9, atol=1e-12)


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP, visible=True)
def test_net_res_deep_maps_images_to_ten_scores(student):
    """NetResDeep maps [N, 3, 32, 32] to [N, 10], for one image and for several"""
    weights = net_weights(8, 3, seed=1)
    model = student_net(student, weights, n_chans1=8, n_blocks=3)
    model.eval()
    for n in (1, 3):
        x = torch.randn(n, 3, 32, 32, dtype=torch.float64, generator=seeded(n))
        out = model(x)
        expect(isinstance(out, torch.Tensor) and list(out.shape) == [n, 10],
               f"NetResDeep(n_chans1=8, n_blocks=3) should map [{n}, 3, 32, 32] to [{n}, 10], got "
               f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
        expect_known_scores(model, weights, x, 3, f"the scores of NetResDeep(n_chans1=8, n_blocks=3) in eval() mode with known "
                            f"weights for [{n}, 3, 32, 32]")


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP)
def test_net_res_deep_layers_around_the_blocks(student):
    """NetResDeep with n_blocks=0 computes conv1, ReLU, max-pool, max-pool, fc1, ReLU, fc2"""
    weights = net_weights(6, 0, seed=10)
    model = student_net(student, weights, n_chans1=6, n_blocks=0)
    x = torch.randn(3, 3, 32, 32, dtype=torch.float64, generator=seeded(11))
    expect_known_scores(model, weights, x, 0, "the scores of NetResDeep(n_chans1=6, n_blocks=0) with known weights "
                        "(conv1, ReLU, max-pool 2, the blocks, max-pool 2, flatten, fc1, ReLU, fc2)")


@graded(points=2, exercise="NetResDeep", section=VERY_DEEP)
def test_net_res_deep_parameters_grow_with_every_block(student):
    """each of NetResDeep's n_blocks blocks brings its own parameters"""
    per_block = count_parameters(student.ResBlock(8))
    counts = {n_blocks: count_parameters(student.NetResDeep(n_chans1=8, n_blocks=n_blocks)) for n_blocks in (1, 2, 5)}
    expect(counts[2] != counts[1],
           f"NetResDeep(n_chans1=8) has {counts[1]} parameters with 1 block, {counts[2]} with 2 and {counts[5]} with 5: "
           "the blocks add no parameters. The lecture's n_blocks * [ResBlock(...)] repeats ONE block, and blocks kept in a "
           "plain Python list are not registered: use nn.Sequential(*[ResBlock(n_chans1) for _ in range(n_blocks)])")
    for n_blocks in (2, 5):
        expect(counts[n_blocks] - counts[1] == (n_blocks - 1) * per_block,
               f"going from 1 to {n_blocks} blocks, NetResDeep(n_chans1=8) grows by {counts[n_blocks] - counts[1]} parameters; "
               f"{n_blocks - 1} more distinct ResBlock(8) of {per_block} parameters each should add {(n_blocks - 1) * per_block}")
    expect(counts[1] == head_count(8) + per_block,
           f"NetResDeep(n_chans1=8, n_blocks=1) has {counts[1]} parameters; expected conv1 {8 * 28} + one ResBlock(8) "
           f"{per_block} + fc1 {32 * (64 * 8 + 1)} + fc2 330 = {head_count(8) + per_block} (fc1 takes 8 * 8 * n_chans1 features)")
    weights = net_weights(8, 5, seed=20)
    model = student_net(student, weights, n_chans1=8, n_blocks=5)
    model.eval()
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64, generator=seeded(21))
    expect_known_scores(model, weights, x, 5, "the scores of NetResDeep(n_chans1=8, n_blocks=5) in eval() mode with different "
                        f"known weights in each block. {SHARED_BLOCK_HINT}")


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP)
def test_net_res_deep_blocks_are_distinct(student):
    """NetResDeep's blocks are distinct modules: each keeps its own weights and running statistics"""
    weights = net_weights(4, 3, seed=12)
    model = student_net(student, weights, n_chans1=4, n_blocks=3)
    model.train()
    x = torch.randn(4, 3, 32, 32, dtype=torch.float64, generator=seeded(13))
    expected_weights = dict(weights)
    expected = net_forward(expected_weights, x, 3, training=True)
    expect_tensor(model(x), expected, f"the scores of NetResDeep(n_chans1=4, n_blocks=3) in train() mode with different known "
                  f"weights in each block. {SHARED_BLOCK_HINT}", rtol=1e-9, atol=1e-12)
    model.eval()
    expect_known_scores(model, expected_weights, x[:2], 3, "the scores of NetResDeep(n_chans1=4, n_blocks=3) in eval() mode after "
                        "one training batch: each block normalizes with its own running statistics")


@graded(points=2, exercise="NetResDeep", section=VERY_DEEP, timeout=30)
def test_net_res_deep_gradients_reach_every_block(student):
    """one SGD step through 20 blocks trains every block: the scores after it are those of the same step in the grader"""
    n_blocks, lr = 20, 0.1
    weights = net_weights(4, n_blocks, seed=30)
    model = student_net(student, weights, n_chans1=4, n_blocks=n_blocks)
    convs = block_convolutions(model.state_dict())
    expect(len(convs) == n_blocks, f"NetResDeep(n_chans1=4, n_blocks=20) should have 20 distinct block convolutions, got "
                                   f"{len(convs)}: create a new ResBlock for each position, inside an nn.Sequential")
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64, generator=seeded(31))
    y = torch.tensor([3, 7])
    model.train()
    optimizer = student.lib("torch.optim.SGD")(model.parameters(), lr=lr)
    scores = student.lib("builtins.map")(model, [x])  # the scores and the loss stay in the student's process, with their graph
    losses = student.lib("builtins.map")(student.lib("torch.nn.CrossEntropyLoss")(), scores, [y])
    student.lib("torch.autograd.backward")(losses)
    optimizer.step()
    model.eval()
    expected = reference_step(weights, x, y, n_blocks, lr)
    x_after = torch.randn(3, 3, 32, 32, dtype=torch.float64, generator=seeded(32))
    expect_known_scores(model, expected, x_after, n_blocks,
                        "the scores in eval() mode after one SGD step (lr 0.1) through NetResDeep(n_chans1=4, n_blocks=20): "
                        "every block must be registered, reached by forward and by the gradient, and trained by the optimizer")


def reference_step(weights, x, y, n_blocks, lr):
    """The weights after one plain SGD step on the cross-entropy, in train() mode (batch statistics), in the grader."""
    state = {name: value.clone().requires_grad_(not name.split(".")[-1].startswith(("running", "num_batches")))
             for name, value in weights.items()}
    loss = F.cross_entropy(net_forward(state, x, n_blocks, training=True), y)
    parameters = {name: value for name, value in state.items() if value.requires_grad}
    gradients = torch.autograd.grad(loss, list(parameters.values()))
    state.update({name: (value - lr * gradient) for (name, value), gradient in zip(parameters.items(), gradients)})
    return {name: value.detach() for name, value in state.items()}


@pytest.mark.gpu
@graded(points=1, exercise="NetResDeep", section=VERY_DEEP, timeout=60)
def test_net_res_deep_moves_to_the_gpu(student, device):
    """NetResDeep.to(device) moves every block, and runs there"""
    weights = net_weights(8, 3, seed=40)
    model = student_net(student, weights, n_chans1=8, n_blocks=3)
    model.to(device)
    model.eval()
    for key, value in model.state_dict().items():
        expect(value.device.type == device.type, f"after model.to({device}), {key} is on {value.device}: are all blocks registered?")
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64, generator=seeded(41))
    out = model(x.to(device))
    expect(isinstance(out, torch.Tensor) and out.device.type == device.type and list(out.shape) == [2, 10],
           f"NetResDeep on {device} should give scores [2, 10] on {device}, got "
           f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__} on {getattr(out, 'device', '?')}")
    expect_tensor(out.cpu(), net_forward(dict(weights), x, 3), f"the scores of NetResDeep on {device} with known weights",
                  rtol=1e-7, atol=1e-9)
