"""Correct solutions of 04-convnets in other styles than the reference; each must score full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    # conv2d_single
    Mutant("conv2d_single with F.pad and a sum over the kernel offsets", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    padded = F.pad(image, (padding, padding, padding, padding))
    kH, kW = kernel.shape
    H_out = (padded.shape[0] - kH) // stride + 1
    W_out = (padded.shape[1] - kW) // stride + 1
    out = torch.zeros(H_out, W_out, dtype=image.dtype)
    for u in range(kH):
        for v in range(kW):
            rows = padded[u:u + (H_out - 1) * stride + 1:stride, v:v + (W_out - 1) * stride + 1:stride]
            out += rows * kernel[u, v]
    return out
"""),
    Mutant("conv2d_single with four plain loops and Python sums", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    H, W = image.shape
    kH, kW = kernel.shape
    padded = torch.zeros((H + 2 * padding, W + 2 * padding), dtype=image.dtype)
    padded[padding:padding + H, padding:padding + W] = image
    rows = []
    for i in range(0, H + 2 * padding - kH + 1, stride):
        row = []
        for j in range(0, W + 2 * padding - kW + 1, stride):
            total = torch.zeros((), dtype=image.dtype)
            for u in range(kH):
                for v in range(kW):
                    total = total + padded[i + u, j + v] * kernel[u, v]
            row.append(total)
        rows.append(torch.stack(row))
    return torch.stack(rows)
"""),
    Mutant("conv2d_single with windows from as_strided and einsum", "conv2d_single", """
def conv2d_single(image, kernel, stride=1, padding=0):
    padded = torch.nn.functional.pad(image, [padding] * 4).contiguous()
    kH, kW = kernel.shape
    H_out = (padded.shape[0] - kH) // stride + 1
    W_out = (padded.shape[1] - kW) // stride + 1
    row_step, column_step = padded.stride()
    windows = padded.as_strided((H_out, W_out, kH, kW), (row_step * stride, column_step * stride, row_step, column_step))
    return torch.einsum("ijuv,uv->ij", windows, kernel)
"""),
    # conv_output_size
    Mutant("conv_output_size with math.floor", "conv_output_size", """
import math


def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return math.floor((input_size + 2 * padding - kernel_size) / stride) + 1
"""),
    Mutant("conv_output_size counts the kernel positions in a loop", "conv_output_size", """
def conv_output_size(input_size, kernel_size, stride=1, padding=0):
    return len(range(0, input_size + 2 * padding - kernel_size + 1, stride))
"""),
    # pool_output_size
    Mutant("pool_output_size with `stride or kernel_size` and its own formula", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    stride = stride or kernel_size
    return int((input_size + 2 * padding - kernel_size) // stride) + 1
"""),
    Mutant("pool_output_size with divmod", "pool_output_size", """
def pool_output_size(input_size, kernel_size, stride=None, padding=0):
    steps, _ = divmod(input_size + 2 * padding - kernel_size, kernel_size if stride is None else stride)
    return steps + 1
"""),
    # Net
    Mutant("Net whose forward calls the layers one per line", "Net", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=(3, 3), stride=1, padding=(1, 1))
        self.act1 = nn.Tanh()
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 8, 3, 1, 1)
        self.act2 = nn.Tanh()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten(start_dim=1)
        self.fc1 = nn.Linear(512, 32)
        self.act3 = nn.Tanh()
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.act1(x)
        x = self.pool1(x)
        x = self.conv2(x)
        x = self.act2(x)
        x = self.pool2(x)
        x = self.flatten(x)
        x = self.fc1(x)
        x = self.act3(x)
        return self.fc2(x)
"""),
    Mutant("Net whose forward loops over its children", "Net", """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
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

    def forward(self, x):
        for layer in self.children():
            x = layer(x)
        return x
"""),
    # net_shapes
    Mutant("net_shapes with a list comprehension over children and torch.Size converted to a tuple", "net_shapes", """
def net_shapes(model, x):
    names = [name for name, _ in model.named_children()]
    outputs = []
    for layer in model.children():
        x = layer(x)
        outputs.append(tuple(int(size) for size in x.size()))
    return list(zip(names, outputs))
"""),
    Mutant("net_shapes under no_grad, returning a tuple of lists", "net_shapes", """
def net_shapes(model, x):
    table = []
    with torch.no_grad():
        for name, layer in model.named_children():
            x = layer(x)
            table.append([name, list(x.shape)])
    return tuple(table)
"""),
    # count_parameters
    Mutant("count_parameters with a loop and math.prod of the shapes", "count_parameters", """
import math


def count_parameters(model):
    total = 0
    for parameter in model.parameters():
        if parameter.requires_grad:
            total += math.prod(parameter.shape)
    return total
"""),
    Mutant("count_parameters over named_parameters with nelement", "count_parameters", """
def count_parameters(model):
    return int(sum(tensor.nelement() for _, tensor in model.named_parameters() if tensor.requires_grad))
"""),
    # train_epoch
    Mutant("train_epoch with zero_grad first and the loss summed in a tensor", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train()
    total, count = torch.zeros(()), 0
    for samples, labels in loader:
        samples = samples.to(device)
        labels = labels.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(samples), labels)
        loss.backward()
        optimizer.step()
        total = total + loss.detach().cpu().double() * len(labels)
        count += len(labels)
    mean_loss = (total / count).item()
    writer.add_scalar(tag="Loss/train", scalar_value=mean_loss, global_step=epoch)
    return mean_loss
"""),
    Mutant("train_epoch with lists of losses and sizes and a tqdm bar", "train_epoch", """
def train_epoch(model, loader, optimizer, loss_fn, device, writer, epoch):
    model.train(True)
    losses, sizes = [], []
    for samples, labels in tqdm(loader, desc=f"epoch {epoch}", leave=False):
        outputs = model(samples.to(device))
        loss = loss_fn(outputs, labels.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(labels.shape[0])
    mean_loss = sum(loss * size for loss, size in zip(losses, sizes)) / sum(sizes)
    writer.add_scalar("Loss/train", mean_loss, epoch)
    return mean_loss
"""),
    # valid_epoch
    Mutant("valid_epoch decorated with torch.no_grad()", "valid_epoch", """
@torch.no_grad()
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.eval()
    losses, hits, count = 0.0, 0, 0
    for samples, labels in loader:
        samples, labels = samples.to(device), labels.to(device)
        outputs = model(samples)
        losses += float(loss_fn(outputs, labels)) * len(labels)
        hits += int((outputs.max(dim=1).indices == labels).sum())
        count += len(labels)
    mean_loss, accuracy = losses / count, hits / count
    writer.add_scalar("Loss/valid", mean_loss, epoch)
    writer.add_scalar("Accuracy/valid", accuracy, epoch)
    return mean_loss, accuracy
"""),
    Mutant("valid_epoch under torch.inference_mode(), concatenating the outputs", "valid_epoch", """
def valid_epoch(model, loader, loss_fn, device, writer, epoch):
    model.train(False)
    weighted, predictions, targets = 0.0, [], []
    with torch.inference_mode():
        for samples, labels in loader:
            outputs = model(samples.to(device))
            labels = labels.to(device)
            weighted += loss_fn(outputs, labels).item() * labels.numel()
            predictions.append(outputs.argmax(dim=1))
            targets.append(labels)
    predictions, targets = torch.cat(predictions), torch.cat(targets)
    mean_loss = weighted / len(targets)
    accuracy = (predictions == targets).double().mean().item()
    writer.add_scalar("Loss/valid", mean_loss, epoch)
    writer.add_scalar("Accuracy/valid", accuracy, epoch)
    return mean_loss, accuracy
"""),
    # save_model
    Mutant("save_model writes to an open file", "save_model", """
def save_model(model, path):
    state = model.state_dict()
    with open(path, "wb") as file:
        torch.save(state, file)
"""),
    Mutant("save_model copies the state_dict to the CPU in an ordinary dict", "save_model", """
def save_model(model, path):
    torch.save({name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}, path)
"""),
    # load_model
    Mutant("load_model loads on the CPU and then moves the Net", "load_model", """
def load_model(path, device):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = Net()
    model.load_state_dict(state)
    return model.to(device).eval()
"""),
    Mutant("load_model moves the Net first and loads with strict=True", "load_model", """
def load_model(path, device):
    model = Net().to(device)
    model.load_state_dict(torch.load(path, map_location=torch.device(device), weights_only=True), strict=True)
    model.train(False)
    return model
"""),
]
