"""A safetensors reader in the standard library and torch alone (no safetensors package: CI has Debian's python3-torch only).

Format (https://github.com/huggingface/safetensors#format): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
({name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}), then the tensors' little-endian bytes,
offsets counted from the end of the header.
"""
import json
import struct
import sys

import torch

DTYPES = {
    "F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8,
}


def read_safetensors(path):
    """Returns ({name: tensor} in file order, {metadata key: str}); raises ValueError for a malformed file."""
    if sys.byteorder != "little":
        raise RuntimeError("safetensors data is little-endian; this reader maps it directly and needs a little-endian host")
    with open(path, "rb") as f:
        data = bytearray(f.read())  # writable, so torch.frombuffer shares it without a warning
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    (header_length,) = struct.unpack("<Q", data[:8])
    if header_length > len(data) - 8:
        raise ValueError(f"{path}: header length {header_length} exceeds the file's {len(data)} bytes")
    header = json.loads(data[8:8 + header_length].decode("utf-8"))
    start = 8 + header_length
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, entry in header.items():
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has dtype {entry['dtype']}, which this reader does not load")
        shape = [int(d) for d in entry["shape"]]
        begin, end = (int(o) for o in entry["data_offsets"])
        count = 1
        for d in shape:
            count *= d
        itemsize = torch.empty((), dtype=dtype).element_size()
        if begin < 0 or end < begin or start + end > len(data) or end - begin != count * itemsize:
            raise ValueError(f"{path}: tensor {name}'s data_offsets [{begin}, {end}] do not hold {shape} of {entry['dtype']}")
        if count == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
            continue
        # clone: each tensor owns its memory rather than keeping the whole file alive.
        tensors[name] = torch.frombuffer(data, dtype=dtype, count=count, offset=start + begin).reshape(shape).clone()
    return tensors, metadata
