"""Realistic wrong solutions of 02-tensors; each must lose points (see autograder/mutation.py)."""

from autograder.mutation import Mutant

MUTANTS = [
    # make_tensors
    Mutant("make_tensors builds the zero column as a 1-D vector", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, dtype=dtype, device=device)
    counting = torch.arange(rows * cols, dtype=dtype, device=device).reshape(rows, cols)
    return {"ones": ones, "zeros_column": torch.zeros(rows, dtype=dtype, device=device),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.t()}
"""),
    Mutant("make_tensors reshapes the count instead of transposing it", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, dtype=dtype, device=device)
    counting = torch.arange(rows * cols, dtype=dtype, device=device).reshape(rows, cols)
    return {"ones": ones, "zeros_column": torch.zeros(rows, 1, dtype=dtype, device=device),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.reshape(cols, rows)}
"""),
    Mutant("make_tensors ignores the dtype of torch.arange and of the ones", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, device=device)
    counting = torch.arange(rows * cols, device=device).reshape(rows, cols)
    return {"ones": ones, "zeros_column": torch.zeros(rows, 1, dtype=dtype, device=device),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.t()}
"""),
    Mutant("make_tensors creates the tensors on the CPU whatever the device", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, dtype=dtype)
    counting = torch.arange(rows * cols, dtype=dtype).reshape(rows, cols)
    return {"ones": ones, "zeros_column": torch.zeros(rows, 1, dtype=dtype),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.t()}
"""),
    Mutant("make_tensors forgets the device of the zero column", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, dtype=dtype, device=device)
    counting = torch.arange(rows * cols, dtype=dtype, device=device).reshape(rows, cols)
    return {"ones": ones, "zeros_column": torch.zeros(rows, 1, dtype=dtype),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.t()}
"""),
    Mutant("make_tensors counts column by column", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.ones(rows, cols, dtype=dtype, device=device)
    counting = torch.arange(rows * cols, dtype=dtype, device=device).reshape(cols, rows).t()
    return {"ones": ones, "zeros_column": torch.zeros(rows, 1, dtype=dtype, device=device),
            "zeros_like": torch.zeros_like(ones), "counting": counting, "counting_t": counting.t()}
"""),
    # column_means
    Mutant("column_means averages along dim=1 (one mean per row)", "column_means", """
def column_means(x):
    return x.mean(dim=1)
"""),
    Mutant("column_means averages all the entries (no dim)", "column_means", """
def column_means(x):
    return torch.mean(x)
"""),
    Mutant("column_means keeps the reduced dimension ([1, F])", "column_means", """
def column_means(x):
    return x.mean(dim=0, keepdim=True)
"""),
    Mutant("column_means divides the column sums by the number of columns", "column_means", """
def column_means(x):
    return x.sum(dim=0) / x.shape[1]
"""),
    # normalize_rows
    Mutant("normalize_rows forgets the absolute value", "normalize_rows", """
def normalize_rows(x):
    return x / x.sum(dim=1, keepdim=True)
"""),
    Mutant("normalize_rows sums along dim=0 (the columns)", "normalize_rows", """
def normalize_rows(x):
    return x / x.abs().sum(dim=0, keepdim=True)
"""),
    Mutant("normalize_rows drops keepdim, so [N] broadcasts along the wrong axis", "normalize_rows", """
def normalize_rows(x):
    return x / x.abs().sum(dim=1)
"""),
    Mutant("normalize_rows divides x in place", "normalize_rows", """
def normalize_rows(x):
    x /= x.abs().sum(dim=1, keepdim=True)
    return x
"""),
    Mutant("normalize_rows divides by the L2 norm (torch.nn.functional.normalize's default)", "normalize_rows", """
def normalize_rows(x):
    return torch.nn.functional.normalize(x, dim=1)
"""),
    # linear_scores
    Mutant("linear_scores reshapes the weight instead of transposing it", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.mm(x, weight.reshape(weight.shape[1], weight.shape[0])) + bias
"""),
    Mutant("linear_scores forgets the bias", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.mm(x, weight.t())
"""),
    Mutant("linear_scores uses the element-wise product * instead of mm", "linear_scores", """
def linear_scores(x, weight, bias):
    return (x * weight).sum(dim=1, keepdim=True) + bias
"""),
    Mutant("linear_scores multiplies without transposing the weight", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.mm(x, weight) + bias
"""),
    Mutant("linear_scores computes W x^T and returns it as [C, N]", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.mm(weight, x.t()) + bias[:, None]
"""),
    # pick_device
    Mutant("pick_device forgets to call torch.cuda.is_available (the function is always truthy)", "pick_device", """
def pick_device():
    return torch.device("cuda" if torch.cuda.is_available else "cpu")
"""),
    Mutant("pick_device returns a string instead of a torch.device", "pick_device", """
def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"
"""),
    Mutant("pick_device always returns the cpu", "pick_device", """
def pick_device():
    return torch.device("cpu")
"""),
    Mutant("pick_device returns torch.cuda.is_available() itself", "pick_device", """
def pick_device():
    return torch.cuda.is_available()
"""),
    Mutant("pick_device asks torch.cuda.is_available() once, when the cell runs", "pick_device", """
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

def pick_device():
    return DEVICE
"""),
    # move_batch_to
    Mutant("move_batch_to calls .to(device) but keeps the old tensors", "move_batch_to", """
def move_batch_to(batch, device):
    for tensor in (batch.values() if isinstance(batch, dict) else batch):
        tensor.to(device)
    return batch
"""),
    Mutant("move_batch_to assigns the moved tensors into the dict it was given", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, dict):
        for name in batch:
            batch[name] = batch[name].to(device)
        return batch
    return tuple(tensor.to(device) for tensor in batch)
"""),
    Mutant("move_batch_to moves only the samples, not the labels", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, dict):
        return {name: tensor.to(device) if name == "images" else tensor for name, tensor in batch.items()}
    samples, *rest = batch
    return (samples.to(device), *rest)
"""),
    Mutant("move_batch_to calls .cuda() whatever the device", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, dict):
        return {name: tensor.cuda() for name, tensor in batch.items()}
    return tuple(tensor.cuda() for tensor in batch)
"""),
    Mutant("move_batch_to returns a generator expression instead of a tuple", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, dict):
        return {name: tensor.to(device) for name, tensor in batch.items()}
    return (tensor.to(device) for tensor in batch)
"""),
    Mutant("move_batch_to moves tuples and dicts but hands a DataLoader's list back unmoved", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, tuple):
        return tuple(tensor.to(device) for tensor in batch)
    if isinstance(batch, dict):
        return {name: tensor.to(device) for name, tensor in batch.items()}
    return batch
"""),
    # stack_images
    Mutant("stack_images concatenates with torch.cat ([N * C, H, W])", "stack_images", """
def stack_images(images):
    return torch.cat(images)
"""),
    Mutant("stack_images stacks along dim=1 ([C, N, H, W])", "stack_images", """
def stack_images(images):
    return torch.stack(images, dim=1)
"""),
    Mutant("stack_images stacks along dim=3 as on the lecture's normalisation slide", "stack_images", """
def stack_images(images):
    return torch.stack(images, dim=3)
"""),
    Mutant("stack_images squeezes away the batch dimension of a single image", "stack_images", """
def stack_images(images):
    return torch.stack(images).squeeze(0)
"""),
    # channels_last_to_first
    Mutant("channels_last_to_first reshapes instead of permuting", "channels_last_to_first", """
def channels_last_to_first(batch):
    n, h, w, c = batch.shape
    return batch.reshape(n, c, h, w)
"""),
    Mutant("channels_last_to_first swaps dims 1 and 3 ([N, C, W, H])", "channels_last_to_first", """
def channels_last_to_first(batch):
    return batch.transpose(1, 3)
"""),
    Mutant("channels_last_to_first permutes to [N, C, W, H]", "channels_last_to_first", """
def channels_last_to_first(batch):
    return batch.permute(0, 3, 2, 1)
"""),
    Mutant("channels_last_to_first moves the channels to the front ([C, N, H, W])", "channels_last_to_first", """
def channels_last_to_first(batch):
    return batch.permute(3, 0, 1, 2)
"""),
    # predict_classes
    Mutant("predict_classes takes the argmax along dim=0 (over the samples)", "predict_classes", """
def predict_classes(scores):
    return scores.argmax(dim=0)
"""),
    Mutant("predict_classes calls argmax without dim (a flat index)", "predict_classes", """
def predict_classes(scores):
    return scores.argmax()
"""),
    Mutant("predict_classes returns the highest scores instead of their classes", "predict_classes", """
def predict_classes(scores):
    return scores.max(dim=1).values
"""),
    Mutant("predict_classes calls .item() as the lecture does for one sample", "predict_classes", """
def predict_classes(scores):
    return scores.argmax(dim=1).item()
"""),
    Mutant("predict_classes takes the argmin", "predict_classes", """
def predict_classes(scores):
    return scores.argmin(dim=1)
"""),
    # accuracy
    Mutant("accuracy returns a 0-dim tensor (no .item())", "accuracy", """
def accuracy(predictions, labels):
    return (predictions == labels).float().mean()
"""),
    Mutant("accuracy returns the number of right predictions", "accuracy", """
def accuracy(predictions, labels):
    return (predictions == labels).sum().item()
"""),
    Mutant("accuracy returns a percentage", "accuracy", """
def accuracy(predictions, labels):
    return 100 * (predictions == labels).float().mean().item()
"""),
    Mutant("accuracy uses integer division", "accuracy", """
def accuracy(predictions, labels):
    return (predictions == labels).sum().item() // len(labels)
"""),
]
