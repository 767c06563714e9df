"""Realistic wrong solutions of 04-convnets; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

NET_INIT = """
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.act1 = nn.Tanh()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.act2 = nn.Tanh()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.act3 = nn.Tanh()
        self.fc2 = nn.Linear(32, 10)
"""


def net(init: str = NET_INIT, forward: str = "") -> str:
    forward = forward or """
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = self.flatten(out)
        out = self.act3(self.fc1(out))
        return self.fc2(out)
"""
    return f"""
class Net(nn.Module):
    def __init__(self):
        super().__init__()
{init.strip(chr(10))}

    def forward(self, x):
{forward.strip(chr(10))}
"""


TRAIN_LOOP = """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train()
    total_loss, n_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        loss = loss_fn(outputs, labels)
{step}
        total_loss += loss.item() * samples.shape[0]
        n_samples += samples.shape[0]
    mean_loss = total_loss / n_samples
    writer.add_scalar("Loss/train", mean_loss, epoch)
    return mean_loss
"""
GOOD_STEP = """
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

MUTANTS = [
    # conv2d_single
    Mutant("conv2d_single flips the kernel (a true convolution, not PyTorch's cross-correlation)", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    kernel = torch.flip(kernel, dims=(0, 1))
    H, W = image.shape
    kH, kW = kernel.shape
    padded = torch.zeros(H + 2 * padding, W + 2 * padding, dtype=image.dtype)
    padded[padding:padding + H, padding:padding + W] = image
    out = torch.zeros((H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1, dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (padded[i * stride:i * stride + kH, j * stride:j * stride + kW] * kernel).sum()
    return out
"""),
    Mutant("conv2d_single moves the window by one pixel whatever the stride", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    H, W = image.shape
    kH, kW = kernel.shape
    padded = torch.zeros(H + 2 * padding, W + 2 * padding, dtype=image.dtype)
    padded[padding:padding + H, padding:padding + W] = image
    out = torch.zeros((H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1, dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (padded[i:i + kH, j:j + kW] * kernel).sum()
    return out
"""),
    Mutant("conv2d_single pads only the bottom and right", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    H, W = image.shape
    kH, kW = kernel.shape
    padded = torch.zeros(H + 2 * padding, W + 2 * padding, dtype=image.dtype)
    padded[:H, :W] = image
    out = torch.zeros((H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1, dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (padded[i * stride:i * stride + kH, j * stride:j * stride + kW] * kernel).sum()
    return out
"""),
    Mutant("conv2d_single assumes square images and kernels", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    n = image.shape[0]
    k = kernel.shape[0]
    padded = torch.zeros(n + 2 * padding, n + 2 * padding, dtype=image.dtype)
    padded[padding:padding + n, padding:padding + n] = image[:n, :n]
    size = (n + 2 * padding - k) // stride + 1
    out = torch.zeros(size, size, dtype=image.dtype)
    for i in range(size):
        for j in range(size):
            out[i, j] = (padded[i * stride:i * stride + k, j * stride:j * stride + k] * kernel[:k, :k]).sum()
    return out
"""),
    Mutant("conv2d_single always returns float32", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    H, W = image.shape
    kH, kW = kernel.shape
    padded = torch.zeros(H + 2 * padding, W + 2 * padding)
    padded[padding:padding + H, padding:padding + W] = image
    out = torch.zeros((H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (padded[i * stride:i * stride + kH, j * stride:j * stride + kW] * kernel).sum()
    return out
"""),
    Mutant("conv2d_single calls F.conv2d", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    return F.conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]
"""),
    Mutant("conv2d_single uses unfold", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    H, W = image.shape
    kH, kW = kernel.shape
    columns = F.unfold(image[None, None], (kH, kW), padding=padding, stride=stride)
    out = (kernel.reshape(1, -1) @ columns[0])
    return out.reshape((H + 2 * padding - kH) // stride + 1, (W + 2 * padding - kW) // stride + 1)
"""),
    # conv_output_size
    Mutant("conv_output_size divides with / and returns a float", "conv_output_size", """
def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return (input_size + 2 * padding - kernel_size) / stride + 1
"""),
    Mutant("conv_output_size forgets the + 1", "conv_output_size", """
def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return (input_size + 2 * padding - kernel_size) // stride
"""),
    Mutant("conv_output_size counts the padding on one side only", "conv_output_size", """
def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return (input_size + padding - kernel_size) // stride + 1
"""),
    Mutant("conv_output_size rounds up", "conv_output_size", """
import math

def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return math.ceil((input_size + 2 * padding - kernel_size) / stride) + 1
"""),
    Mutant("conv_output_size divides the input size by the stride before subtracting the kernel", "conv_output_size", """
def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return (input_size + 2 * padding) // stride - kernel_size + 1
"""),
    # pool_output_size
    Mutant("pool_output_size uses stride 1 when no stride is given", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    stride = stride or 1
    return (input_size + 2 * padding - kernel_size) // stride + 1
"""),
    Mutant("pool_output_size divides by the kernel size and ignores stride and padding", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    return input_size // kernel_size
"""),
    Mutant("pool_output_size passes stride=None on to the formula", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    return conv_output_size(input_size, kernel_size, stride, padding)
"""),
    Mutant("pool_output_size rounds with round()", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    stride = kernel_size if stride is None else stride
    return round((input_size + 2 * padding - kernel_size) / stride) + 1
"""),
    # Net
    Mutant("Net returns softmax probabilities instead of logits", "Net", net(forward="""
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = self.flatten(out)
        out = self.act3(self.fc1(out))
        return torch.softmax(self.fc2(out), dim=1)
""")),
    Mutant("Net flattens the batch dimension too (x.flatten())", "Net", net(forward="""
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = out.flatten()
        out = self.act3(self.fc1(out))
        return self.fc2(out)
""")),
    Mutant("Net uses ReLU instead of tanh", "Net", net(init=NET_INIT.replace("nn.Tanh()", "nn.ReLU()"))),
    Mutant("Net forgets the activation between fc1 and fc2", "Net", net(forward="""
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = self.flatten(out)
        return self.fc2(self.fc1(out))
""")),
    Mutant("Net without padding, fc1 resized to 8 * 6 * 6", "Net", net(init=NET_INIT.replace(", padding=1", "").replace("8 * 8 * 8", "8 * 6 * 6"))),
    Mutant("Net squeezes the batch of one away", "Net", net(forward="""
        out = self.pool1(self.act1(self.conv1(x)))
        out = self.pool2(self.act2(self.conv2(out)))
        out = self.flatten(out).squeeze()
        out = self.act3(self.fc1(out))
        return self.fc2(out)
""")),
    # net_shapes
    Mutant("net_shapes records each layer's input shape instead of its output", "net_shapes", """
def net_shapes(model, x):
    shapes = []
    for name, layer in model.named_children():
        shapes.append((name, tuple(x.shape)))
        x = layer(x)
    return shapes
"""),
    Mutant("net_shapes leaves out the batch dimension", "net_shapes", """
def net_shapes(model, x):
    shapes = []
    for name, layer in model.named_children():
        x = layer(x)
        shapes.append((name, tuple(x.shape[1:])))
    return shapes
"""),
    Mutant("net_shapes lists the parameter shapes", "net_shapes", """
def net_shapes(model, x):
    return [(name, tuple(parameter.shape)) for name, parameter in model.named_parameters()]
"""),
    Mutant("net_shapes walks model.named_modules(), the model itself included", "net_shapes", """
def net_shapes(model, x):
    shapes = []
    out = x
    for name, layer in model.named_modules():
        out = layer(out)
        shapes.append((name, tuple(out.shape)))
    return shapes
"""),
    Mutant("net_shapes feeds every layer the original input", "net_shapes", """
def net_shapes(model, x):
    shapes = []
    for name, layer in model.named_children():
        try:
            shapes.append((name, tuple(layer(x).shape)))
        except RuntimeError:
            shapes.append((name, tuple(x.shape)))
    return shapes
"""),
    # count_parameters
    Mutant("count_parameters counts the parameter tensors, not their entries", "count_parameters", """
def count_parameters(model):
    return len(list(model.parameters()))
"""),
    Mutant("count_parameters counts the weights but not the biases", "count_parameters", """
def count_parameters(model):
    return sum(p.numel() for name, p in model.named_parameters() if "weight" in name)
"""),
    Mutant("count_parameters counts frozen parameters too", "count_parameters", """
def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
"""),
    Mutant("count_parameters counts the state_dict, buffers included", "count_parameters", """
def count_parameters(model):
    return sum(t.numel() for t in model.state_dict().values())
"""),
    Mutant("count_parameters adds up the first dimension of each shape", "count_parameters", """
def count_parameters(model):
    return sum(p.shape[0] for p in model.parameters() if p.requires_grad)
"""),
    # train_epoch
    Mutant("train_epoch never calls optimizer.zero_grad()", "train_epoch", TRAIN_LOOP.format(step="""
        loss.backward()
        optimizer.step()
""".strip("\n"))),
    Mutant("train_epoch forgets optimizer.step()", "train_epoch", TRAIN_LOOP.format(step="""
        optimizer.zero_grad()
        loss.backward()
""".strip("\n"))),
    Mutant("train_epoch adds up batch means and divides by the samples (the lecture's loss)", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train()
    train_loss, total = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        loss = loss_fn(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += samples.shape[0]
        train_loss += loss.sum().detach()
    train_loss /= total
    writer.add_scalar("Loss/train", train_loss.item(), epoch)
    return train_loss.item()
"""),
    Mutant("train_epoch averages the batch means, ignoring the smaller last batch", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train()
    losses = []
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    mean_loss = sum(losses) / len(losses)
    writer.add_scalar("Loss/train", mean_loss, epoch)
    return mean_loss
"""),
    Mutant("train_epoch forgets model.train()", "train_epoch", TRAIN_LOOP.format(step=GOOD_STEP.strip("\n")).replace("    model.train()\n", "")),
    Mutant("train_epoch logs with add_scalars, as the lecture does", "train_epoch", TRAIN_LOOP.format(step=GOOD_STEP.strip("\n")).replace(
        'writer.add_scalar("Loss/train", mean_loss, epoch)', 'writer.add_scalars("Loss", {"train": mean_loss}, epoch)')),
    Mutant("train_epoch logs every batch's loss", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train()
    total_loss, n_samples = 0.0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        loss = loss_fn(model(samples), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        writer.add_scalar("Loss/train", loss.item(), epoch)
        total_loss += loss.item() * samples.shape[0]
        n_samples += samples.shape[0]
    return total_loss / n_samples
"""),
    # valid_epoch
    Mutant("valid_epoch evaluates the global net, as the lecture does", "valid_epoch", """
net = Net()

def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    net.eval()
    total_loss, n_correct, n_samples = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = net(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            n_correct += (outputs.argmax(dim=1) == labels).sum().item()
            n_samples += samples.shape[0]
    writer.add_scalar("Loss/valid", total_loss / n_samples, epoch)
    writer.add_scalar("Accuracy/valid", n_correct / n_samples, epoch)
    return total_loss / n_samples, n_correct / n_samples
"""),
    Mutant("valid_epoch forgets model.eval()", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    total_loss, n_correct, n_samples = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            n_correct += (outputs.argmax(dim=1) == labels).sum().item()
            n_samples += samples.shape[0]
    writer.add_scalar("Loss/valid", total_loss / n_samples, epoch)
    writer.add_scalar("Accuracy/valid", n_correct / n_samples, epoch)
    return total_loss / n_samples, n_correct / n_samples
"""),
    Mutant("valid_epoch forgets torch.no_grad()", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.eval()
    total_loss, n_correct, n_samples = 0.0, 0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
        n_correct += (outputs.argmax(dim=1) == labels).sum().item()
        n_samples += samples.shape[0]
    writer.add_scalar("Loss/valid", total_loss / n_samples, epoch)
    writer.add_scalar("Accuracy/valid", n_correct / n_samples, epoch)
    return total_loss / n_samples, n_correct / n_samples
"""),
    Mutant("valid_epoch averages the accuracy of each batch", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.eval()
    total_loss, accuracies, n_samples = 0.0, [], 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            accuracies.append((outputs.argmax(dim=1) == labels).float().mean().item())
            n_samples += samples.shape[0]
    accuracy = sum(accuracies) / len(accuracies)
    writer.add_scalar("Loss/valid", total_loss / n_samples, epoch)
    writer.add_scalar("Accuracy/valid", accuracy, epoch)
    return total_loss / n_samples, accuracy
"""),
    Mutant("valid_epoch adds up batch means and divides by the samples (the lecture's loss)", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.eval()
    validation_loss, accuracy, total = 0.0, 0.0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            loss = loss_fn(outputs, labels)
            accuracy += (outputs.argmax(dim=1) == labels).float().sum()
            total += samples.shape[0]
            validation_loss += loss.sum()
    validation_loss /= total
    accuracy = accuracy / total
    writer.add_scalar("Loss/valid", validation_loss.item(), epoch)
    writer.add_scalar("Accuracy/valid", accuracy.item(), epoch)
    return validation_loss.item(), accuracy.item()
"""),
    Mutant("valid_epoch logs the accuracy under the lecture's tag Accuracy", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.eval()
    total_loss, n_correct, n_samples = 0.0, 0, 0
    with torch.no_grad():
        for samples, labels in loader:
            samples, labels = samples.to(device), labels.to(device)
            outputs = model(samples)
            total_loss += loss_fn(outputs, labels).item() * samples.shape[0]
            n_correct += (outputs.argmax(dim=1) == labels).sum().item()
            n_samples += samples.shape[0]
    writer.add_scalar("Loss/valid", total_loss / n_samples, epoch)
    writer.add_scalar("Accuracy", n_correct / n_samples, epoch)
    return total_loss / n_samples, n_correct / n_samples
"""),
    # save_model
    Mutant("save_model pickles the whole model", "save_model", """
def save_model(model, path):
    torch.save(model, path)
"""),
    Mutant("save_model saves the list of parameters", "save_model", """
def save_model(model, path):
    torch.save(list(model.parameters()), path)
"""),
    Mutant("save_model saves only the named parameters, without buffers", "save_model", """
def save_model(model, path):
    torch.save(dict(model.named_parameters()), path)
"""),
    Mutant("save_model always writes cifar_model.pt", "save_model", """
def save_model(model, path):
    torch.save(model.state_dict(), "cifar_model.pt")
"""),
    # load_model
    Mutant("load_model without map_location", "load_model", """
def load_model(path, device):
    model = Net()
    model.load_state_dict(torch.load(path, weights_only=True))
    model.to(device)
    model.eval()
    return model
"""),
    Mutant("load_model writes model.eval without parentheses", "load_model", """
def load_model(path, device):
    model = Net()
    model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    model.to(device)
    model.eval
    return model
"""),
    Mutant("load_model returns the state_dict instead of the Net", "load_model", """
def load_model(path, device):
    return torch.load(path, map_location=device, weights_only=True)
"""),
    Mutant("load_model loads the file but never calls load_state_dict", "load_model", """
def load_model(path, device):
    model = Net()
    state = torch.load(path, map_location=device, weights_only=True)
    model.to(device)
    model.eval()
    return model
"""),
]
