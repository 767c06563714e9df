"""Realistic wrong solutions of 05-deeper-models; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

MUTANTS = [
    # l2_penalty
    Mutant("l2_penalty detaches the parameters, so the penalty has no gradient", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * sum(p.detach().pow(2).sum() for p in model.parameters())
"""),
    Mutant("l2_penalty sums the weights only and leaves out the biases", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * sum(p.pow(2).sum() for name, p in model.named_parameters() if "weight" in name)
"""),
    Mutant("l2_penalty uses the norm of each parameter instead of its square", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * sum(p.norm() for p in model.parameters())
"""),
    Mutant("l2_penalty sums over the state_dict, buffers included and detached", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * sum(p.pow(2).sum() for p in model.state_dict().values())
"""),
    Mutant("l2_penalty averages the squares instead of summing them", "l2_penalty", """
def l2_penalty(model, l2_lambda):
    return l2_lambda * sum(p.pow(2).mean() for p in model.parameters())
"""),
    # sgd_step_with_penalty
    Mutant("sgd_step_with_penalty adds the penalty after backward()", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    loss = loss + l2_penalty(model, l2_lambda)
    optimizer.step()
    return loss.item()
"""),
    Mutant("sgd_step_with_penalty never zeroes the gradients", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss = loss_fn(model(x), y) + l2_penalty(model, l2_lambda)
    loss.backward()
    optimizer.step()
    return loss.item()
"""),
    Mutant("sgd_step_with_penalty uses weight_decay=l2_lambda instead of the penalty", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=l2_lambda)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return (loss + l2_penalty(model, l2_lambda)).item()
"""),
    Mutant("sgd_step_with_penalty adds the penalty as a number (.item()), which has no gradient", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y) + l2_penalty(model, l2_lambda).item()
    loss.backward()
    optimizer.step()
    return loss.item()
"""),
    Mutant("sgd_step_with_penalty returns the loss after the step", "sgd_step_with_penalty", """
def sgd_step_with_penalty(model, loss_fn, x, y, lr, l2_lambda):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = loss_fn(model(x), y) + l2_penalty(model, l2_lambda)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        return (loss_fn(model(x), y) + l2_penalty(model, l2_lambda)).item()
"""),
    # equivalent_weight_decay
    Mutant("equivalent_weight_decay returns lambda itself, as the lecture's example suggests", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    return l2_lambda
"""),
    Mutant("equivalent_weight_decay halves lambda", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    return l2_lambda / 2
"""),
    Mutant("equivalent_weight_decay returns -2 lambda, reading the decay as a subtraction", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    return -2 * l2_lambda
"""),
    Mutant("equivalent_weight_decay returns 2 lambda squared", "equivalent_weight_decay", """
def equivalent_weight_decay(l2_lambda):
    return 2 * l2_lambda ** 2
"""),
    # dropout
    Mutant("dropout does not scale the survivors by 1 / (1 - p)", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p).to(x.dtype)
"""),
    Mutant("dropout scales the survivors by 1 - p", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p).to(x.dtype) * (1 - p)
"""),
    Mutant("dropout keeps each entry with probability p instead of dropping it", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) < p).to(x.dtype) / (1 - p)
"""),
    Mutant("dropout drops in evaluation too", "dropout", """
def dropout(x, p, training):
    return x * (torch.rand_like(x) >= p).to(x.dtype) / (1 - p)
"""),
    Mutant("dropout draws one mask and shares it across the batch", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    keep = (torch.rand(x.shape[1:], dtype=x.dtype) >= p).to(x.dtype)
    return x * keep / (1 - p)
"""),
    Mutant("dropout zeroes x in place", "dropout", """
def dropout(x, p, training):
    if not training:
        return x
    keep = torch.rand_like(x) >= p
    x[~keep] = 0
    x /= 1 - p
    return x
"""),
    Mutant("dropout calls torch.nn.functional.dropout", "dropout", """
def dropout(x, p, training):
    return torch.nn.functional.dropout(x, p, training)
"""),
    # NetDropout
    Mutant("NetDropout uses nn.Dropout, which zeroes single pixels, instead of nn.Dropout2d", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout(p)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.conv2_dropout = nn.Dropout(p)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = self.conv1_dropout(F.max_pool2d(torch.tanh(self.conv1(x)), 2))
        out = self.conv2_dropout(F.max_pool2d(torch.tanh(self.conv2(out)), 2))
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDropout calls F.dropout2d in forward, which keeps dropping in eval mode", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.p = p
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.dropout2d(F.max_pool2d(torch.tanh(self.conv1(x)), 2), self.p)
        out = F.dropout2d(F.max_pool2d(torch.tanh(self.conv2(out)), 2), self.p)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDropout hard-codes p = 0.4 and ignores its argument", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout2d(0.4)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.conv2_dropout = nn.Dropout2d(0.4)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = self.conv1_dropout(F.max_pool2d(torch.tanh(self.conv1(x)), 2))
        out = self.conv2_dropout(F.max_pool2d(torch.tanh(self.conv2(out)), 2))
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDropout drops right after the convolution, before tanh", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout2d(p)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.conv2_dropout = nn.Dropout2d(p)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1_dropout(self.conv1(x))), 2)
        out = F.max_pool2d(torch.tanh(self.conv2_dropout(self.conv2(out))), 2)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDropout drops after the first conv block only", "NetDropout", """
class NetDropout(nn.Module):
    def __init__(self, p=0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv1_dropout = nn.Dropout2d(p)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = self.conv1_dropout(F.max_pool2d(torch.tanh(self.conv1(x)), 2))
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    # batch_norm
    Mutant("batch_norm normalizes with the unbiased variance (x.var's default)", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = [dim for dim in range(x.dim()) if dim != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        mean, var = x.mean(dim=dims), x.var(dim=dims)
        running_mean.mul_(1 - momentum).add_(momentum * mean.detach())
        running_var.mul_(1 - momentum).add_(momentum * var.detach())
    else:
        mean, var = running_mean, running_var
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
"""),
    Mutant("batch_norm takes the statistics over the batch dimension only, per pixel", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
        n = x.shape[0]
        running_mean.mul_(1 - momentum).add_(momentum * mean.detach().reshape(mean.shape[0], -1).mean(dim=1))
        running_var.mul_(1 - momentum).add_(momentum * (var.detach() * n / (n - 1)).reshape(var.shape[0], -1).mean(dim=1))
        return (x - mean) / torch.sqrt(var + eps)
    shape = [1, -1] + [1] * (x.dim() - 2)
    return (x - running_mean.view(shape)) / torch.sqrt(running_var.view(shape) + eps)
"""),
    Mutant("batch_norm rebinds running_mean and running_var instead of updating them in place", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = [dim for dim in range(x.dim()) if dim != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
        count = x.numel() // x.shape[1]
        running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
        running_var = (1 - momentum) * running_var + momentum * var.detach() * count / (count - 1)
    else:
        mean, var = running_mean, running_var
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
"""),
    Mutant("batch_norm updates running_var with the biased variance", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = [dim for dim in range(x.dim()) if dim != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
        running_mean.mul_(1 - momentum).add_(momentum * mean.detach())
        running_var.mul_(1 - momentum).add_(momentum * var.detach())
    else:
        mean, var = running_mean, running_var
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
"""),
    Mutant("batch_norm applies the momentum the wrong way round", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = [dim for dim in range(x.dim()) if dim != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
        count = x.numel() // x.shape[1]
        running_mean.mul_(momentum).add_((1 - momentum) * mean.detach())
        running_var.mul_(momentum).add_((1 - momentum) * var.detach() * count / (count - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
"""),
    Mutant("batch_norm uses the batch statistics in evaluation too", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = [dim for dim in range(x.dim()) if dim != 1]
    shape = [1, -1] + [1] * (x.dim() - 2)
    mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
    if training:
        count = x.numel() // x.shape[1]
        running_mean.mul_(1 - momentum).add_(momentum * mean.detach())
        running_var.mul_(1 - momentum).add_(momentum * var.detach() * count / (count - 1))
    return (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
"""),
    Mutant("batch_norm calls torch.nn.functional.batch_norm", "batch_norm", """
def batch_norm(x, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    return torch.nn.functional.batch_norm(x, running_mean, running_var, training=training, momentum=momentum, eps=eps)
"""),
    # NetWidth
    Mutant("NetWidth keeps n_chans1 channels in conv2 instead of halving", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetWidth sizes fc1 as 8 * 8 * n_chans1 // 2, which is (64 * n_chans1) // 2", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = out.view(-1, 8 * 8 * self.n_chans1 // 2)
        out = torch.tanh(self.fc1(out))
        return self.fc2(out)
"""),
    Mutant("NetWidth hard-codes the lecture's 16 and 8 channels", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * 8, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetWidth uses ReLU instead of the lecture Net's tanh", "NetWidth", """
class NetWidth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * (n_chans1 // 2), 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    # NetDepth
    Mutant("NetDepth does not pool after conv3 and sizes fc1 for 8 x 8 maps", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * 8 * (n_chans1 // 2), 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = torch.relu(self.conv3(out))
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDepth keeps the tanh of NetWidth", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * (n_chans1 // 2), 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.tanh(self.conv1(x)), 2)
        out = F.max_pool2d(torch.tanh(self.conv2(out)), 2)
        out = F.max_pool2d(torch.tanh(self.conv3(out)), 2)
        out = torch.tanh(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDepth gives conv3 n_chans1 output channels", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = F.max_pool2d(torch.relu(self.conv3(out)), 2)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetDepth sizes fc1 as 4 * 4 * n_chans1 // 2, which is (16 * n_chans1) // 2", "NetDepth", """
class NetDepth(nn.Module):
    def __init__(self, n_chans1=32):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(n_chans1, n_chans1 // 2, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(n_chans1 // 2, n_chans1 // 2, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * n_chans1 // 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(torch.relu(self.conv2(out)), 2)
        out = F.max_pool2d(torch.relu(self.conv3(out)), 2)
        out = out.view(-1, 4 * 4 * self.n_chans1 // 2)
        out = torch.relu(self.fc1(out))
        return self.fc2(out)
"""),
    # ResBlock
    Mutant("ResBlock forgets the skip connection", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1, bias=False)
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)

    def forward(self, x):
        return torch.relu(self.batch_norm(self.conv(x)))
"""),
    Mutant("ResBlock adds the skip connection before the ReLU", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1, bias=False)
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)

    def forward(self, x):
        return torch.relu(self.batch_norm(self.conv(x)) + x)
"""),
    Mutant("ResBlock leaves the convolution's bias on", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1)
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)

    def forward(self, x):
        return torch.relu(self.batch_norm(self.conv(x))) + x
"""),
    Mutant("ResBlock applies batch norm after the ReLU", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, padding=1, bias=False)
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)

    def forward(self, x):
        return self.batch_norm(torch.relu(self.conv(x))) + x
"""),
    Mutant("ResBlock's convolution has no padding, so the map shrinks", "ResBlock", """
class ResBlock(nn.Module):
    def __init__(self, n_chans):
        super().__init__()
        self.conv = nn.Conv2d(n_chans, n_chans, kernel_size=3, bias=False)
        self.batch_norm = nn.BatchNorm2d(num_features=n_chans)

    def forward(self, x):
        out = torch.relu(self.batch_norm(self.conv(x)))
        return out + x[:, :, 1:-1, 1:-1]
"""),
    # NetResDeep
    Mutant("NetResDeep repeats one ResBlock n_blocks times, as the lecture's n_blocks * [ResBlock(...)]", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.n_chans1 = n_chans1
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*(n_blocks * [ResBlock(n_chans=n_chans1)]))
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = self.resblocks(out)
        out = F.max_pool2d(out, 2)
        out = out.view(-1, 8 * 8 * self.n_chans1)
        out = torch.relu(self.fc1(out))
        return self.fc2(out)
"""),
    Mutant("NetResDeep keeps its blocks in a plain Python list, so they are not registered", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = [ResBlock(n_chans=n_chans1) for _ in range(n_blocks)]
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        for block in self.resblocks:
            out = block(out)
        out = F.max_pool2d(out, 2)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetResDeep builds the blocks but forward never runs them", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*[ResBlock(n_chans=n_chans1) for _ in range(n_blocks)])
        self.fc1 = nn.Linear(8 * 8 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(out, 2)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetResDeep forgets the second max-pool and sizes fc1 for 16 x 16 maps", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*[ResBlock(n_chans=n_chans1) for _ in range(n_blocks)])
        self.fc1 = nn.Linear(16 * 16 * n_chans1, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = self.resblocks(out)
        out = torch.relu(self.fc1(out.flatten(1)))
        return self.fc2(out)
"""),
    Mutant("NetResDeep hard-codes 32 channels in fc1 and the flatten", "NetResDeep", """
class NetResDeep(nn.Module):
    def __init__(self, n_chans1=32, n_blocks=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, n_chans1, kernel_size=3, padding=1)
        self.resblocks = nn.Sequential(*[ResBlock(n_chans=n_chans1) for _ in range(n_blocks)])
        self.fc1 = nn.Linear(8 * 8 * 32, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        out = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        out = F.max_pool2d(self.resblocks(out), 2)
        out = out.view(-1, 8 * 8 * 32)
        out = torch.relu(self.fc1(out))
        return self.fc2(out)
"""),
]
