"""python3 -m stitching_torch evaluate MODEL [--stitch S --receiver R] [--data DIR] [--test-limit N | --indices FILE] [--logits-out F] [--json]

Evaluates a base model, or the stitched network sender MODEL -> stitch S -> receiver R, on the test split, the engine's
class-balanced subset of it (--test-limit N, as a sweep's --test-limit N picks it), or listed indices, and prints its accuracy.
"""
import argparse
import json
import sys

from .data import inputs_for
from .evaluate import evaluate
from .models import load_resnet, load_stitched


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m stitching_torch")
    commands = parser.add_subparsers(dest="command", required=True)
    ev = commands.add_parser("evaluate", help="accuracy of a base model or a stitched network on the test split")
    ev.add_argument("model", help="base model (.safetensors from export-model); the sender with --stitch")
    ev.add_argument("--stitch", help="stitch (.safetensors a local sweep kept in <out>/stitches)")
    ev.add_argument("--receiver", help="receiver base model, with --stitch")
    ev.add_argument("--data", help="dataset folder (default: /usr/share/datasets/fashion-mnist or ~/.cache/stitching/cifar10)")
    subset = ev.add_mutually_exclusive_group()
    subset.add_argument("--test-limit", type=int, help="the engine's seeded, class-balanced subset of N test images (a sweep's --test-limit N)")
    subset.add_argument("--indices", help="JSON file with a list of test-split indices to evaluate on, in order")
    ev.add_argument("--subset-seed", type=int, default=0, help="seed of the --test-limit subset (the engine's default 0)")
    ev.add_argument("--batch-size", type=int, default=500)
    ev.add_argument("--logits-out", help="write the logits (N, classes) here as raw little-endian float32, row-major")
    ev.add_argument("--json", action="store_true", help="print one JSON object instead of a sentence")
    args = parser.parse_args(argv)

    if (args.stitch is None) != (args.receiver is None):
        parser.error("--stitch and --receiver go together")
    model = load_resnet(args.model) if args.stitch is None else load_stitched(args.model, args.stitch, args.receiver)
    indices = None
    if args.indices:
        with open(args.indices) as f:
            indices = json.load(f)
    images, labels = inputs_for(model, args.data, "test", indices, args.test_limit, args.subset_seed)
    accuracy, logits = evaluate(model, images, labels, args.batch_size)
    if args.logits_out:
        with open(args.logits_out, "wb") as f:
            f.write(logits.contiguous().numpy().astype("<f4").tobytes())
    correct = round(accuracy * len(labels))
    if args.json:
        print(json.dumps({"accuracy": accuracy, "correct": correct, "images": len(labels)}))
    else:
        print(f"accuracy {accuracy:.4%} ({correct} of {len(labels)} test images)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
