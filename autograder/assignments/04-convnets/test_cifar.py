"""The ConvNet trained on CIFAR10: the student's training, and the weights they submit (lecture Part 05)."""

import functools

import torch

from autograder import course_reference, testkit
from autograder.testkit import Mismatch, expect, graded

SECTION = "Part 05 · Training our ConvNet"
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)  # the notebook's normalisation
CIFAR_STD = (0.2023, 0.1994, 0.2010)
WEIGHTS_FILE = "cifar_model.pt"
LECTURE_KEYS = {
    "conv1.weight": (16, 3, 3, 3), "conv1.bias": (16,), "conv2.weight": (8, 16, 3, 3), "conv2.bias": (8,),
    "fc1.weight": (32, 512), "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,),
}

# Test accuracy of the submitted weights, on real CIFAR10 only (students train on it; the synthetic
# fixture cannot judge their weights): the lecture's Net reaches about 0.6 after 10 epochs.
WEIGHTS_THRESHOLD = 0.50
# Training the student's Net with the student's train_epoch and Adam 1e-3, batches of 64. Fixture (4000
# training, 1000 test images), this test's setup with seeds 0-4 (benchmarks/fixture_difficulty.py): the
# reference reaches 0.528-0.579 after 4 epochs (0.542 at seed 0, worst 0.528: margin 0.078); without
# zero_grad, 0.311-0.370 (margin 0.080).
TRAINING_EPOCHS = {"fixture": 4, "real": 2}
TRAINING_THRESHOLD = {"fixture": 0.45, "real": 0.40}


@functools.cache  # the same for every submission: computed once per grading process
def grader_test_split(data):
    """The configured data's test images, normalised as in the notebook, and their labels (built here)."""
    from torchvision import transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(CIFAR_MEAN, CIFAR_STD)])
    dataset = testkit.dataset(data, "CIFAR10", train=False, transform=transform)
    images, labels = zip(*torch.utils.data.DataLoader(dataset, batch_size=1000, shuffle=False))
    return torch.cat(images), torch.cat(labels)


def accuracy_in_grader(model, images, labels, device, chunk=500):
    """Runs the student's model on the images in chunks; the accuracy is computed here from the logits."""
    correct = 0
    for start in range(0, len(images), chunk):
        batch = images[start:start + chunk]
        logits = model(batch.to(device))
        expect(isinstance(logits, torch.Tensor) and tuple(logits.shape) == (len(batch), 10),
               f"the model should return scores of shape [{len(batch)}, 10], got {testkit.describe(logits)}")
        correct += int((logits.detach().cpu().argmax(dim=1) == labels[start:start + chunk]).sum())
    return correct / len(images)


def student_transform(student):
    library = "torchvision.transforms."
    return student.lib(library + "Compose")([
        student.lib(library + "ToTensor")(), student.lib(library + "Normalize")(CIFAR_MEAN, CIFAR_STD),
    ])


@graded(points=2, exercise="Net", section=SECTION, timeout=120)
def test_submitted_weights_classify_the_test_images(student, submission_dir, data):
    """your trained weights (cifar_model.pt, next to the notebook) classify the CIFAR10 test images"""
    model = student.Net()
    own = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    expect(own == LECTURE_KEYS, f"your Net's parameters should be {LECTURE_KEYS} (the lecture's layers), but they are {own}")
    path = submission_dir / WEIGHTS_FILE
    if not path.is_file():
        raise Mismatch(
            f"{WEIGHTS_FILE} was not found next to your notebook. Run the training demo (Part 4) and the saving demo "
            f"(Part 5), which calls save_model(net, \"{WEIGHTS_FILE}\"), and submit {WEIGHTS_FILE} together with the notebook")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a whole pickled model, or not a torch file at all
        raise Mismatch(
            f"{WEIGHTS_FILE} cannot be loaded with torch.load(path, weights_only=True) ({type(error).__name__}): "
            "save model.state_dict() with your save_model, not the whole model") from None
    expect(isinstance(state, dict), f"{WEIGHTS_FILE} should hold a state_dict (a dict of tensors), but it holds {testkit.describe(state)}")
    shapes = {name: tuple(tensor.shape) for name, tensor in state.items() if isinstance(tensor, torch.Tensor)}
    expect(shapes == LECTURE_KEYS and len(state) == len(LECTURE_KEYS),
           f"{WEIGHTS_FILE} should hold the lecture's Net, with the entries {LECTURE_KEYS}; it holds {shapes}")
    weights = {name: tensor.float() for name, tensor in state.items()}
    model.load_state_dict(weights)
    model.eval()
    reference = course_reference.lecture_cifar_net(0)  # the lecture's Net in the grader, holding the submitted weights
    reference.load_state_dict(weights)
    images, labels = grader_test_split(data)
    with torch.no_grad():
        expected = reference(images[:8])
    testkit.expect_tensor(model(images[:8]), expected, f"your Net's scores for 8 test images with the weights of {WEIGHTS_FILE}",
                          rtol=1e-4, atol=1e-5)
    if data.kind != "real":
        return  # the weights load and give the lecture Net's scores; how good they are only real CIFAR10 can tell
    with torch.no_grad():
        accuracy = accuracy_in_grader(reference, images, labels, torch.device("cpu"))
    threshold = WEIGHTS_THRESHOLD
    expect(accuracy >= threshold,
           f"with the weights of {WEIGHTS_FILE}, your Net classifies {accuracy:.1%} of the {len(labels)} test images correctly; "
           f"at least {threshold:.0%} expected. Train it longer: set EPOCHS = 10 (5 by default) in the notebook's first cell, then run the training demo (Part 4) and the saving demo (Part 5) again")


@graded(points=2, exercise="train_epoch", section=SECTION, timeout=180)
def test_train_epoch_trains_the_net_on_cifar(student, data, device):
    """your train_epoch, called once per epoch with Adam (learning rate 1e-3), trains your Net to a good test accuracy"""
    student.lib("torch.manual_seed")(0)
    model = student.Net()
    model.to(device)
    train_set = testkit.dataset(data, "CIFAR10", train=True, transform=student_transform(student), student=student)
    generator = student.lib("torch.Generator")()
    generator.manual_seed(0)
    loader = student.lib("torch.utils.data.DataLoader")(train_set, batch_size=64, shuffle=True, generator=generator)
    optimizer = student.lib("torch.optim.Adam")(model.parameters(), lr=1e-3)
    loss_fn = student.lib("torch.nn.CrossEntropyLoss")()
    writer = student.lib("torch.utils.tensorboard.SummaryWriter")(str(student.work_dir / "cifar-training"))
    batch_losses = testkit.BatchLosses(loss_fn)
    epochs = TRAINING_EPOCHS[data.kind]
    for epoch in range(epochs):
        result = student.train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch)
        expected = batch_losses.epoch_mean()
        testkit.expect_right_value(lambda: testkit.expect_close(
            result, expected, f"the mean loss per sample that train_epoch returns for epoch {epoch} (from the batch losses it computed)"))
    writer.close()
    model.eval()
    images, labels = grader_test_split(data)
    accuracy = accuracy_in_grader(model, images, labels, device)
    threshold = TRAINING_THRESHOLD[data.kind]
    expect(accuracy >= threshold,
           f"after {epochs} epochs of your train_epoch (Adam, learning rate 1e-3, batches of 64), your Net classifies "
           f"{accuracy:.1%} of the test images correctly; at least {threshold:.0%} expected")
