"""What hidden tests are written with: points, and comparisons that explain themselves.

    @graded(points=2, exercise="sigmoid", section="Part 02 · Activation functions")
    def test_sigmoid_matches_the_formula(student):
        x = torch.randn(7, 5, dtype=torch.float64)
        expect_tensor(student.sigmoid(x), 1 / (1 + torch.exp(-x)), what="sigmoid(x)")

A failed expectation raises Mismatch, whose message is all the student sees:
what was expected, what came back, never the test's source.
"""

from __future__ import annotations

import math
from typing import Callable

import pytest
import torch

from .bans import AUTOGRAD, Ban, Finding, ban, check_source  # noqa: F401 - AUTOGRAD and ban are for the hidden tests
from .in_place import check_unmodified
from .sandbox.worker import import_path
from .student import LocalStudent

DEFAULT_TIMEOUT = 15.0


def graded(points: float, exercise: str, section: str, visible: bool = False, timeout: float = DEFAULT_TIMEOUT):
    """Marks a hidden test: its points, the exercise it grades and the lecture section to reread."""
    return pytest.mark.graded(points=points, exercise=exercise, section=section, visible=visible, timeout=timeout)


class Mismatch(AssertionError):
    """A result that is not what the exercise asks for; the message is written for the student."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def describe(value) -> str:
    """A short description of a value: a tensor's shape, dtype and device, or a type."""
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {list(value.shape)}, dtype {_dtype_name(value.dtype)}, on {value.device}"
    if isinstance(value, (int, float, bool)) or value is None:
        return f"{type(value).__name__} {value!r}"
    type_name = getattr(value, "type_name", None) or type(value).__name__
    return f"a {type_name}"


def expect_tensor(actual, expected: torch.Tensor, what: str, rtol: float = 1e-5, atol: float = 1e-8,
                  check_dtype: bool = True, check_device: bool = True) -> None:
    """`actual` must be a tensor like `expected`: same shape, dtype, device and close values."""
    if not isinstance(actual, torch.Tensor):
        raise Mismatch(f"{what} should be a tensor ({describe(expected)}), got {describe(actual)}")
    if actual.shape != expected.shape:
        raise Mismatch(f"{what} has the wrong shape: expected {list(expected.shape)}, got {list(actual.shape)}")
    if check_dtype and actual.dtype != expected.dtype:
        raise Mismatch(f"{what} has the wrong dtype: expected {_dtype_name(expected.dtype)}, got {_dtype_name(actual.dtype)}")
    if check_device and actual.device != expected.device:
        raise Mismatch(f"{what} is on the wrong device: expected {expected.device}, got {actual.device}")
    expect_values(actual, expected, what, rtol, atol)


def expect_values(actual: torch.Tensor, expected: torch.Tensor, what: str, rtol: float = 1e-5, atol: float = 1e-8) -> None:
    """Values must agree elementwise within tolerance, NaN and infinities included."""
    if not isinstance(actual, torch.Tensor):
        raise Mismatch(f"{what} should be a tensor ({describe(expected)}), got {describe(actual)}")
    if actual.shape != expected.shape:
        raise Mismatch(f"{what} has the wrong shape: expected {list(expected.shape)}, got {list(actual.shape)}")
    actual = actual.detach().to("cpu", expected.dtype if expected.is_floating_point() else torch.float64)
    expected = expected.detach().to("cpu", actual.dtype)
    if torch.isnan(actual).any() and not torch.isnan(expected).any():
        index = _first_index(torch.isnan(actual))
        raise Mismatch(f"{what} contains NaN, e.g. at index {index} (expected {_item(expected, index)})")
    close = torch.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        index = _first_index(~close)
        wrong = int((~close).sum())
        raise Mismatch(
            f"{what} has {wrong} of {close.numel()} values wrong; e.g. at index {index} "
            f"expected {_item(expected, index)}, got {_item(actual, index)}"
        )


def expect_close(actual, expected: float, what: str, rel: float = 1e-5, abs_tol: float = 1e-8) -> None:
    """`actual` must be a number (or one-element tensor) close to `expected`."""
    if isinstance(actual, torch.Tensor) and actual.numel() == 1:
        actual = actual.item()
    if not isinstance(actual, (int, float)) or isinstance(actual, bool):
        raise Mismatch(f"{what} should be a number close to {expected:.6g}, got {describe(actual)}")
    if not math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol):
        raise Mismatch(f"{what}: expected {expected:.6g}, got {actual:.6g}")


def class_name(value) -> str:
    """The short class name of a value; for an object left in the student's process, the name that process
    reports: use it to explain a failure, never to award a point."""
    name = getattr(value, "type_name", None) if type(value).__name__ == "RemoteObject" else None
    return (name if isinstance(name, str) else type(value).__qualname__).rsplit(".", 1)[-1]


def student_loader(student, inputs, labels, batch_size: int):
    """A DataLoader over (inputs, labels) built in the student's process, in order (no shuffling)."""
    dataset = student.lib("torch.utils.data.TensorDataset")(inputs, labels)
    return student.lib("torch.utils.data.DataLoader")(dataset, batch_size=batch_size, shuffle=False)


def expect_type(actual, kind: type, what: str) -> None:
    if not isinstance(actual, kind) or (kind in (int, float) and isinstance(actual, bool)):
        raise Mismatch(f"{what} should be a {kind.__name__}, got {describe(actual)}")


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _first_index(mask: torch.Tensor) -> list[int]:
    return [int(i) for i in mask.nonzero()[0]] if mask.dim() else []


def _item(tensor: torch.Tensor, index: list[int]) -> str:
    return f"{tensor[tuple(index)].item():.6g}"


def expect_right_value(check: Callable[[], object]) -> None:
    """A property test pays only for a right answer: call this with the value check first.

        result, (x_after,) = inputs_after(student, student.relu, x)
        expect_right_value(lambda: expect_tensor(result, torch.clamp(x, min=0), "relu(x)"))
        expect_values(x_after, x, "x after calling relu(x)")
    """
    try:
        check()
    except Mismatch as error:
        raise Mismatch(f"the value is wrong, so this check earns nothing yet: {error}") from None


def torch_calls(student, function, *args, **kwargs) -> tuple[object, list[str]]:
    """Runs a student's function and returns (result, names of the torch functions it called).
    The names come from the student's process: use them only through Watched, as a second opinion."""
    reply = student.probe("torch_calls")(function, *args, **kwargs)
    if not (isinstance(reply, (tuple, list)) and len(reply) == 2):  # not the probe's answer: judged as the value it is
        return reply, []
    result, names = reply
    return result, _reported_names(names)


def _reported_names(names) -> list[str]:
    """The student's process may send anything: a bounded list of short strings."""
    return [str(name)[:200] for name in list(names)[:5000]] if isinstance(names, (list, tuple)) else []


class Watched:
    """A student's function that must not use `banned`, every call of it under the same observation.

    Call it like the function. Every call (value tests included, so behaving differently while
    watched gains nothing) runs under the run-time call recorder; `expect_not_used(rule)` then
    fails when the submitted source (read on the grader's side) uses a banned object or hides
    what it calls, or when the recorder saw a banned function (the second opinion)."""

    def __init__(self, student, cells: list[tuple[str, str]] | None, name: str, banned: Ban):
        self._student = student
        self._cells = cells
        self.name = name
        self.banned = banned
        self.calls: set[str] = set()

    def __call__(self, *args, **kwargs):
        result, names = torch_calls(self._student, getattr(self._student, self.name), *args, **kwargs)
        self.calls.update(names)
        return result

    def inputs_after(self, *args, **kwargs) -> tuple[object, list]:
        """Like testkit.inputs_after, under the same observation: (result, the arguments as the call left them)."""
        (result, names), (_, *after) = inputs_after(
            self._student, self._student.probe("torch_calls"), getattr(self._student, self.name), *args, **kwargs)
        self.calls.update(_reported_names(names))
        return result, after

    def expect_not_used(self, rule: str) -> None:
        findings = _source_findings(self._student, self._cells, lambda cells: check_source(cells, self.name, self.banned))
        _expect_no_findings(findings, f"{self.name} {{}}: that is {self.banned.what}; {rule}",
                            f"the grader cannot check that {self.name} does not use {self.banned.what}: {{}}. "
                            f"Write it without that; {rule}")
        seen = sorted(name for name in self.calls if self.banned.forbids(name))
        if seen:
            raise Mismatch(f"{self.name} calls {', '.join(seen)}: that is {self.banned.what}; {rule}")


def _source_findings(student, cells: list[tuple[str, str]] | None, check) -> list[Finding]:
    """`check(cells)` on the submitted source; nothing to check for the student's own kernel (nbgrader validate)."""
    if cells is None:
        if not isinstance(student, LocalStudent):
            raise RuntimeError("the submitted source is not available to the hidden tests")
        return []
    return check(cells)


def _expect_no_findings(findings: list[Finding], banned_message: str, opaque_message: str) -> None:
    """Fails with `banned_message` (or, when only the grader's view is blocked, `opaque_message`), whose `{}`
    takes the findings."""
    banned = [finding for finding in findings if finding.kind == "banned"]
    for message, shown in ((banned_message, banned), (opaque_message, findings)):
        if shown:
            raise Mismatch(message.format("; ".join(finding.describe() for finding in shown)))


def expect_unmodified(student, cells: list[tuple[str, str]] | None, name: str, arguments: dict[int, str]) -> None:
    """The submitted source of `name`, read on the grader's side, leaves these positional arguments as it got them
    ({0: "x"}). Decided from the source; the run-time `inputs_after` is the second opinion."""
    findings = _source_findings(student, cells, lambda cells: check_unmodified(cells, name, arguments))
    shown = " and ".join(f"`{argument}`" for argument in arguments.values())
    _expect_no_findings(findings, f"{name} must leave {shown} as it got them, but {{}}: work on a copy "
                                  "(.clone(), a new dict) and return that",
                        f"the grader cannot check that {name} leaves {shown} as it got them: {{}}. Write it without that")


def watch(student, cells: list[tuple[str, str]] | None, name: str, banned: Ban) -> Watched:
    """`watch(student, submitted_cells, "sigmoid", ACTIVATIONS)`: see Watched."""
    return Watched(student, cells, name, banned)


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def inputs_after(student, function, *args, **kwargs) -> tuple[object, list]:
    """Runs a student's function and returns (result, its arguments as the call left them)."""
    result, after = student.probe("inputs_after")(function, *args, **kwargs)
    return result, list(after)


_DATASET_CLASSES = {
    ("MNIST", "fixture"): "torchvision.datasets.MNIST",
    ("MNIST", "real"): "torchvision.datasets.MNIST",
    ("CIFAR10", "fixture"): "autograder.fixtures.cifar10.FixtureCIFAR10",
    ("CIFAR10", "real"): "torchvision.datasets.CIFAR10",
}


def dataset(data, name: str, train: bool, transform=None, student=None):
    """The torchvision dataset `name` ("MNIST" or "CIFAR10") read from `data` (the `data` fixture).

    With `student`, it is built in the student's process (pass its transforms
    built there too, e.g. student.lib("torchvision.transforms.ToTensor")());
    without, in the grader's, for reference computations.
    """
    path = _DATASET_CLASSES[(name, data.kind)]
    dataset_class = student.lib(path) if student is not None else import_path(path)
    return dataset_class(str(data.root), train=train, download=False, transform=transform)


class BatchLosses:
    """The loss of every batch a student's training loop computes with `loss_module` (a loss module built in
    the student's process), recorded here through a forward hook, so that the grader computes each epoch's
    mean loss per sample itself and can check the value the loop returns."""

    def __init__(self, loss_module):
        self._batches: list[tuple[float, int]] = []
        loss_module.register_forward_hook(self._record)

    def _record(self, module, inputs, output) -> None:
        self._batches.append((float(output), len(inputs[1])))

    def epoch_mean(self) -> float:
        """The mean loss per sample over the batches recorded since the last call."""
        batches, self._batches = self._batches, []
        return sum(loss * size for loss, size in batches) / max(sum(size for _, size in batches), 1)
