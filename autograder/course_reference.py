"""Course code the hidden tests compare against: the lecture's models and loops, built in the grader."""

from __future__ import annotations

import collections
import math

import torch

from .testkit import seeded


def reference_sgd_epoch(model: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor, lr: float, batch_size: int) -> float:
    """What one training epoch must do, on a grader-side model: plain SGD with cross-entropy over the
    batches in order, zero_grad / backward / step on each. Returns the mean loss per sample."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    total = 0.0
    for start in range(0, len(labels), batch_size):
        batch_labels = labels[start:start + batch_size]
        loss = torch.nn.functional.cross_entropy(model(inputs[start:start + batch_size]), batch_labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch_labels)
    return total / len(labels)


def lecture_cifar_net(seed: int) -> torch.nn.Module:
    """The lecture's CIFAR10 Net (04-convnets), built in the grader, with seeded weights."""
    nn = torch.nn
    net = nn.Sequential(collections.OrderedDict([
        ("conv1", nn.Conv2d(3, 16, kernel_size=3, padding=1)), ("act1", nn.Tanh()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(16, 8, kernel_size=3, padding=1)), ("act2", nn.Tanh()), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()), ("fc1", nn.Linear(8 * 8 * 8, 32)), ("act3", nn.Tanh()), ("fc2", nn.Linear(32, 10)),
    ]))
    generator = seeded(seed)
    with torch.no_grad():
        for name, parameter in net.named_parameters():
            fan_in = parameter[0].numel() if name.endswith("weight") else 10
            parameter.copy_(torch.randn(parameter.shape, generator=generator) / math.sqrt(fan_in))
    return net.eval()
