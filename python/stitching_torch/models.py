"""The engine's networks in PyTorch, with torchvision's parameter names (src/GpuRunner/Engine/Models/ResNet.cs, BasicBlock.cs,
Stitches/Stitch.cs are the reference): a CIFAR-style ResNet of basic blocks (3x3 stem, no max-pool), a stitch, and the
stitched network sender prefix -> stitch -> receiver suffix.

Layer k (what a stitch's sender_layer_index / receiver_layer_index count) is the stem's output for k = 0, else the output
of the k-th block in forward order (stage 1's blocks first).
"""
import os

from torch import nn
import torch.nn.functional as F

from .safetensors import read_safetensors

FORMAT = "stitching-torch/1"


class BasicBlock(nn.Module):
    """He et al. 2016's basic block, as torchvision's: two 3x3 convs with batch norm, identity or 1x1 projection shortcut."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """resnet(b1,b2,b3,b4) of basic blocks at a width (stem channels; stage s has width * 2^(s-1))."""

    def __init__(self, blocks, width, in_channels=3, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        stages, c = [], width
        for s, count in enumerate(blocks):
            out = width << s
            stages.append(nn.Sequential(*[BasicBlock(c if b == 0 else out, out, 2 if b == 0 and s > 0 else 1) for b in range(count)]))
            c = out
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(c, classes)
        self.blocks = [block for stage in stages for block in stage]  # forward order; the modules are registered by the stages

    def forward(self, x):
        last = len(self.blocks)
        return self.forward_suffix(self.forward_prefix(x, last), last)

    def forward_prefix(self, x, last):
        """Images (B, Cin, 32, 32) to the output of layer `last` (inclusive)."""
        h = F.relu(self.bn1(self.conv1(x)))
        for block in self.blocks[:last]:
            h = block(h)
        return h

    def forward_suffix(self, h, replaced):
        """What layer `replaced` would output, to logits (B, classes)."""
        for block in self.blocks[replaced:]:
            h = block(h)
        return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))


class Stitch(nn.Module):
    """1x1 conv, k x k conv with stride k, or nearest upsampling by k after a 1x1 conv; optional batch norm around the conv."""

    def __init__(self, kind, factor, in_channels, out_channels, batch_norm=False):
        super().__init__()
        if kind not in ("conv1x1", "strided", "upsample"):
            raise ValueError(f"unknown stitch kind {kind!r}: conv1x1, strided or upsample")
        kernel = factor if kind == "strided" else 1
        self.bn_in = nn.BatchNorm2d(in_channels) if batch_norm else None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride=kernel, bias=True)
        self.bn_out = nn.BatchNorm2d(out_channels) if batch_norm else None
        self.upsample = factor if kind == "upsample" else 1

    def forward(self, x):
        if self.bn_in is not None:
            x = self.bn_in(x)
        h = self.conv(x)
        if self.bn_out is not None:
            h = self.bn_out(h)
        # A 1x1 conv commutes with nearest upsampling; the engine convolves first, so this does too.
        if self.upsample > 1:
            h = h.repeat_interleave(self.upsample, 2).repeat_interleave(self.upsample, 3)
        return h


class StitchedNetwork(nn.Module):
    """sender's layers 0..i, the stitch, receiver's layers after j (Bansal et al. 2021; the seed paper's section 1.2)."""

    def __init__(self, sender, stitch, receiver, i, j):
        super().__init__()
        self.sender, self.stitch, self.receiver, self.i, self.j = sender, stitch, receiver, i, j

    def forward(self, x):
        return self.receiver.forward_suffix(self.stitch(self.sender.forward_prefix(x, self.i)), self.j)


def _checked(path, kind):
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != FORMAT or metadata.get("kind") != kind:
        raise ValueError(f"{path} is not a {kind} export of format {FORMAT} (format {metadata.get('format')!r}, kind {metadata.get('kind')!r})")
    return tensors, metadata


def load_resnet(path):
    """A base model exported by `export-model`, in eval mode, loaded strictly; its metadata is `model.metadata`."""
    tensors, m = _checked(path, "resnet")
    model = ResNet([int(b) for b in m["blocks"].split(",")], int(m["width"]), int(m["in_channels"]), int(m["classes"]))
    model.load_state_dict(tensors, strict=True)
    model.metadata = m
    return model.eval()


def load_stitch(path):
    """A stitch a local sweep kept (<out>/stitches/<id>.safetensors), in eval mode; its metadata is `stitch.metadata`."""
    tensors, m = _checked(path, "stitch")
    stitch = Stitch(m["stitch_kind"], int(m["factor"]), int(m["in_channels"]), int(m["out_channels"]), m["batch_norm"] == "true")
    stitch.load_state_dict(tensors, strict=True)
    stitch.metadata = m
    return stitch.eval()


def load_stitched(sender, stitch, receiver, i=None, j=None):
    """The stitched network from three files (or loaded modules); i and j default to the layers the stitch was trained between.

    A sender or receiver other than the one the stitch was trained with is refused (by model key) unless i and j are given.
    """
    sender = load_resnet(sender) if isinstance(sender, (str, os.PathLike)) else sender
    stitch = load_stitch(stitch) if isinstance(stitch, (str, os.PathLike)) else stitch
    receiver = load_resnet(receiver) if isinstance(receiver, (str, os.PathLike)) else receiver
    m = getattr(stitch, "metadata", {})
    if i is None or j is None:
        for role, model in (("sender", sender), ("receiver", receiver)):
            expected, actual = m.get(f"{role}_key"), getattr(model, "metadata", {}).get("model_key")
            if expected != actual:
                raise ValueError(f"the stitch was trained with {role} {expected}, not {actual}; pass i and j to stitch them anyway")
        i = int(m["sender_layer_index"]) if i is None else i
        j = int(m["receiver_layer_index"]) if j is None else j
    return StitchedNetwork(sender, stitch, receiver, i, j).eval()
