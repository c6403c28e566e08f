"""The engine's datasets and preprocessing (src/GpuRunner/Engine/Data: FashionMnistLoader, Cifar10Loader, DatasetLoader).

Images become (N, C, 32, 32) float32 as (x / 255 - mean) / std per channel, the same float32 operations in the same order
as the engine, so the inputs are bit-identical; Fashion-MNIST's 28x28 images are padded with 2 zero pixels per side first.
"""
import gzip
import os
import struct

import torch

from .subsets import select

FASHION_MNIST_FOLDER = "/usr/share/datasets/fashion-mnist"  # where Debian's dataset-fashion-mnist puts it
CIFAR10_FOLDER = os.path.expanduser("~/.cache/stitching/cifar10")  # where `Stitching.GpuRunner download cifar10` puts it

# Fixed statistics of the training sets, as the engine uses them (an export's metadata carries the same values).
NORMALIZATION = {
    "fashion-mnist": ([0.2860], [0.3530]),
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
}


def _idx(folder, name, magic):
    gz, plain = os.path.join(folder, name + ".gz"), os.path.join(folder, name)
    path = gz if os.path.exists(gz) else plain
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        data = bytearray(f.read())
    (found,) = struct.unpack(">i", data[:4])
    if found != magic:
        raise ValueError(f"{path}: IDX magic {found}, expected {magic}")
    return data


def _fashion_mnist_raw(folder, split):
    prefix = "train" if split == "train" else "t10k"
    images = _idx(folder, f"{prefix}-images-idx3-ubyte", 2051)
    labels = _idx(folder, f"{prefix}-labels-idx1-ubyte", 2049)
    count, rows, cols = struct.unpack(">iii", images[4:16])
    pixels = torch.frombuffer(images, dtype=torch.uint8, offset=16, count=count * rows * cols).reshape(count, 1, rows, cols)
    pixels = torch.nn.functional.pad(pixels, (2, 2, 2, 2))  # zeros to 32x32, as the engine pads
    return pixels, torch.frombuffer(labels, dtype=torch.uint8, offset=8, count=count).to(torch.int64)


def _cifar10_raw(folder, split):
    nested = os.path.join(folder, "cifar-10-batches-bin")
    if not os.path.exists(os.path.join(folder, "test_batch.bin")) and os.path.exists(os.path.join(nested, "test_batch.bin")):
        folder = nested
    names = [f"data_batch_{k}.bin" for k in range(1, 6)] if split == "train" else ["test_batch.bin"]
    records = torch.cat([torch.frombuffer(bytearray(open(os.path.join(folder, n), "rb").read()), dtype=torch.uint8).reshape(-1, 3073) for n in names])
    return records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].to(torch.int64)


def load_images(dataset="fashion-mnist", folder=None, split="test", indices=None, mean=None, std=None, limit=None, subset_seed=0):
    """(images (N, C, 32, 32) float32, labels (N,) int64) of a split, or of the listed indices of it in their order, or
    (with `limit`) of the engine's class-balanced subset of that size, as `--test-limit` / `--train-limit` choose it."""
    if dataset == "fashion-mnist":
        pixels, labels = _fashion_mnist_raw(folder or FASHION_MNIST_FOLDER, split)
    elif dataset == "cifar10":
        pixels, labels = _cifar10_raw(folder or CIFAR10_FOLDER, split)
    else:
        raise ValueError(f"unknown dataset {dataset!r}: fashion-mnist or cifar10")
    if limit is not None:
        if indices is not None:
            raise ValueError("give indices or limit, not both")
        indices = select(labels.tolist(), limit, subset_seed)
    if indices is not None:
        index = torch.as_tensor(list(indices), dtype=torch.int64)
        pixels, labels = pixels.index_select(0, index), labels.index_select(0, index)
    default_mean, default_std = NORMALIZATION[dataset]
    shape = (1, pixels.shape[1], 1, 1)
    mean = torch.tensor(mean or default_mean, dtype=torch.float32).view(shape)
    std = torch.tensor(std or default_std, dtype=torch.float32).view(shape)
    return pixels.to(torch.float32).div_(255.0).sub_(mean).div_(std), labels


def load_fashion_mnist(folder=FASHION_MNIST_FOLDER, split="test", indices=None, limit=None, subset_seed=0):
    """Fashion-MNIST IDX (gzip or plain) with the engine's padding and normalization."""
    return load_images("fashion-mnist", folder, split, indices, limit=limit, subset_seed=subset_seed)


def inputs_for(model, folder=None, split="test", indices=None, limit=None, subset_seed=0):
    """The model's dataset (a split, listed indices, or the engine's subset of `limit` images), normalized as its export says."""
    m = getattr(model, "metadata", None) or model.sender.metadata
    mean = [float(v) for v in m["mean"].split(",")] if "mean" in m else None
    std = [float(v) for v in m["std"].split(",")] if "std" in m else None
    return load_images(m["dataset"], folder, split, indices, mean, std, limit, subset_seed)
