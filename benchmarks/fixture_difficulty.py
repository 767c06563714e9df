"""How hard the offline fixtures are: the course's own models trained on them, over seeds.

    python benchmarks/fixture_difficulty.py [--seeds N] [--only cifar|models|mnist|thresholds]

Every model, training loop and mutant is the course's own: the solution cells of
assignments/<id>/<id>.ipynb, executed here, or a mutant of mutants.py in place of
one. Prints, per seed (torch.manual_seed and the shuffling generator):
  cifar       the lecture's Net with the 04 demo's settings (Adam 1e-3, batches of 64),
              validation accuracy after each of 10 epochs
  models      05's models after the 05 demo on a CPU (first 1000 images, 3 epochs), and
              all but the ResNet after 5 epochs on all the data
  mnist       03's MNISTModel (784-512-10) with Adam 1e-3, batches of 64, after 1..3 epochs
  thresholds  each data-dependent threshold of the hidden tests, the reference runs of its
              test over the seeds, the nearest mutant's runs, and the margins to both
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time

import torch
from torch.utils.data import DataLoader, TensorDataset
from torchvision import datasets, transforms

from autograder import catalog, mutation
from autograder.fixtures import ensure_fixtures
from autograder.fixtures.cifar10 import FixtureCIFAR10

CIFAR_NORMALIZE = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))  # the notebooks' values
SKIPPED_TAGS = {"demo", "check"}


class NoWriter:
    """Stands in for 04's SummaryWriter argument: the benchmark records nothing to TensorBoard."""

    def add_scalar(self, *args, **kwargs):
        pass


def notebook_namespace(assignment: str, replace: mutation.Mutant | None = None) -> dict:
    """The notebook's imports, classes and functions (demo, check, test and setup cells left out)."""
    notebook = json.loads(catalog.notebook_path("assignments", assignment).read_text())
    namespace: dict = {}
    for cell in notebook["cells"]:
        nbgrader = cell["metadata"].get("nbgrader", {})
        source = "".join(cell["source"])
        if (cell["cell_type"] != "code" or SKIPPED_TAGS & set(cell["metadata"].get("tags", []))
                or nbgrader.get("grade") or "course_setup(" in source):
            continue
        if replace is not None and nbgrader.get("grade_id") == replace.exercise:
            source = replace.source
        exec(compile(source, f"{assignment}:{nbgrader.get('grade_id', 'cell')}", "exec"), namespace)
    return namespace


def mutant(assignment: str, name: str) -> mutation.Mutant:
    return next(candidate for candidate in mutation.load_catalog(assignment) if candidate.name == name)


def tensors(dataset) -> TensorDataset:
    images, labels = zip(*DataLoader(dataset, batch_size=1000))
    return TensorDataset(torch.cat(images), torch.cat(labels))


def first(data: TensorDataset, count: int) -> TensorDataset:
    return TensorDataset(*(tensor[:count] for tensor in data.tensors))


def accuracy(model, data: TensorDataset) -> float:
    model.eval()
    with torch.no_grad():
        images, labels = data.tensors
        predictions = torch.cat([model(chunk).argmax(dim=1) for chunk in images.split(500)])
    return (predictions == labels).double().mean().item()


def accuracies_per_epoch(build, train_epoch, train: TensorDataset, val: TensorDataset, epochs: int, seed: int,
                         epoch_arguments=lambda epoch: ()) -> list[float]:
    """Seeds the weights and the shuffling as the hidden tests do; validation accuracy after each epoch."""
    torch.manual_seed(seed)
    model = build()
    generator = torch.Generator()
    generator.manual_seed(seed)
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    result = []
    for epoch in range(epochs):
        train_epoch(model, loader, optimizer, loss_fn, "cpu", *epoch_arguments(epoch))
        result.append(accuracy(model, val))
    return result


def cifar_data():
    root = ensure_fixtures()
    transform = transforms.Compose([transforms.ToTensor(), CIFAR_NORMALIZE])
    return (tensors(FixtureCIFAR10(root, train=True, download=False, transform=transform)),
            tensors(FixtureCIFAR10(root, train=False, download=False, transform=transform)))


def mnist_data():
    """The fixture's MNIST normalised as 03's end-to-end test does: with the training split's mean and std."""
    root = ensure_fixtures()
    train_raw = datasets.MNIST(root, train=True, download=False)
    test_raw = datasets.MNIST(root, train=False, download=False)
    images = train_raw.data.to(torch.float64).unsqueeze(1) / 255
    mean, std = images.mean().item(), images.std().item()

    def normalised(raw):
        return TensorDataset(((raw.data.to(torch.float64).unsqueeze(1) / 255 - mean) / std).float(), raw.targets)

    return normalised(train_raw), normalised(test_raw), (mean, std)


def print_rows(title: str, rows: dict[str, list[list[float]]], column: str = "epoch") -> None:
    """rows: name -> per seed, a list of accuracies (one per epoch)."""
    print(f"\n{title}")
    width = max(len(name) for name in rows)
    epochs = len(next(iter(rows.values()))[0])
    print(f"  {'':{width}}  " + "  ".join(f"{column} {index + 1:<2}" for index in range(epochs)))
    for name, runs in rows.items():
        for seed, run in enumerate(runs):
            label = name if seed == 0 else ""
            print(f"  {label:{width}}  " + "  ".join(f"{value:8.3f}" for value in run) + f"   seed {seed}")
        lows = [min(run[index] for run in runs) for index in range(epochs)]
        means = [statistics.mean(run[index] for run in runs) for index in range(epochs)]
        print(f"  {'':{width}}  " + "  ".join(f"{value:8.3f}" for value in means) + "   mean")
        print(f"  {'':{width}}  " + "  ".join(f"{value:8.3f}" for value in lows) + "   worst")


def net_cifar(seeds: int) -> None:
    train, val = cifar_data()
    convnets = notebook_namespace("04-convnets")
    runs = [accuracies_per_epoch(convnets["Net"], convnets["train_epoch"], train, val, 10, seed,
                                 lambda epoch: (NoWriter(), epoch)) for seed in range(seeds)]
    print_rows(f"Net on the CIFAR10 fixture ({len(train)} training, {len(val)} validation images): "
               "validation accuracy after each epoch, Adam 1e-3, batches of 64", {"Net": runs})


def models_cifar(seeds: int) -> None:
    train, val = cifar_data()
    deeper = notebook_namespace("05-deeper-models")
    convnets = notebook_namespace("04-convnets")
    def resnet():
        return init_resblocks(deeper["NetResDeep"](n_chans1=32, n_blocks=10))

    models = {"Net (04)": convnets["Net"], "NetDropout(0.4)": deeper["NetDropout"],
              "NetWidth(32)": lambda: deeper["NetWidth"](n_chans1=32), "NetDepth(32)": lambda: deeper["NetDepth"](n_chans1=32),
              "NetResDeep(32, 10)": resnet}
    cpu_demo = {name: [accuracies_per_epoch(build, deeper["train_epoch"], first(train, 1000), first(val, 1000), 3, seed)
                       for seed in range(seeds)] for name, build in models.items()}
    print_rows("05's demo on a CPU (first 1000 training and 1000 validation images, 3 epochs)", cpu_demo)
    small = {name: build for name, build in models.items() if not name.startswith("NetResDeep")}  # hours on a CPU
    full = {name: [accuracies_per_epoch(build, deeper["train_epoch"], train, val, 5, seed) for seed in range(seeds)]
            for name, build in small.items()}
    print_rows(f"05's smaller models on all {len(train)} training images, 5 epochs", full)


def init_resblocks(model):
    """05's init_resblocks (in its training demo cell): Kaiming-normal convolutions, batch norm scale 0.5."""
    for block in model.resblocks:
        torch.nn.init.kaiming_normal_(block.conv.weight, nonlinearity="relu")
        torch.nn.init.constant_(block.batch_norm.weight, 0.5)
        torch.nn.init.zeros_(block.batch_norm.bias)
    return model


def mnist_mlp(seeds: int) -> None:
    train, test, (mean, std) = mnist_data()
    training = notebook_namespace("03-training")
    runs = [accuracies_per_epoch(training["MNISTModel"], training["train_epoch"], train, test, 3, seed) for seed in range(seeds)]
    print(f"\nMNIST fixture: {len(train)} training and {len(test)} test digits, pixel mean {mean:.4f} and std {std:.4f}")
    print_rows("MNISTModel (784-512-10), Adam 1e-3, batches of 64: test accuracy after each epoch", {"MNISTModel": runs})


def hidden_test_module(assignment: str, file: str):
    path = catalog.hidden_tests_dir(assignment) / file
    spec = importlib.util.spec_from_file_location(f"thresholds_{assignment.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    spec.loader.exec_module(module)
    return module


def threshold_row(name: str, threshold: float, reference: list[float], wrong_name: str, wrong: list[float]) -> None:
    worst, best_wrong = min(reference), max(wrong)
    print(f"  {name}: threshold {threshold:.2f}")
    print("    reference over seeds: " + " ".join(f"{value:.3f}" for value in reference)
          + f"  (worst {worst:.3f}, margin {worst - threshold:+.3f})")
    print(f"    {wrong_name}: " + " ".join(f"{value:.3f}" for value in wrong)
          + f"  (best {best_wrong:.3f}, margin {threshold - best_wrong:+.3f})")


def thresholds(seeds: int) -> None:
    print("\nData-dependent thresholds of the hidden tests (fixture), each test's own setup over the seeds")
    e2e = hidden_test_module("03-training", "test_training.py")
    train, test, _ = mnist_data()
    epochs = e2e.E2E_EPOCHS
    runs = {}
    for label, replace in (("reference", None), ("forgets zero_grad", mutant("03-training", "train_epoch forgets optimizer.zero_grad()"))):
        training = notebook_namespace("03-training", replace)
        runs[label] = [accuracies_per_epoch(training["MNISTModel"], training["train_epoch"], train, test, epochs, seed)[-1]
                       for seed in range(seeds)]
    threshold_row(f"03 test_mnist_model_learns_the_digits_with_train_epoch ({epochs} epochs)", e2e.MIN_ACCURACY["fixture"],
                  runs["reference"], "mutant 'train_epoch forgets optimizer.zero_grad()'", runs["forgets zero_grad"])

    cifar = hidden_test_module("04-convnets", "test_cifar.py")
    train, val = cifar_data()
    epochs = cifar.TRAINING_EPOCHS["fixture"]
    runs = {}
    for label, replace in (("reference", None), ("forgets zero_grad", mutant("04-convnets", "train_epoch never calls optimizer.zero_grad()"))):
        convnets = notebook_namespace("04-convnets", replace)
        runs[label] = [accuracies_per_epoch(convnets["Net"], convnets["train_epoch"], train, val, epochs, seed,
                                            lambda epoch: (NoWriter(), epoch))[-1] for seed in range(seeds)]
    threshold_row(f"04 test_train_epoch_trains_the_net_on_cifar ({epochs} epochs)", cifar.TRAINING_THRESHOLD["fixture"],
                  runs["reference"], "mutant 'train_epoch never calls optimizer.zero_grad()'", runs["forgets zero_grad"])


PARTS = {"cifar": net_cifar, "models": models_cifar, "mnist": mnist_mlp, "thresholds": thresholds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", choices=sorted(PARTS), action="append")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.only or PARTS:
        started = time.perf_counter()
        PARTS[name](args.seeds)
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
