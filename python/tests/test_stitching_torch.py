"""Python-side checks of stitching_torch that need no engine output: python3 -m unittest discover -s python/tests -t python

The end-to-end check (engine-trained networks evaluated here against the engine's own numbers) is the C# test
PyTorchInteropTests in tests/Stitching.GpuRunner.Tests.
"""
import gzip
import json
import os
import struct
import tempfile
import unittest

import torch
import torch.nn.functional as F

from stitching_torch import DotNetRandom, ResNet, Stitch, balanced_order, load_fashion_mnist, load_resnet, read_safetensors, select
from stitching_torch.models import FORMAT
from stitching_torch.safetensors import DTYPES


def write_safetensors(path, tensors, metadata):
    """The format as the engine writes it (SafeTensorsFile.cs), for these tests only."""
    names = {v: k for k, v in DTYPES.items()}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


class SafetensorsTests(unittest.TestCase):
    def test_every_dtype_and_the_metadata_read_back_unchanged(self):
        tensors = {
            "a": torch.randn(3, 4), "b": torch.arange(5, dtype=torch.int64), "c": torch.randn(2, 2).to(torch.bfloat16),
            "scalar": torch.tensor(7, dtype=torch.int64), "empty": torch.empty(0, 3),
        }
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.safetensors")
            write_safetensors(path, tensors, {"kind": "test"})
            read, metadata = read_safetensors(path)
        self.assertEqual(metadata, {"kind": "test"})
        self.assertEqual(list(read), list(tensors))
        for name, t in tensors.items():
            self.assertEqual(read[name].dtype, t.dtype)
            self.assertTrue(torch.equal(read[name], t), name)

    def test_a_truncated_file_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.safetensors")
            write_safetensors(path, {"a": torch.randn(10)}, {})
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 4)
            with self.assertRaises(ValueError):
                read_safetensors(path)


class ModelTests(unittest.TestCase):
    def test_resnet_keys_are_torchvisions_and_a_strict_load_reproduces_the_outputs(self):
        torch.manual_seed(0)
        model = ResNet([2, 1, 1, 1], width=4, in_channels=1, classes=10).eval()
        keys = set(model.state_dict())
        for key in ("conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.1.conv2.weight",
                    "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "fc.weight", "fc.bias"):
            self.assertIn(key, keys)
        self.assertNotIn("layer1.0.downsample.0.weight", keys)  # same shape: identity shortcut
        metadata = {"format": FORMAT, "kind": "resnet", "blocks": "2,1,1,1", "width": "4", "in_channels": "1", "classes": "10"}
        x = torch.randn(3, 1, 32, 32)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            write_safetensors(path, model.state_dict(), metadata)
            loaded = load_resnet(path)
        with torch.no_grad():
            self.assertTrue(torch.equal(loaded(x), model(x)))
            # The split at any layer k composes to the whole network.
            for k in range(len(model.blocks) + 1):
                self.assertTrue(torch.equal(model.forward_suffix(model.forward_prefix(x, k), k), model(x)), k)

    def test_an_upsampling_stitch_equals_a_1x1_conv_followed_by_nearest_upsampling(self):
        torch.manual_seed(1)
        stitch = Stitch("upsample", 2, 8, 4).eval()
        x = torch.randn(2, 8, 4, 4)
        with torch.no_grad():
            self.assertTrue(torch.allclose(stitch(x), F.interpolate(stitch.conv(x), scale_factor=2, mode="nearest")))
            self.assertEqual(Stitch("strided", 2, 8, 4)(x).shape, (2, 4, 2, 2))


class DataTests(unittest.TestCase):
    def test_fashion_mnist_images_are_padded_to_32_and_normalized_as_the_engine_does(self):
        pixels = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
        with tempfile.TemporaryDirectory() as d:
            with gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz"), "wb") as f:
                f.write(struct.pack(">iiii", 2051, 3, 28, 28) + pixels.numpy().tobytes())
            with gzip.open(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
                f.write(struct.pack(">ii", 2049, 3) + bytes([4, 0, 9]))
            images, labels = load_fashion_mnist(d, indices=[2, 0])
        self.assertEqual(images.shape, (2, 1, 32, 32))
        self.assertEqual(labels.tolist(), [9, 4])
        border = torch.tensor((0.0 - 0.2860) / 0.3530, dtype=torch.float32)
        self.assertTrue(torch.allclose(images[:, :, :2, :], border.expand(2, 1, 2, 32)))
        expected = (pixels[2].to(torch.float32) / 255 - 0.2860) / 0.3530
        self.assertTrue(torch.allclose(images[0, 0, 2:30, 2:30], expected))


class SubsetTests(unittest.TestCase):
    def test_the_port_of_dotnet_random_draws_what_dotnet_draws(self):
        # Printed by .NET 10: new Random(0) / new Random(42), Next(100) / Next(1000) in turn.
        zero, answer = DotNetRandom(0), DotNetRandom(42)
        self.assertEqual([zero.next(100) for _ in range(8)], [72, 81, 76, 55, 20, 55, 90, 44])
        self.assertEqual([answer.next(1000) for _ in range(5)], [668, 140, 125, 522, 168])

    def test_a_subset_is_class_balanced_ascending_and_nested_in_a_larger_one(self):
        labels = [i % 3 for i in range(30)] + [0] * 10  # class 0 over-represented
        order = balanced_order(labels, 5)
        self.assertEqual(sorted(order), list(range(40)))
        self.assertEqual([labels[i] for i in order[:9]], [0, 1, 2] * 3)
        small, large = select(labels, 6, 5), select(labels, 12, 5)
        self.assertEqual(small, sorted(small))
        self.assertTrue(set(small) <= set(large))


if __name__ == "__main__":
    unittest.main()
