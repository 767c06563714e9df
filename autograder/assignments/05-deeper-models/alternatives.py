"""Correct solutions of 05-deeper-models in other styles than the reference; each must score full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    # l2_penalty
    Mutant("l2_penalty accumulates p * p in a loop", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    total = 0
    for parameter in model.parameters():
        total = total + torch.sum(parameter * parameter)
    return l2_lambda * total
"""),
    Mutant("l2_penalty concatenates every parameter into one vector", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    everything = torch.cat([parameter.flatten() for parameter in model.parameters()])
    return l2_lambda * everything.pow(2).sum()
"""),
    Mutant("l2_penalty from squared norms", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * torch.stack([parameter.norm() ** 2 for _, parameter in model.named_parameters()]).sum()
"""),
    # sgd_step_with_penalty
    Mutant("sgd_step_with_penalty updates the parameters by hand", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    model.zero_grad()
    total = loss_fn(model(x), y) + l2_penalty(model, l2_lambda)
    total.backward()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter -= lr * parameter.grad
    return total.item()
"""),
    Mutant("sgd_step_with_penalty with torch.autograd.grad", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    parameters = list(model.parameters())
    total = loss_fn(model(x), y) + l2_lambda * sum((parameter ** 2).sum() for parameter in parameters)
    gradients = torch.autograd.grad(total, parameters)
    with torch.no_grad():
        for parameter, gradient in zip(parameters, gradients):
            parameter.sub_(lr * gradient)
    return float(total)
"""),
    # equivalent_weight_decay
    Mutant("equivalent_weight_decay as a float of lambda + lambda", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    return float(l2_lambda + l2_lambda)
"""),
    Mutant("equivalent_weight_decay from autograd: the slope of lambda * p ** 2 at p = 1", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    p = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    (l2_lambda * p ** 2).backward()
    return p.grad.item()
"""),
    # dropout
    Mutant("dropout with torch.bernoulli and torch.where, returning a copy in evaluation", "dropout", """
def dropout(x, p, training):
    if not training:
        return x.clone()
    keep = torch.bernoulli(torch.full_like(x, 1 - p)).bool()
    return torch.where(keep, x / (1 - p), torch.zeros_like(x))
"""),
    Mutant("dropout with torch.rand and a scale factor", "dropout", """
def dropout(x, p, training):
    if training:
        keep = torch.rand(x.shape, dtype=x.dtype, device=x.device) >= p
        return x * keep.to(x.dtype) * (1.0 / (1 - p))
    return x
"""),
    Mutant("dropout with masked_fill", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    return x.masked_fill(torch.rand_like(x) < p, 0.0) / (1 - p)
"""),
    # NetDropout
    Mutant("NetDropout with F.dropout2d in forward", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.p = p
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(512, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.dropout2d(F.max_pool2d(torch.tanh(self.conv1(x)), 2), self.p, self.training)
        out = F.dropout2d(F.max_pool2d(torch.tanh(self.conv2(out)), 2), self.p, self.training)
        out = torch.tanh(self.fc1(out.view(-1, 8 * 8 * 8)))
        return self.fc2(out)
"""),
    Mutant("NetDropout with activation, pooling and one dropout module reused", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)
        self.act = nn.Tanh()
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout2d(p=p)

    def forward(self, x):
        out = self.drop(self.pool(self.act(self.conv1(x))))
        out = self.drop(self.pool(self.act(self.conv2(out))))
        out = self.act(self.fc1(torch.flatten(out, 1)))
        return self.fc2(out)
"""),
    # batch_norm
    Mutant("batch_norm with the channels moved first and copy_ under no_grad", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    channels = x.shape[1]
    shape = (1, channels) + (1,) * (x.dim() - 2)
    if training:
        flat = x.transpose(0, 1).reshape(channels, -1)
        mean = flat.mean(dim=1)
        var = ((flat - mean[:, None]) ** 2).mean(dim=1)
        n = flat.shape[1]
        with torch.no_grad():
            running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
            running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean.reshape(shape)) / (var.reshape(shape) + eps).sqrt()
"""),
    Mutant("batch_norm with torch.var_mean, keepdim and lerp_", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = (0,) + tuple(range(2, x.dim()))
    if training:
        var, mean = torch.var_mean(x, dim=dims, unbiased=False, keepdim=True)
        running_mean.lerp_(mean.detach().flatten(), momentum)
        running_var.lerp_(torch.var(x, dim=dims).detach(), momentum)
    else:
        shape = [1, -1] + [1] * (x.dim() - 2)
        mean, var = running_mean.view(shape), running_var.view(shape)
    return (x - mean) * torch.rsqrt(var + eps)
"""),
    # NetWidth
    Mutant("NetWidth with activation and pooling modules and view", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans2 = n_chans1 // 2
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, self.n_chans2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * self.n_chans2, 32)
        self.fc2 = nn.Linear(32, 10)
        self.act = nn.Tanh()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        out = self.pool(self.act(self.conv1(x)))
        out = self.pool(self.act(self.conv2(out)))
        out = self.act(self.fc1(out.view(-1, 8 * 8 * self.n_chans2)))
        return self.fc2(out)
"""),
    Mutant("NetWidth with tensor methods and explicit pooling stride", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        half = n_chans1 // 2
        self.conv1 = nn.Conv2d(3, n_chans1, 3, 1, 1)
        self.conv2 = nn.Conv2d(n_chans1, half, 3, 1, 1)
        self.fc1 = nn.Linear(half * 64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(self.conv1(x).tanh(), kernel_size=2, stride=2)
        out = F.max_pool2d(self.conv2(out).tanh(), kernel_size=2, stride=2)
        return self.fc2(self.fc1(out.reshape(out.shape[0], -1)).tanh())
"""),
    # NetDepth
    Mutant("NetDepth loops over its three convolutions", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        half = n_chans1 // 2
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, half, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(half, half, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * half, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        for conv in (self.conv1, self.conv2, self.conv3):
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, start_dim=1))))
"""),
    Mutant("NetDepth with ReLU and MaxPool2d modules", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans2 = n_chans1 // 2
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, self.n_chans2, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(self.n_chans2, self.n_chans2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * self.n_chans2, 32)
        self.fc2 = nn.Linear(32, 10)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2)

    def forward(self, x):
        out = self.pool(self.relu(self.conv1(x)))
        out = self.pool(self.relu(self.conv2(out)))
        out = self.pool(self.relu(self.conv3(out)))
        out = self.relu(self.fc1(out.view(-1, 4 * 4 * self.n_chans2)))
        return self.fc2(out)
"""),
    # ResBlock
    Mutant("ResBlock with F.relu and keyword arguments", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(in_channels=n_chans, out_channels=n_chans, kernel_size=(3, 3), padding=(1, 1), bias=False)
        self.batch_norm = nn.BatchNorm2d(n_chans, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return x + F.relu(self.batch_norm(self.conv(x)))
"""),
    Mutant("ResBlock with an nn.ReLU module and torch.add", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, 3, padding=1, bias=False)
        self.batch_norm = nn.BatchNorm2d(n_chans)
        self.relu = nn.ReLU()

    def forward(self, x):
        residual = self.relu(self.batch_norm(self.conv(x)))
        return torch.add(residual, x)
"""),
    # NetResDeep
    Mutant("NetResDeep fills its nn.Sequential with add_module in a loop", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential()
        for index in range(n_blocks):
            self.resblocks.add_module(str(index), ResBlock(n_chans1))
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(F.relu(self.conv1(x)), 2)
        out = F.max_pool2d(self.resblocks(out), 2)
        out = F.relu(self.fc1(out.view(out.shape[0], -1)))
        return self.fc2(out)
"""),
    Mutant("NetResDeep keeps its blocks in an nn.ModuleList and loops over them", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.ModuleList([ResBlock(n_chans1) for _ in range(n_blocks)])
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        out = self.pool(torch.relu(self.conv1(x)))
        for block in self.resblocks:
            out = block(out)
        out = self.pool(out)
        return self.fc2(torch.relu(self.fc1(torch.flatten(out, 1))))
"""),
]
