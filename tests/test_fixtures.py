"""The offline MNIST and CIFAR-10 fixtures, read by the real torchvision dataset classes."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torchvision

from autograder.fixtures import STAMP_NAME, ensure_fixtures, rebuild_fixtures
from autograder.fixtures.cifar10 import FixtureCIFAR10


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    return ensure_fixtures(tmp_path_factory.mktemp("fixtures") / "root")


def file_contents(root):
    return {path.relative_to(root): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def modification_times(root):
    return {path: path.stat().st_mtime_ns for path in [root, *root.rglob("*")]}


@pytest.mark.parametrize("train, expected_length", [(True, 1500), (False, 297)])
def test_torchvision_mnist_reads_the_fixture(fixtures, train, expected_length):
    dataset = torchvision.datasets.MNIST(fixtures, train=train, download=False)

    assert len(dataset) == expected_length
    image, _ = dataset[0]
    assert image.size == (28, 28) and image.mode == "L"
    assert set(dataset.targets.tolist()) == set(range(10))
    assert dataset.data.min() == 0 and dataset.data.max() == 255


@pytest.mark.parametrize("train, expected_length", [(True, 3000), (False, 1000)])
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
    assert len(torchvision.datasets.MNIST(root, train=False, download=False)) == 297


def test_a_folder_of_other_files_is_not_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")

    with pytest.raises(RuntimeError, match="not course fixtures"):
        ensure_fixtures(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
