"""Accuracy and logits of a network over a set of images, in eval mode and without gradients."""
import torch


def evaluate(model, images, labels, batch_size=500):
    """Returns (accuracy, logits (N, classes) float32). Batch size changes nothing but memory: eval-mode batch norm is per image."""
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            outputs.append(model(images[start:start + batch_size]).to(torch.float32))
    logits = torch.cat(outputs) if outputs else torch.empty(0, 0)
    correct = int((logits.argmax(1) == labels).sum()) if len(labels) else 0
    return correct / max(1, len(labels)), logits
