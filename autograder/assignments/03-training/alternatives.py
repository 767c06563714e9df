"""Correct solutions of 03-training in other styles than the reference; each must score full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    # channel_stats
    Mutant("channel_stats in two passes over the images, summing in float64", "channel_stats", """
def channel_stats(dataset):
    total, count = 0, 0
    for image, _ in dataset:
        pixels = image.double().flatten(1)  # [C, H * W]
        total = total + pixels.sum(dim=1)
        count += pixels.shape[1]
    mean = total / count
    squares = 0
    for image, _ in dataset:
        squares = squares + ((image.double().flatten(1) - mean[:, None]) ** 2).sum(dim=1)
    return mean.float(), (squares / (count - 1)).sqrt().float()
"""),
    Mutant("channel_stats from one DataLoader batch, channels moved first with transpose", "channel_stats", """
def channel_stats(dataset):
    images, _ = next(iter(torch.utils.data.DataLoader(dataset, batch_size=len(dataset))))
    per_channel = images.transpose(0, 1).reshape(images.shape[1], -1)
    return per_channel.mean(dim=1), per_channel.std(dim=1)
"""),
    # make_normalize
    Mutant("make_normalize passes the tensors from channel_stats", "make_normalize", """
def make_normalize(dataset):
    mean, std = channel_stats(dataset)
    return transforms.Normalize(mean, std)
"""),
    Mutant("make_normalize computes the statistics itself and passes tuples", "make_normalize", """
from torchvision.transforms import Normalize


def make_normalize(dataset):
    images = torch.stack([image for image, _ in dataset])
    mean = tuple(images.mean(dim=(0, 2, 3)).tolist())
    std = tuple(images.std(dim=(0, 2, 3)).tolist())
    return Normalize(mean=mean, std=std)
"""),
    Mutant("make_normalize with torchvision.transforms.v2", "make_normalize", """
from torchvision.transforms import v2


def make_normalize(dataset):
    mean, std = channel_stats(dataset)
    return v2.Normalize(mean=mean.tolist(), std=std.tolist())
"""),
    # binary_cross_entropy
    Mutant("binary_cross_entropy with torch.maximum and log1p", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    floor = torch.tensor(-100.0, dtype=p.dtype)
    log_p = torch.maximum(torch.log(p), floor)
    log_not_p = torch.maximum(torch.log1p(-p), floor)
    return torch.mean(-(y * log_p) - (1 - y) * log_not_p)
"""),
    Mutant("binary_cross_entropy in float64, clamp_min, sum over numel", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    p64, y64 = p.double(), y.double()
    terms = y64 * p64.log().clamp_min(-100) + (1 - y64) * (1 - p64).log().clamp_min(-100)
    return (-terms.sum() / terms.numel()).to(p.dtype)
"""),
    # cross_entropy
    Mutant("cross_entropy sample by sample in a loop", "cross_entropy", """
def cross_entropy(logits, targets):
    losses = []
    for row, target in zip(logits, targets):
        top = row.max()
        losses.append(top + torch.log(torch.sum(torch.exp(row - top))) - row[target])
    return torch.stack(losses).mean()
"""),
    Mutant("cross_entropy with amax and indexing by arange", "cross_entropy", """
def cross_entropy(logits, targets):
    shifted = logits - logits.amax(dim=1, keepdim=True)
    log_probabilities = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_probabilities[torch.arange(logits.shape[0]), targets].mean()
"""),
    Mutant("cross_entropy with a one-hot mask", "cross_entropy", """
def cross_entropy(logits, targets):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probabilities = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    one_hot = torch.nn.functional.one_hot(targets, logits.shape[1]).to(logits.dtype)
    return -(one_hot * log_probabilities).sum(dim=1).mean()
"""),
    # MNISTModel
    Mutant("MNISTModel with F.relu and view", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(28 * 28, 512)
        self.fc2 = torch.nn.Linear(512, 10)

    def forward(self, x):
        return self.fc2(torch.nn.functional.relu(self.fc1(x.view(x.shape[0], -1))))
"""),
    Mutant("MNISTModel with nn.Flatten and nn.ReLU modules", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = torch.nn.Flatten()
        self.fc1 = torch.nn.Linear(784, 512)
        self.activation = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(512, 10)

    def forward(self, x):
        return self.fc2(self.activation(self.fc1(self.flatten(x))))
"""),
    Mutant("MNISTModel with reshape and clamp", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)

    def forward(self, x):
        hidden = torch.clamp(self.fc1(x.reshape(-1, 784)), min=0)
        return self.fc2(hidden)
"""),
    # make_loaders
    Mutant("make_loaders returns a list, positional batch size, explicit drop_last", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    from torch.utils.data import DataLoader
    return [DataLoader(train_set, batch_size, shuffle=True, drop_last=False), DataLoader(val_set, batch_size)]
"""),
    Mutant("make_loaders with a RandomSampler and a SequentialSampler", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    data = torch.utils.data
    train_loader = data.DataLoader(train_set, batch_size=batch_size, sampler=data.RandomSampler(train_set))
    val_loader = data.DataLoader(val_set, batch_size=batch_size, sampler=data.SequentialSampler(val_set))
    return train_loader, val_loader
"""),
    # train_epoch
    Mutant("train_epoch zeroes the gradients first and keeps lists of losses and sizes", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    losses, sizes = [], []
    for samples, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(samples.to(device)), labels.to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(len(labels))
    return sum(loss * size for loss, size in zip(losses, sizes)) / sum(sizes)
"""),
    Mutant("train_epoch sums detached losses in a float64 tensor over len(loader.dataset)", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train(True)
    total = torch.zeros((), dtype=torch.float64)
    for batch in loader:
        samples, labels = (tensor.to(device) for tensor in batch)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(samples), labels)
        loss.backward()
        optimizer.step()
        total += loss.detach().cpu().double() * labels.numel()
    return float(total / len(loader.dataset))
"""),
    # evaluate
    Mutant("evaluate decorated with torch.no_grad(), max().indices and float()", "evaluate", """
@torch.no_grad()
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        total_loss += float(loss_fn(outputs, labels)) * len(labels)
        correct += int((outputs.max(dim=1).indices == labels).sum())
        count += len(labels)
    return total_loss / count, correct / count
"""),
    Mutant("evaluate under torch.inference_mode(), keeping the outputs and labels", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.train(False)
    weighted_losses, hits, sizes = [], [], []
    with torch.inference_mode():
        for samples, labels in loader:
            outputs = model(samples.to(device))
            labels = labels.to(device)
            weighted_losses.append(loss_fn(outputs, labels).item() * labels.shape[0])
            hits.append((outputs.argmax(1) == labels).sum().item())
            sizes.append(labels.shape[0])
    return sum(weighted_losses) / sum(sizes), sum(hits) / sum(sizes)
"""),
    # fit
    Mutant("fit keeps a history dict and returns its two lists", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    history = {"train": [], "val": []}
    for _ in range(epochs):
        history["train"].append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        history["val"].append(evaluate(model, val_loader, loss_fn, device)[0])
    return history["train"], history["val"]
"""),
    Mutant("fit with a while loop, printing each epoch", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    train_losses, val_losses = [], []
    epoch = 0
    while epoch < epochs:
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_loss, accuracy = evaluate(model, val_loader, loss_fn, device)
        val_losses.append(val_loss)
        print(f"epoch {epoch + 1}: train {train_losses[-1]:.3f}, val {val_loss:.3f}, accuracy {accuracy:.3f}")
        epoch += 1
    return train_losses, val_losses
"""),
    # shift_pixels
    Mutant("shift_pixels concatenates the two slices", "shift_pixels", """
def shift_pixels(images, shift):
    shift = shift % images.shape[-1]
    return torch.cat([images[..., images.shape[-1] - shift:], images[..., :images.shape[-1] - shift]], dim=-1)
"""),
    Mutant("shift_pixels indexes the columns with a computed source index", "shift_pixels", """
def shift_pixels(images, shift):
    width = images.shape[-1]
    source = (torch.arange(width) - shift) % width
    return images[..., source]
"""),
    Mutant("shift_pixels copies column by column into empty_like", "shift_pixels", """
def shift_pixels(images, shift):
    result = torch.empty_like(images)
    width = images.shape[-1]
    for column in range(width):
        result[..., column] = images[..., (column - shift) % width]
    return result
"""),
]
