"""ResBlock and NetResDeep: shape, layers, the skip connection, distinct blocks, gradient flow (lecture Part 05)."""

import math

import pytest
import torch
import torch.nn.functional as F

from autograder.testkit import expect, expect_tensor, graded, seeded

RESNETS = "Part 05 · ResNets"
VERY_DEEP = "Part 05 · Building very deep models in PyTorch"
HEAD = ("conv1", "fc1", "fc2")


def type_name(obj) -> str:
    name = getattr(obj, "type_name", None)  # a proxy for an object in the student's process
    return name if isinstance(name, str) else f"{type(obj).__module__}.{type(obj).__qualname__}"


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
    for shape in ((2, 6, 5, 9), (1, 6, 7, 4)):
        out = student.ResBlock(6)(torch.randn(*shape, generator=seeded(1)))
        expect(isinstance(out, torch.Tensor) and tuple(out.shape) == shape,
               f"ResBlock(6) on an input of shape {list(shape)} should give the same shape, got "
               f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__} (padding=1 keeps H and W)")


@graded(points=1, exercise="ResBlock", section=RESNETS)
def test_resblock_has_a_bias_free_conv_and_batch_norm(student):
    """ResBlock has a 3x3 convolution without bias and a BatchNorm2d"""
    block = student.ResBlock(5)
    expect_block_layers(block.state_dict(), 5)
    kind = type_name(block.batch_norm)
    expect(kind.endswith("BatchNorm2d"), f"self.batch_norm should be an nn.BatchNorm2d (for [N, C, H, W] feature maps), got {kind}")
    expect(count_parameters(block) == 5 * 5 * 9 + 2 * 5,
           f"ResBlock(5) should have 5 * 5 * 9 (conv) + 2 * 5 (batch norm) = 235 parameters, got {count_parameters(block)}")


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


def head_weights(n_chans1, seed):
    generator = seeded(seed)
    shapes = {"conv1.weight": (n_chans1, 3, 3, 3), "conv1.bias": (n_chans1,), "fc1.weight": (32, 64 * n_chans1),
              "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}
    fan_in = {"conv1": 27, "fc1": 64 * n_chans1, "fc2": 32}
    return {name: torch.randn(*shape, dtype=torch.float64, generator=generator) / math.sqrt(fan_in[name.split(".")[0]])
            for name, shape in shapes.items()}


def head_forward(weights, x):
    """NetResDeep without residual blocks."""
    out = F.max_pool2d(torch.relu(F.conv2d(x, weights["conv1.weight"], weights["conv1.bias"], padding=1)), 2)
    out = F.max_pool2d(out, 2)
    out = torch.relu(F.linear(out.flatten(1), weights["fc1.weight"], weights["fc1.bias"]))
    return F.linear(out, weights["fc2.weight"], weights["fc2.bias"])


def block_convolutions(names):
    return [name for name in names if name.endswith("conv.weight") and name.split(".")[0] not in HEAD]


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP, visible=True)
def test_net_res_deep_maps_images_to_ten_scores(student):
    """NetResDeep maps [N, 3, 32, 32] to [N, 10], for one image and for several"""
    model = student.NetResDeep(n_chans1=8, n_blocks=3)
    for n in (1, 3):
        out = model(torch.randn(n, 3, 32, 32, generator=seeded(n)))
        expect(isinstance(out, torch.Tensor) and list(out.shape) == [n, 10],
               f"NetResDeep(n_chans1=8, n_blocks=3) should map [{n}, 3, 32, 32] to [{n}, 10], got "
               f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP)
def test_net_res_deep_layers_around_the_blocks(student):
    """NetResDeep with n_blocks=0 computes conv1, ReLU, max-pool, max-pool, fc1, ReLU, fc2"""
    weights = head_weights(6, seed=10)
    model = student.NetResDeep(n_chans1=6, n_blocks=0)
    state = model.state_dict()
    missing = [key for key in weights if key not in state]
    extra = [key for key in state if key not in weights]
    expect(not missing and not extra, f"NetResDeep(n_chans1=6, n_blocks=0) should hold only conv1, fc1 and fc2, {list(weights)}; "
                                      f"missing {missing}, unexpected {extra}")
    for key, value in weights.items():
        expect(state[key].shape == value.shape, f"NetResDeep(n_chans1=6, n_blocks=0): {key} should have the shape "
                                                f"{list(value.shape)}, got {list(state[key].shape)}")
    model.double()
    model.load_state_dict(weights)
    x = torch.randn(3, 3, 32, 32, dtype=torch.float64, generator=seeded(11))
    expect_tensor(model(x), head_forward(weights, x), "the scores of NetResDeep(n_chans1=6, n_blocks=0) with known weights "
                  "(conv1, ReLU, max-pool 2, the blocks, max-pool 2, flatten, fc1, ReLU, fc2)",
                  rtol=1e-9, atol=1e-12)


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


@graded(points=1, exercise="NetResDeep", section=VERY_DEEP)
def test_net_res_deep_blocks_are_distinct(student):
    """NetResDeep's blocks are distinct modules: each keeps its own weights"""
    model = student.NetResDeep(n_chans1=4, n_blocks=3)
    state = model.state_dict()
    convs = block_convolutions(state)
    expect(len(convs) == 3, f"NetResDeep(n_chans1=4, n_blocks=3) should hold 3 block convolutions in its state_dict, got {convs}: "
                            "keep the blocks in an nn.Sequential (or nn.ModuleList) so that they are registered")
    generator = seeded(12)
    loaded = {key: torch.randn(value.shape, generator=generator) if value.is_floating_point() else value
              for key, value in state.items()}
    model.load_state_dict(loaded)
    after = model.state_dict()
    for key in state:
        if key.split(".")[0] not in HEAD and not torch.equal(after[key], loaded[key]):
            expect(False, f"after loading different weights into the 3 blocks of NetResDeep, {key} no longer holds the values "
                          "loaded into it: the blocks are one and the same module (the lecture's n_blocks * [ResBlock(...)]). "
                          "Create a new ResBlock for each position")


@graded(points=2, exercise="NetResDeep", section=VERY_DEEP, timeout=30)
def test_net_res_deep_gradients_reach_every_block(student):
    """after one backward pass through 20 blocks, every block's convolution has a nonzero gradient"""
    model = student.NetResDeep(n_chans1=4, n_blocks=20)
    x = torch.randn(2, 3, 32, 32, generator=seeded(13))
    y = torch.tensor([3, 7])
    scores = student.lib("builtins.map")(model, [x])
    losses = student.lib("builtins.map")(student.lib("torch.nn.CrossEntropyLoss")(), scores, [y])
    student.lib("torch.autograd.backward")(losses)
    parameters = {name: parameter for name, parameter in model.named_parameters()}  # copies, with their .grad
    convs = block_convolutions(parameters)
    expect(len(convs) == 20, f"NetResDeep(n_chans1=4, n_blocks=20) should have 20 distinct block convolutions among its "
                             f"parameters, got {len(convs)}: create a new ResBlock for each position, inside an nn.Sequential")
    for index, name in enumerate(convs):
        grad = parameters[name].grad
        expect(grad is not None and bool(torch.isfinite(grad).all()) and grad.abs().sum().item() > 0,
               f"after backward(), {name} (block {index + 1} of 20) has "
               f"{'no gradient' if grad is None else 'a zero or non-finite gradient'}: does forward run every block?")


@pytest.mark.gpu
@graded(points=1, exercise="NetResDeep", section=VERY_DEEP, timeout=60)
def test_net_res_deep_moves_to_the_gpu(student, device):
    """NetResDeep.to(device) moves every block, and runs there"""
    model = student.NetResDeep(n_chans1=8, n_blocks=3)
    model.to(device)
    for key, value in model.state_dict().items():
        expect(value.device.type == device.type, f"after model.to({device}), {key} is on {value.device}: are all blocks registered?")
    out = model(torch.randn(2, 3, 32, 32, device=device))
    expect(isinstance(out, torch.Tensor) and out.device.type == device.type and list(out.shape) == [2, 10],
           f"NetResDeep on {device} should give scores [2, 10] on {device}, got "
           f"{list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__} on {getattr(out, 'device', '?')}")
