"""Correct solutions of 02-tensors in other styles than the reference; each must earn full marks."""

from autograder.mutation import Mutant

ALTERNATIVES = [
    # make_tensors
    Mutant("make_tensors with shape tuples, view and .T", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    counting = torch.arange(rows * cols, device=device).view(rows, cols).to(dtype)
    return {
        "ones": torch.ones((rows, cols), dtype=dtype, device=device),
        "zeros_column": torch.zeros((rows, 1), dtype=dtype, device=device),
        "zeros_like": torch.zeros(rows, cols, dtype=dtype, device=device),
        "counting": counting,
        "counting_t": counting.T,
    }
"""),
    Mutant("make_tensors with torch.full, nested lists and transpose", "make_tensors", """
def make_tensors(rows, cols, dtype=torch.float32, device="cpu"):
    ones = torch.full((rows, cols), 1, dtype=dtype, device=device)
    counting = torch.tensor([[r * cols + c for c in range(cols)] for r in range(rows)], dtype=dtype, device=device)
    made = dict(ones=ones, zeros_column=torch.zeros(rows, 1, dtype=dtype).to(device), zeros_like=torch.zeros_like(ones))
    made["counting"] = counting
    made["counting_t"] = counting.transpose(0, 1).contiguous()
    return made
"""),
    # column_means
    Mutant("column_means as the column sums over the number of rows", "column_means", """
def column_means(x):
    return x.sum(dim=0) / x.shape[0]
"""),
    Mutant("column_means with torch.mean on the transpose", "column_means", """
def column_means(x):
    return torch.mean(x.T, 1)
"""),
    Mutant("column_means column by column in a loop", "column_means", """
def column_means(x):
    return torch.stack([x[:, j].mean() for j in range(x.shape[1])])
"""),
    # normalize_rows
    Mutant("normalize_rows with unsqueeze instead of keepdim", "normalize_rows", """
def normalize_rows(x):
    return x / x.abs().sum(1).unsqueeze(1)
"""),
    Mutant("normalize_rows with torch.linalg.vector_norm(ord=1)", "normalize_rows", """
def normalize_rows(x):
    return x / torch.linalg.vector_norm(x, ord=1, dim=1, keepdim=True)
"""),
    Mutant("normalize_rows with torch.nn.functional.normalize(p=1)", "normalize_rows", """
def normalize_rows(x):
    return torch.nn.functional.normalize(x, p=1, dim=1)
"""),
    Mutant("normalize_rows row by row", "normalize_rows", """
def normalize_rows(x):
    return torch.stack([row / row.abs().sum() for row in x])
"""),
    # linear_scores
    Mutant("linear_scores with @ and .T", "linear_scores", """
def linear_scores(x, weight, bias):
    return x @ weight.T + bias
"""),
    Mutant("linear_scores with torch.einsum", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.einsum("nf,cf->nc", x, weight) + bias
"""),
    Mutant("linear_scores with torch.nn.functional.linear", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.nn.functional.linear(x, weight, bias)
"""),
    Mutant("linear_scores with torch.addmm", "linear_scores", """
def linear_scores(x, weight, bias):
    return torch.addmm(bias, x, weight.t())
"""),
    # pick_device
    Mutant("pick_device with if and two returns", "pick_device", """
def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
"""),
    Mutant("pick_device naming cuda:0", "pick_device", """
def pick_device():
    return torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")
"""),
    # move_batch_to
    Mutant("move_batch_to keeping the kind of sequence it was given", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, dict):
        return {key: value.to(device) for key, value in batch.items()}
    return type(batch)(tensor.to(device) for tensor in batch)
"""),
    Mutant("move_batch_to returning a list for a sequence", "move_batch_to", """
def move_batch_to(batch, device):
    if isinstance(batch, (list, tuple)):
        return [tensor.to(device) for tensor in batch]
    return dict(zip(batch.keys(), [value.to(device) for value in batch.values()]))
"""),
    Mutant("move_batch_to with collections.abc.Mapping and a loop", "move_batch_to", """
from collections.abc import Mapping

def move_batch_to(batch, device):
    if isinstance(batch, Mapping):
        moved = {}
        for key in batch:
            moved[key] = batch[key].to(device=device)
        return moved
    moved = []
    for tensor in batch:
        moved.append(tensor.to(device=device))
    return tuple(moved)
"""),
    # stack_images
    Mutant("stack_images with torch.cat of unsqueezed images", "stack_images", """
def stack_images(images):
    return torch.cat([image.unsqueeze(0) for image in images], dim=0)
"""),
    Mutant("stack_images into a preallocated batch", "stack_images", """
def stack_images(images):
    batch = torch.empty((len(images), *images[0].shape), dtype=images[0].dtype)
    for index, image in enumerate(images):
        batch[index] = image
    return batch
"""),
    Mutant("stack_images with None indexing", "stack_images", """
def stack_images(images):
    return torch.cat([image[None] for image in images])
"""),
    # channels_last_to_first
    Mutant("channels_last_to_first with torch.movedim", "channels_last_to_first", """
def channels_last_to_first(batch):
    return torch.movedim(batch, 3, 1)
"""),
    Mutant("channels_last_to_first with two transposes and contiguous", "channels_last_to_first", """
def channels_last_to_first(batch):
    return batch.transpose(1, 3).transpose(2, 3).contiguous()
"""),
    Mutant("channels_last_to_first with torch.einsum", "channels_last_to_first", """
def channels_last_to_first(batch):
    return torch.einsum("nhwc->nchw", batch)
"""),
    # predict_classes
    Mutant("predict_classes with torch.argmax", "predict_classes", """
def predict_classes(scores):
    return torch.argmax(scores, dim=1)
"""),
    Mutant("predict_classes with the indices of max", "predict_classes", """
def predict_classes(scores):
    _, best = scores.max(dim=1)
    return best
"""),
    Mutant("predict_classes with topk", "predict_classes", """
def predict_classes(scores):
    return torch.topk(scores, k=1, dim=1).indices.squeeze(1)
"""),
    # accuracy
    Mutant("accuracy as the count of right predictions over N", "accuracy", """
def accuracy(predictions, labels):
    return (predictions == labels).sum().item() / len(labels)
"""),
    Mutant("accuracy in a Python loop", "accuracy", """
def accuracy(predictions, labels):
    right = 0
    for predicted, label in zip(predictions.tolist(), labels.tolist()):
        right += predicted == label
    return right / len(labels)
"""),
    Mutant("accuracy with torch.eq, float64 and float()", "accuracy", """
def accuracy(predictions, labels):
    return float(torch.eq(predictions, labels).double().mean())
"""),
]
