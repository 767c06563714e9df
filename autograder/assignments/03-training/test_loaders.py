"""Training and validation DataLoaders (lecture Part 04 · Loading our data in batches)."""

import torch

from autograder.testkit import describe, expect, graded, seeded

SECTION = "Part 04 · Loading our data in batches"
N_TRAIN, N_VAL = 45, 37
VAL_LABELS = torch.arange(100, 100 + N_VAL)  # tell the two sets apart by their labels


def datasets(student):
    generator = seeded(40)
    dataset = student.lib("torch.utils.data.TensorDataset")
    train = dataset(torch.randn(N_TRAIN, 1, 6, 5, generator=generator), torch.arange(N_TRAIN))
    val = dataset(torch.randn(N_VAL, 1, 6, 5, generator=generator), VAL_LABELS)
    return train, val


def loaders(student, batch_size):
    result = student.make_loaders(*datasets(student), batch_size)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"make_loaders should return a pair (train_loader, val_loader), got {describe(result)}")
    return result


def labels_of(batches) -> list[int]:
    return torch.cat([labels for _, labels in batches]).tolist()


def sizes_of(batches) -> list[int]:
    return [len(labels) for _, labels in batches]


@graded(points=1, exercise="make_loaders", section=SECTION, visible=True)
def test_make_loaders_serves_batches_of_the_requested_size(student):
    """make_loaders returns (train_loader, val_loader) over the right sets, in batches of batch_size"""
    train_loader, val_loader = loaders(student, 8)
    train_batches, val_batches = list(train_loader), list(val_loader)
    samples, labels = train_batches[0]
    expect(list(samples.shape) == [8, 1, 6, 5] and list(labels.shape) == [8],
           f"the first training batch should hold 8 samples [8, 1, 6, 5] and 8 labels, got {list(samples.shape)} and {list(labels.shape)}")
    for name, batches, expected, dataset in (("train_loader", train_batches, list(range(N_TRAIN)), "train_set"),
                                             ("val_loader", val_batches, VAL_LABELS.tolist(), "val_set")):
        labels = labels_of(batches)
        expect(sorted(labels) == expected,
               f"one pass over {name} should give each of the {len(expected)} samples of {dataset} once, got {len(labels)} samples "
               f"with labels from {min(labels)} to {max(labels)}; build it on {dataset} and keep the last, smaller batch")
    expect(sizes_of(val_batches) == [8, 8, 8, 8, 5],
           f"{N_VAL} validation samples in batches of 8 should come as [8, 8, 8, 8, 5], got {sizes_of(val_batches)}")


@graded(points=1, exercise="make_loaders", section=SECTION)
def test_validation_loader_keeps_the_dataset_order(student):
    """the validation loader does not shuffle: labels come in the dataset's order"""
    _, val_loader = loaders(student, 16)
    order = labels_of(val_loader)
    expect(order == VAL_LABELS.tolist(), f"the validation labels should come in the dataset's order 100, 101, ..., got {order[:10]} ...")


@graded(points=1, exercise="make_loaders", section=SECTION)
def test_training_loader_shuffles_every_epoch(student):
    """the training loader shuffles, with a new order in every pass"""
    student.lib("torch.manual_seed")(41)
    train_loader, _ = loaders(student, 16)
    first, second = list(train_loader), list(train_loader)
    expect(sizes_of(first) == [16, 16, 13], f"{N_TRAIN} samples in batches of 16 should come as [16, 16, 13], got {sizes_of(first)}")
    expect(labels_of(first) != list(range(N_TRAIN)), "the training loader gives the samples in the dataset's order: use shuffle=True")
    expect(labels_of(first) != labels_of(second), "two passes over the training loader give the same order: shuffle anew every epoch (shuffle=True)")
