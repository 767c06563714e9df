"""Realistic wrong solutions of 03-training; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

MUTANTS = [
    # channel_stats
    Mutant("channel_stats takes one mean and std over all channels, as the lecture's view(1, -1)", "channel_stats", """
def channel_stats(dataset):
    images = torch.stack([image for image, _ in dataset])
    mean, std = images.view(1, -1).mean(dim=1), images.view(1, -1).std(dim=1)
    channels = images.shape[1]
    return mean.expand(channels), std.expand(channels)
"""),
    Mutant("channel_stats averages the std of each image", "channel_stats", """
def channel_stats(dataset):
    images = torch.stack([image for image, _ in dataset])
    return images.mean(dim=(0, 2, 3)), images.std(dim=(2, 3)).mean(dim=0)
"""),
    Mutant("channel_stats reshapes [N, C, H, W] to [C, -1] without moving the channels first", "channel_stats", """
def channel_stats(dataset):
    images = torch.stack([image for image, _ in dataset])
    per_channel = images.reshape(images.shape[1], -1)
    return per_channel.mean(dim=1), per_channel.std(dim=1)
"""),
    Mutant("channel_stats computes the std of the per-image means", "channel_stats", """
def channel_stats(dataset):
    means = torch.stack([image.mean(dim=(1, 2)) for image, _ in dataset])
    return means.mean(dim=0), means.std(dim=0)
"""),
    # make_normalize
    Mutant("make_normalize uses the well-known MNIST constants 0.1307 and 0.3081", "make_normalize", """
def make_normalize(dataset):
    return transforms.Normalize((0.1307,), (0.3081,))
"""),
    Mutant("make_normalize uses mean 0.5 and std 0.5, as on the lecture's first slide", "make_normalize", """
def make_normalize(dataset):
    mean, std = channel_stats(dataset)
    return transforms.Normalize([0.5] * len(mean), [0.5] * len(std))
"""),
    Mutant("make_normalize passes the variance instead of the std", "make_normalize", """
def make_normalize(dataset):
    mean, std = channel_stats(dataset)
    return transforms.Normalize(mean.tolist(), (std ** 2).tolist())
"""),
    Mutant("make_normalize swaps mean and std", "make_normalize", """
def make_normalize(dataset):
    mean, std = channel_stats(dataset)
    return transforms.Normalize(std.tolist(), mean.tolist())
"""),
    # binary_cross_entropy
    Mutant("binary_cross_entropy with the lecture's sign error", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    log_p = torch.clamp(torch.log(p), min=-100)
    log_not_p = torch.clamp(torch.log(1 - p), min=-100)
    return (-y * log_p + (1 - y) * log_not_p).mean()
"""),
    Mutant("binary_cross_entropy sums instead of averaging", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    log_p = torch.clamp(torch.log(p), min=-100)
    log_not_p = torch.clamp(torch.log(1 - p), min=-100)
    return -(y * log_p + (1 - y) * log_not_p).sum()
"""),
    Mutant("binary_cross_entropy without the clamp: nan at p = 0 or 1", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
"""),
    Mutant("binary_cross_entropy clamps p to [1e-7, 1 - 1e-7] instead of the logs", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    p = torch.clamp(p, 1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
"""),
    Mutant("binary_cross_entropy calls F.binary_cross_entropy", "binary_cross_entropy", """
def binary_cross_entropy(p, y):
    return F.binary_cross_entropy(p, y)
"""),
    # cross_entropy
    Mutant("cross_entropy without subtracting the max: inf for large scores", "cross_entropy", """
def cross_entropy(logits, targets):
    log_sum_exp = torch.log(torch.exp(logits).sum(dim=1))
    return (log_sum_exp - logits[torch.arange(len(targets)), targets]).mean()
"""),
    Mutant("cross_entropy takes the log of a softmax", "cross_entropy", """
def cross_entropy(logits, targets):
    probabilities = torch.softmax(logits, dim=1)
    return -torch.log(probabilities[torch.arange(len(targets)), targets]).mean()
"""),
    Mutant("cross_entropy picks the true scores with logits[:, targets]", "cross_entropy", """
def cross_entropy(logits, targets):
    row_max = logits.max(dim=1, keepdim=True).values
    log_sum_exp = row_max.squeeze(1) + torch.log(torch.exp(logits - row_max).sum(dim=1))
    return (log_sum_exp - logits[:, targets]).mean()
"""),
    Mutant("cross_entropy sums over the batch", "cross_entropy", """
def cross_entropy(logits, targets):
    row_max = logits.max(dim=1, keepdim=True).values
    log_sum_exp = row_max.squeeze(1) + torch.log(torch.exp(logits - row_max).sum(dim=1))
    return (log_sum_exp - logits[torch.arange(len(targets)), targets]).sum()
"""),
    Mutant("cross_entropy calls F.cross_entropy", "cross_entropy", """
def cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets)
"""),
    # MNISTModel
    Mutant("MNISTModel flattens the whole batch with x.flatten()", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten())))
"""),
    Mutant("MNISTModel squeezes away the batch dimension of a single image", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        x = x.squeeze().flatten(start_dim=1)
        return self.fc2(self.relu(self.fc1(x)))
"""),
    Mutant("MNISTModel ends with a softmax", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        x = self.relu(self.fc1(x.flatten(start_dim=1)))
        return torch.softmax(self.fc2(x), dim=1)
"""),
    Mutant("MNISTModel forgets the ReLU", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x.flatten(start_dim=1)))
"""),
    Mutant("MNISTModel applies a ReLU to the scores too", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 512)
        self.fc2 = torch.nn.Linear(512, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        x = self.relu(self.fc1(x.flatten(start_dim=1)))
        return self.relu(self.fc2(x))
"""),
    Mutant("MNISTModel with a hidden layer of 256 units", "MNISTModel", """
class MNISTModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 256)
        self.fc2 = torch.nn.Linear(256, 10)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten(start_dim=1))))
"""),
    # make_loaders
    Mutant("make_loaders shuffles the validation loader too", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=batch_size, shuffle=True)
    return train_loader, val_loader
"""),
    Mutant("make_loaders forgets shuffle=True for training", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=batch_size)
    return train_loader, val_loader
"""),
    Mutant("make_loaders forgets the batch size of the validation loader", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, shuffle=False)
    return train_loader, val_loader
"""),
    Mutant("make_loaders drops the last, smaller batch", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=batch_size, shuffle=False, drop_last=True)
    return train_loader, val_loader
"""),
    Mutant("make_loaders returns (val_loader, train_loader)", "make_loaders", """
def make_loaders(train_set, val_set, batch_size):
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=batch_size, shuffle=False)
    return val_loader, train_loader
"""),
    # train_epoch
    Mutant("train_epoch forgets optimizer.zero_grad()", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total_loss, total_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * samples.shape[0]
        total_samples += samples.shape[0]
    return total_loss / total_samples
"""),
    Mutant("train_epoch forgets optimizer.step()", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total_loss, total_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        total_loss += loss.item() * samples.shape[0]
        total_samples += samples.shape[0]
    return total_loss / total_samples
"""),
    Mutant("train_epoch calls zero_grad() between backward() and step()", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total_loss, total_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total_loss += loss.item() * samples.shape[0]
        total_samples += samples.shape[0]
    return total_loss / total_samples
"""),
    Mutant("train_epoch adds up the batch means and divides by the samples, as the lecture", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total_loss = 0.0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    return total_loss / len(loader.dataset)
"""),
    Mutant("train_epoch averages the batch means, ignoring the smaller last batch", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    batch_losses = []
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    return sum(batch_losses) / len(batch_losses)
"""),
    Mutant("train_epoch returns the loss of the last batch", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()
"""),
    Mutant("train_epoch adds up loss tensors and returns a tensor", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    model.train()
    total_loss, total_samples = 0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss * samples.shape[0]
        total_samples += samples.shape[0]
    return total_loss / total_samples
"""),
    Mutant("train_epoch never calls model.train()", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device):
    total_loss, total_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * samples.shape[0]
        total_samples += samples.shape[0]
    return total_loss / total_samples
"""),
    # evaluate
    Mutant("evaluate uses the global net instead of its argument, as the lecture's valid_epoch", "evaluate", """
net = MNISTModel()

def evaluate(model, loader, loss_fn, device):
    net.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = net(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += samples.shape[0]
    return total_loss / total, correct / total
"""),
    Mutant("evaluate forgets model.eval()", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += samples.shape[0]
    return total_loss / total, correct / total
"""),
    Mutant("evaluate forgets torch.no_grad()", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
        correct += (outputs.argmax(dim=1) == labels).sum().item()
        total += samples.shape[0]
    return total_loss / total, correct / total
"""),
    Mutant("evaluate averages the accuracy of each batch", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, total, batch_accuracies = 0.0, 0, []
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            batch_accuracies.append((outputs.argmax(dim=1) == labels).float().mean().item())
            total += samples.shape[0]
    return total_loss / total, sum(batch_accuracies) / len(batch_accuracies)
"""),
    Mutant("evaluate averages the batch mean losses, ignoring the smaller last batch", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.eval()
    batch_losses, correct, total = [], 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            batch_losses.append(loss_fn(outputs, labels).item())
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += samples.shape[0]
    return sum(batch_losses) / len(batch_losses), correct / total
"""),
    Mutant("evaluate divides by len(loader) * batch_size", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            correct += (outputs.argmax(dim=1) == labels).sum().item()
    total = len(loader) * loader.batch_size
    return total_loss / total, correct / total
"""),
    Mutant("evaluate returns the accuracy as a tensor", "evaluate", """
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            correct += (outputs.argmax(dim=1) == labels).sum()
            total += samples.shape[0]
    return total_loss / total, correct / total
"""),
    # fit
    Mutant("fit evaluates before training in each epoch", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    train_losses, val_losses = [], []
    for epoch in tqdm(range(epochs)):
        val_loss, _ = evaluate(model, val_loader, loss_fn, device)
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_losses.append(val_loss)
    return train_losses, val_losses
"""),
    Mutant("fit records the validation accuracy instead of the loss", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    train_losses, val_losses = [], []
    for epoch in tqdm(range(epochs)):
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_losses.append(evaluate(model, val_loader, loss_fn, device)[1])
    return train_losses, val_losses
"""),
    Mutant("fit starts new lists in every epoch", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    for epoch in tqdm(range(epochs)):
        train_losses, val_losses = [], []
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_losses.append(evaluate(model, val_loader, loss_fn, device)[0])
    return train_losses, val_losses
"""),
    Mutant("fit validates on the training loader", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    train_losses, val_losses = [], []
    for epoch in tqdm(range(epochs)):
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_losses.append(evaluate(model, train_loader, loss_fn, device)[0])
    return train_losses, val_losses
"""),
    Mutant("fit returns (val_losses, train_losses)", "fit", """
def fit(model, train_loader, val_loader, optimizer, loss_fn, device, epochs):
    train_losses, val_losses = [], []
    for epoch in tqdm(range(epochs)):
        train_losses.append(train_epoch(model, train_loader, optimizer, loss_fn, device))
        val_losses.append(evaluate(model, val_loader, loss_fn, device)[0])
    return val_losses, train_losses
"""),
    # shift_pixels
    Mutant("shift_pixels calls torch.roll without dims, as the lecture", "shift_pixels", """
def shift_pixels(images, shift):
    return torch.roll(images, shift)
"""),
    Mutant("shift_pixels rolls along the height (down) instead of the width", "shift_pixels", """
def shift_pixels(images, shift):
    return torch.roll(images, shift, dims=-2)
"""),
    Mutant("shift_pixels moves the content to the left", "shift_pixels", """
def shift_pixels(images, shift):
    return torch.roll(images, -shift, dims=-1)
"""),
    Mutant("shift_pixels hard-codes dims=3, for batches only", "shift_pixels", """
def shift_pixels(images, shift):
    return torch.roll(images, shift, dims=3)
"""),
    Mutant("shift_pixels fills the left columns with zeros instead of wrapping around", "shift_pixels", """
def shift_pixels(images, shift):
    shifted = torch.zeros_like(images)
    if shift >= 0:
        shifted[..., shift:] = images[..., :images.shape[-1] - shift]
    else:
        shifted[..., :shift] = images[..., -shift:]
    return shifted
"""),
    Mutant("shift_pixels writes the result into its input", "shift_pixels", """
def shift_pixels(images, shift):
    images[:] = torch.roll(images, shift, dims=-1)
    return images
"""),
]
