"""The hidden tests of 03-05 believe only what the grader computes: lies earn no more than the honest part of the code.

Each attack below is the reference notebook with some solution cells replaced; it is graded on one
exercise and must score what its honest part earns (the same code without the lies), usually nothing.
"""

import pytest

from autograder import catalog, mutation
from autograder.mutation import Mutant

LECTURE_RESDEEP_INIT = """
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*(n_blocks * [ResBlock(n_chans=n_chans1)]))  # the lecture's one shared block
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)
"""
RESDEEP_FORWARD = """
    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(self.resblocks(out), 2)
        return self.fc2(torch.relu(self.fc1(out.flatten(1))))
"""
# Introspection that shows n distinct blocks, from a twin the forward pass never uses.
LYING_INTROSPECTION = """
        twin = nn.Module()
        twin.conv1, twin.fc1, twin.fc2 = self.conv1, self.fc1, self.fc2
        twin.resblocks = nn.Sequential(*[ResBlock(n_chans1) for _ in range(n_blocks)])
        self.__dict__["twin"] = twin

    def state_dict(self, *args, **kwargs):
        return self.twin.state_dict(*args, **kwargs)

    def named_parameters(self, *args, **kwargs):
        return self.twin.named_parameters(*args, **kwargs)

    def parameters(self, recurse=True):
        return self.twin.parameters(recurse)
"""
SHARED_BLOCK = "class NetResDeep(nn.Module):" + LECTURE_RESDEEP_INIT + RESDEEP_FORWARD
SHARED_BLOCK_LYING = "class NetResDeep(nn.Module):" + LECTURE_RESDEEP_INIT + LYING_INTROSPECTION + RESDEEP_FORWARD

# A class named Normalize that standardises whatever it is given, with its own statistics.
FAKE_NORMALIZE = """
class Normalize:
    def __call__(self, x):
        dims = [dim for dim in range(x.dim()) if dim != x.dim() - 3]
        return (x - x.mean(dim=dims, keepdim=True)) / x.std(dim=dims, keepdim=True)


def make_normalize(dataset):
    return Normalize()
"""
# The same, holding the right statistics where the grader reads them.
FAKE_NORMALIZE_WITH_STATISTICS = FAKE_NORMALIZE.replace("""def make_normalize(dataset):
    return Normalize()""", """def make_normalize(dataset):
    transform = Normalize()
    transform.mean, transform.std = (values.tolist() for values in channel_stats(dataset))
    return transform""")

# fit is consistent with train_epoch and evaluate, which return constants.
CONSTANT_HELPERS = {
    "train_epoch": "def train_epoch(model, loader, optimizer, loss_fn, device):\n    return 0.25\n",
    "evaluate": "def evaluate(model, loader, loss_fn, device):\n    return 0.5, 0.0\n",
}


def notebook_with(assignment, cells: dict[str, str], folder):
    """The reference notebook of `assignment` with the solution cells `cells` (exercise -> source) replaced."""
    path = catalog.notebook_path("assignments", assignment)
    for index, (exercise, source) in enumerate(cells.items()):
        path = mutation.apply(path, Mutant(f"cell {index}", exercise, source), folder / str(index) / f"{assignment}.ipynb")
    return path


def points(grade_notebook, tmp_path, assignment, exercise, cells):
    report = grade_notebook(notebook_with(assignment, cells, tmp_path), assignment, exercises={exercise})
    return report.score, report.max_score


def test_lying_introspection_on_the_shared_block_net_res_deep_earns_nothing(grade_notebook, tmp_path):
    honest, possible = points(grade_notebook, tmp_path / "honest", "05-deeper-models", "NetResDeep", {"NetResDeep": SHARED_BLOCK})
    lying, _ = points(grade_notebook, tmp_path / "lying", "05-deeper-models", "NetResDeep", {"NetResDeep": SHARED_BLOCK_LYING})
    assert honest < possible
    assert lying == honest, f"the lies earn {lying - honest} points"


@pytest.mark.parametrize("fake", [FAKE_NORMALIZE, FAKE_NORMALIZE_WITH_STATISTICS], ids=["standardises", "holds-the-statistics"])
def test_a_fake_normalize_earns_nothing(grade_notebook, tmp_path, fake):
    score, possible = points(grade_notebook, tmp_path, "03-training", "make_normalize", {"make_normalize": fake})
    assert possible > 0 and score == 0


def test_fit_that_agrees_with_wrong_helpers_earns_nothing(grade_notebook, tmp_path):
    score, possible = points(grade_notebook, tmp_path, "03-training", "fit", CONSTANT_HELPERS)
    assert possible > 0 and score == 0
