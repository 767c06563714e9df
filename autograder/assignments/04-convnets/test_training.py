"""train_epoch and valid_epoch, with TensorBoard logging (lecture Part 05, Training our ConvNet)."""

import math
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder import testkit
from autograder.course_reference import reference_sgd_epoch
from autograder.testkit import expect, expect_close, expect_right_value, expect_tensor, graded, seeded, student_loader

SECTION = "Part 05 · Training our ConvNet"
N_SAMPLES, BATCH_SIZE, N_CLASSES = 50, 16, 5  # batches of 16, 16, 16 and 2
LOSS_HINT = ("loss_fn returns the mean loss of a batch: add loss.item() * batch size over the batches, "
             "then divide by the number of samples")
SMALL_CONVNET = [
    ("conv", "Conv2d", (2, 3, 3), {"padding": 1}), ("act", "Tanh", (), {}), ("pool", "MaxPool2d", (2,), {}),
    ("flat", "Flatten", (), {}), ("fc", "Linear", (3 * 3 * 4, N_CLASSES), {}),
]
# dropout and batch norm behave differently in training mode: only eval() gives the reference values
EVAL_SENSITIVE = [
    ("flat", "Flatten", (), {}), ("fc", "Linear", (2 * 6 * 8, 12), {}), ("norm", "BatchNorm1d", (12,), {}),
    ("act", "ReLU", (), {}), ("drop", "Dropout", (0.5,), {}), ("out", "Linear", (12, N_CLASSES), {}),
]


def build_pair(student, spec, seed):
    """The same float64 nn.Sequential in the student's process and here, with the same weights and buffers."""
    local = nn.Sequential(OrderedDict((name, getattr(nn, kind)(*args, **kwargs)) for name, kind, args, kwargs in spec)).double()
    generator = seeded(seed)
    with torch.no_grad():
        for parameter in local.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64) * 0.5)
        for name, buffer in local.named_buffers():
            if name.endswith("running_mean"):
                buffer.copy_(torch.randn(buffer.shape, generator=generator, dtype=torch.float64) * 0.3)
            elif name.endswith("running_var"):
                buffer.copy_(torch.rand(buffer.shape, generator=generator, dtype=torch.float64) + 0.5)
    remote = student.lib("torch.nn.Sequential")()
    for name, kind, args, kwargs in spec:
        remote.add_module(name, student.lib(f"torch.nn.{kind}")(*args, **kwargs))
    remote.double()
    remote.load_state_dict(local.state_dict())
    return remote, local


def samples(seed):
    """N_SAMPLES non-square two-channel images and their labels."""
    generator = seeded(seed)
    X = torch.randn(N_SAMPLES, 2, 6, 8, dtype=torch.float64, generator=generator)
    y = torch.randint(0, N_CLASSES, (N_SAMPLES,), generator=generator)
    return X, y




def student_writer(student, folder):
    path = student.work_dir / folder
    return student.lib("torch.utils.tensorboard.SummaryWriter")(str(path)), path


def reference_train_epoch(local, X, y, lr):
    """One epoch of plain SGD over the batches in order; returns the mean loss per sample."""
    local.train()
    return reference_sgd_epoch(local, X, y, lr, BATCH_SIZE)


def expect_float(value, expected, what, rel=1e-6, hint=""):
    expect(type(value) is float, f"{what} should be a Python float (use .item()), got {testkit.describe(value)}")
    if hint and not math.isclose(value, expected, rel_tol=rel, abs_tol=1e-9):
        raise testkit.Mismatch(f"{what}: expected {expected:.6g}, got {value:.6g}. {hint}")
    expect_close(value, expected, what, rel=rel, abs_tol=1e-9)


def expect_state(state, expected, what, rtol=1e-7, atol=1e-10):
    for name, tensor in expected.items():
        expect_tensor(state.get(name) if isinstance(state, dict) else None, tensor, f"{what}: {name}", rtol=rtol, atol=atol, check_device=False)


def logged_scalars(path, tags):
    """{tag: [(step, value), ...]} read from the event files in `path` with TensorBoard's reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(path), size_guidance={"scalars": 0})
    accumulator.Reload()
    found = accumulator.Tags().get("scalars", [])
    runs = sorted(child.name for child in path.iterdir() if child.is_dir()) if path.is_dir() else []
    for tag in tags:
        if tag not in found:
            hint = (f"; the curves went to separate runs {runs}, which writer.add_scalars makes: use writer.add_scalar(tag, value, epoch)"
                    if runs else "")
            raise testkit.Mismatch(f"nothing was logged under the tag {tag!r}; logged tags: {sorted(found) or 'none'}{hint}")
    return {tag: [(event.step, event.value) for event in accumulator.Scalars(tag)] for tag in tags}


def expect_logged(scalars, tag, expected, what):
    """`expected`: [(step, value)] in order; TensorBoard stores float32 values."""
    got = scalars[tag]
    expect([step for step, _ in got] == [step for step, _ in expected],
           f"{what}: expected one point per epoch at the steps {[step for step, _ in expected]} under {tag!r}, found steps {[step for step, _ in got]}")
    for (step, value), (_, returned) in zip(got, expected):
        expect(math.isclose(value, returned, rel_tol=1e-6, abs_tol=1e-7),
               f"{what}: the value logged under {tag!r} at step {step} is {value:.6g}, but the function returned {returned:.6g}")


# train_epoch --------------------------------------------------------------------


def run_train_epoch(student, seed, lr=0.1, epoch=0, folder="train-epoch"):
    remote, local = build_pair(student, SMALL_CONVNET, seed)
    X, y = samples(seed + 1)
    optimizer = student.lib("torch.optim.SGD")(remote.parameters(), lr=lr)
    writer, _ = student_writer(student, f"{folder}-{seed}")
    result = student.train_epoch(remote, student_loader(student, X, y, BATCH_SIZE), optimizer,
                                 student.lib("torch.nn.CrossEntropyLoss")(), torch.device("cpu"), writer, epoch)
    writer.close()
    expected = reference_train_epoch(local, X, y, lr)
    return remote, local, result, expected


@graded(points=2, exercise="train_epoch", section=SECTION, visible=True)
def test_train_epoch_updates_the_weights_like_a_reference_epoch(student):
    """after one epoch, the weights equal those of a reference epoch: zero_grad, backward and step once per batch"""
    remote, local, result, expected = run_train_epoch(student, seed=11)
    expect_right_value(lambda: expect_float(result, expected, "the mean training loss returned by train_epoch", hint=LOSS_HINT))
    expect_state(remote.state_dict(), local.state_dict(), "the weights after train_epoch (SGD, lr 0.1, 4 batches)")


@graded(points=1, exercise="train_epoch", section=SECTION)
def test_train_epoch_returns_the_mean_loss_per_sample(student):
    """train_epoch returns the mean loss per sample, the last smaller batch weighted by its size"""
    _, _, result, expected = run_train_epoch(student, seed=12)
    expect_float(result, expected, "the mean training loss returned by train_epoch (batches of 16, 16, 16 and 2)", hint=LOSS_HINT)


@graded(points=1, exercise="train_epoch", section=SECTION)
def test_train_epoch_puts_the_model_in_training_mode(student):
    """train_epoch calls model.train(), also when the model comes from validation in eval mode"""
    remote, local = build_pair(student, EVAL_SENSITIVE, seed=13)
    X, y = samples(14)
    remote.eval()
    writer, _ = student_writer(student, "train-mode")
    loss_fn = student.lib("torch.nn.CrossEntropyLoss")()
    batch_losses = testkit.BatchLosses(loss_fn)  # dropout is random: the grader adds up the batch losses the loop computed
    result = student.train_epoch(remote, student_loader(student, X, y, BATCH_SIZE), student.lib("torch.optim.SGD")(remote.parameters(), lr=0.0),
                                 loss_fn, torch.device("cpu"), writer, 0)
    writer.close()
    expect_right_value(lambda: expect_float(result, batch_losses.epoch_mean(), "the mean training loss returned by train_epoch",
                                            hint=LOSS_HINT))
    reference_train_epoch(local, X, y, 0.0)
    expect_state(remote.state_dict(), local.state_dict(), "the model after train_epoch with lr 0 (in training mode, batch norm "
                 "updates its running statistics)")
    expect(remote.training is True and remote.drop.training is True,
           "after train_epoch the model is still in evaluation mode: call model.train() at the start of train_epoch "
           "(valid_epoch switched it to eval mode)")


@graded(points=1, exercise="train_epoch", section=SECTION)
def test_train_epoch_logs_the_training_loss(student):
    """train_epoch logs its mean loss with add_scalar("Loss/train", mean_loss, epoch), once per epoch"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=15)
    X, y = samples(16)
    loader = student_loader(student, X, y, BATCH_SIZE)
    optimizer = student.lib("torch.optim.SGD")(remote.parameters(), lr=0.1)
    loss_fn = student.lib("torch.nn.CrossEntropyLoss")()
    writer, path = student_writer(student, "train-logging")
    returned = [(epoch, student.train_epoch(remote, loader, optimizer, loss_fn, torch.device("cpu"), writer, epoch)) for epoch in (2, 3)]
    writer.close()
    for epoch, result in returned:
        expected = reference_train_epoch(local, X, y, 0.1)
        expect_right_value(lambda: expect_float(result, expected, f"the mean training loss returned by train_epoch for epoch {epoch}",
                                                hint=LOSS_HINT))
    scalars = logged_scalars(path, ["Loss/train"])
    expect_logged(scalars, "Loss/train", returned, "train_epoch called for epochs 2 and 3")


@graded(points=1, exercise="train_epoch", section=SECTION)
@pytest.mark.gpu
def test_train_epoch_moves_the_batches_to_the_device(student, device):
    """train_epoch trains a model on the GPU from a loader of CPU tensors"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=17)
    remote.to(device)
    X, y = samples(18)
    optimizer = student.lib("torch.optim.SGD")(remote.parameters(), lr=0.1)
    writer, _ = student_writer(student, "train-device")
    result = student.train_epoch(remote, student_loader(student, X, y, BATCH_SIZE), optimizer, student.lib("torch.nn.CrossEntropyLoss")(), device,
                                 writer, 0)
    writer.close()
    expect_close(result, reference_train_epoch(local, X, y, 0.1), f"the mean training loss returned by train_epoch on {device}", rel=1e-6)
    state = remote.state_dict()
    expect(all(tensor.device.type == device.type for tensor in state.values()), "train_epoch moved the model off the GPU; the caller already put it on the device")
    expect_state(state, local.state_dict(), f"the weights after train_epoch on {device}", rtol=1e-6, atol=1e-9)


# valid_epoch --------------------------------------------------------------------


def reference_valid_epoch(local, X, y):
    local.eval()
    with torch.no_grad():
        outputs = local(X)
    return F.cross_entropy(outputs, y).item(), (outputs.argmax(dim=1) == y).double().mean().item()


def expect_validation(result, expected, what):
    expect(isinstance(result, tuple) and len(result) == 2, f"{what} should return a tuple (mean_loss, accuracy), got {testkit.describe(result)}")
    expect_float(result[0], expected[0], f"the mean loss returned by {what}", hint=LOSS_HINT)
    expect_float(result[1], expected[1], f"the accuracy returned by {what}")


def run_valid_epoch(student, remote, X, y, folder, loss_fn=None, epoch=0, device=torch.device("cpu")):
    writer, path = student_writer(student, folder)
    loss_fn = loss_fn or student.lib("torch.nn.CrossEntropyLoss")()
    result = student.valid_epoch(remote, student_loader(student, X, y, BATCH_SIZE), loss_fn, device, writer, epoch)
    writer.close()
    return result


@graded(points=2, exercise="valid_epoch", section=SECTION, visible=True)
def test_valid_epoch_averages_loss_and_accuracy_over_samples(student):
    """valid_epoch returns the mean loss per sample and the fraction of correct predictions of ITS model argument"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=21)
    X, y = samples(22)
    result = run_valid_epoch(student, remote, X, y, "valid-values")
    expect_validation(result, reference_valid_epoch(local, X, y), "valid_epoch (batches of 16, 16, 16 and 2)")


@graded(points=1, exercise="valid_epoch", section=SECTION)
def test_valid_epoch_puts_the_model_in_eval_mode(student):
    """valid_epoch calls model.eval(): dropout off, batch norm with its running statistics"""
    remote, local = build_pair(student, EVAL_SENSITIVE, seed=23)
    X, y = samples(24)
    result = run_valid_epoch(student, remote, X, y, "valid-eval")
    expected = reference_valid_epoch(local, X, y)
    expect(remote.training is False, "after valid_epoch the model is still in training mode: call model.eval() before the loop")
    expect_validation(result, expected, "valid_epoch on a model with dropout and batch norm")
    expect_state(remote.state_dict(), local.state_dict(), "the model after valid_epoch (validation must not change it)")


@graded(points=1, exercise="valid_epoch", section=SECTION)
def test_valid_epoch_does_not_track_gradients(student):
    """valid_epoch computes the outputs inside torch.no_grad()"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=25)
    X, y = samples(26)
    tracked, seen = [], []

    def loss_fn(outputs, labels):  # runs here, in the grader, when the student's code calls it
        tracked.append(bool(outputs.requires_grad))
        seen.append(len(labels))
        return F.cross_entropy(outputs.detach(), labels)

    result = run_valid_epoch(student, remote, X, y, "valid-no-grad", loss_fn=loss_fn)
    expect(sum(seen) == N_SAMPLES, f"valid_epoch should call loss_fn once per batch, on all {N_SAMPLES} samples; it passed {sum(seen)} labels in {len(seen)} calls")
    expect(not any(tracked),
           f"the model's outputs had requires_grad=True in {sum(tracked)} of {len(tracked)} batches: autograd was recording the graph. "
           "Run the validation loop inside `with torch.no_grad():`")
    expect_validation(result, reference_valid_epoch(local, X, y), "valid_epoch")


@graded(points=1, exercise="valid_epoch", section=SECTION)
def test_valid_epoch_logs_loss_and_accuracy(student):
    """valid_epoch logs add_scalar("Loss/valid", ...) and add_scalar("Accuracy/valid", ...) at step=epoch"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=27)
    X, y = samples(28)
    loader = student_loader(student, X, y, BATCH_SIZE)
    loss_fn = student.lib("torch.nn.CrossEntropyLoss")()
    writer, path = student_writer(student, "valid-logging")
    returned = [(epoch, student.valid_epoch(remote, loader, loss_fn, torch.device("cpu"), writer, epoch)) for epoch in (4, 5)]
    writer.close()
    for _, result in returned:
        expect_right_value(lambda: expect_validation(result, reference_valid_epoch(local, X, y), "valid_epoch"))
    scalars = logged_scalars(path, ["Loss/valid", "Accuracy/valid"])
    expect_logged(scalars, "Loss/valid", [(epoch, result[0]) for epoch, result in returned], "valid_epoch called for epochs 4 and 5")
    expect_logged(scalars, "Accuracy/valid", [(epoch, result[1]) for epoch, result in returned], "valid_epoch called for epochs 4 and 5")


@graded(points=1, exercise="valid_epoch", section=SECTION)
@pytest.mark.gpu
def test_valid_epoch_moves_the_batches_to_the_device(student, device):
    """valid_epoch evaluates a model on the GPU from a loader of CPU tensors"""
    remote, local = build_pair(student, SMALL_CONVNET, seed=29)
    remote.to(device)
    X, y = samples(30)
    result = run_valid_epoch(student, remote, X, y, "valid-device", device=device)
    expected = reference_valid_epoch(local, X, y)
    expect(isinstance(result, tuple) and len(result) == 2, f"valid_epoch should return a tuple (mean_loss, accuracy), got {testkit.describe(result)}")
    expect_close(result[0], expected[0], f"the mean loss returned by valid_epoch on {device}", rel=1e-6)
    expect_close(result[1], expected[1], f"the accuracy returned by valid_epoch on {device}", rel=1e-9)
