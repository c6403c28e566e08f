"""Stitching's base models and stitches in PyTorch: read the safetensors the engine exports, rebuild the networks, evaluate.

    from stitching_torch import load_resnet, load_stitched, inputs_for, evaluate
    model = load_resnet("results/demo/models/<key>.safetensors")
    images, labels = inputs_for(model, limit=1000)  # a sweep's --test-limit 1000 subset, preprocessed as the engine does
    accuracy, logits = evaluate(model, images, labels)

Works with PyTorch 1.13 (Debian 12's python3-torch) and newer; no other package.
"""
from .data import load_fashion_mnist, load_images, inputs_for
from .evaluate import evaluate
from .models import BasicBlock, ResNet, Stitch, StitchedNetwork, load_resnet, load_stitch, load_stitched
from .safetensors import read_safetensors
from .subsets import DotNetRandom, balanced_order, select

__all__ = [
    "BasicBlock", "ResNet", "Stitch", "StitchedNetwork", "evaluate", "inputs_for", "load_fashion_mnist", "load_images",
    "load_resnet", "load_stitch", "load_stitched", "read_safetensors", "DotNetRandom", "balanced_order", "select",
]
