using System.Globalization;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using static TorchSharp.torch;

namespace Stitching.Engine.Interop;

/// <summary>
/// Base models and stitches as safetensors for PyTorch (python/stitching_torch rebuilds and loads them): state-dict keys
/// as torchvision's ResNet names them (<c>conv1.weight</c>, <c>bn1.running_mean</c>, <c>layer2.0.downsample.0.weight</c>,
/// <c>fc.bias</c>; every batch norm's <c>num_batches_tracked</c> too, so a strict load works), and in <c>__metadata__</c>
/// what is needed to rebuild the module and feed it: architecture, width, channels, classes, layer names, the stitch's
/// kind and layers, the input normalization. Values are strings, as the format requires.
/// </summary>
public static class TorchExport
{
    /// <summary>The metadata's <c>format</c>: a reader refuses versions it does not know.</summary>
    public const string Format = "stitching-torch/1";

    public static void WriteModel(string path, ResNet model, ModelCheckpoint info)
    {
        // Checkpoints are NCHW fp32; a model the engine converted for compute is exported as the checkpoint holds it.
        if (model.IsChannelsLast) throw new ArgumentException($"{info.Spec.Key} is channels-last; export it as loaded from its checkpoint.");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format, ["kind"] = "resnet", ["model_key"] = info.Spec.Key,
            ["arch"] = info.Spec.Arch, ["blocks"] = string.Join(",", model.Spec.Blocks), ["width"] = Text(model.Width),
            ["in_channels"] = Text(info.InChannels), ["classes"] = Text(info.Classes),
            // Layer k's name at position k: what a stitch's sender_layer_index / receiver_layer_index count.
            ["layers"] = string.Join(",", model.Layers.Select(l => l.Name)),
            ["dataset"] = info.Spec.Dataset, ["seed"] = Text(info.Spec.Seed), ["trained"] = info.Spec.Trained ? "true" : "false",
            ["torchsharp"] = info.TorchSharpVersion,
        };
        AddNormalization(metadata, info.Spec.Dataset);
        SafeTensorsFile.Write(path, model.state_dict().Select(p => (TorchvisionName(p.Key), p.Value)).ToList(), metadata);
    }

    /// <summary>
    /// Exports the checkpoint of <paramref name="modelKey"/> in <paramref name="modelsDirectory"/> (its weights' SHA-256 checked
    /// against its metadata first) to <paramref name="path"/>; returns the checkpoint's metadata.
    /// </summary>
    public static ModelCheckpoint WriteCheckpoint(string modelsDirectory, string modelKey, string path)
    {
        var info = ModelCheckpoint.TryRead(modelsDirectory, modelKey)
            ?? throw new FileNotFoundException($"No checkpoint {modelKey} in {modelsDirectory} (no {modelKey}.json there); train it first, or pass the --models-dir it was trained into.",
                ModelCheckpoint.MetadataPath(modelsDirectory, modelKey));
        using var model = new ResNet(ResNetSpec.Parse(info.Spec.Arch), info.Spec.Width, info.InChannels, info.Classes);
        info.LoadInto(model, modelsDirectory);
        WriteModel(path, model, info);
        return info;
    }

    /// <summary>Writes a trained stitch with the layers it joins (indices as <see cref="ResNet.LayerIndex"/> counts them).</summary>
    public static void WriteStitch(string path, Stitch stitch, StitchTask task)
    {
        var shape = stitch.Shape;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format, ["kind"] = "stitch", ["stitch_id"] = task.Id, ["variant"] = task.Variant.Name(),
            ["stitch_kind"] = KindName(shape.Kind), ["factor"] = Text(shape.Factor), ["batch_norm"] = shape.BatchNorm ? "true" : "false",
            ["in_channels"] = Text(shape.InChannels), ["out_channels"] = Text(shape.OutChannels), ["stitch_seed"] = Text(task.StitchSeed),
            ["sender_key"] = task.Sender.Key, ["sender_arch"] = task.Sender.Arch, ["sender_layer"] = task.SenderLayer,
            ["sender_layer_index"] = Text(LayerIndex(task.Sender, task.SenderLayer)),
            ["receiver_key"] = task.Receiver.Key, ["receiver_arch"] = task.Receiver.Arch, ["receiver_layer"] = task.ReceiverLayer,
            ["receiver_layer_index"] = Text(LayerIndex(task.Receiver, task.ReceiverLayer)),
            ["dataset"] = task.Sender.Dataset,
        };
        AddNormalization(metadata, task.Sender.Dataset);
        SafeTensorsFile.Write(path, stitch.state_dict().Select(p => (StitchName(p.Key), p.Value)).ToList(), metadata);
    }

    /// <summary>A stitch written by <see cref="WriteStitch"/>, rebuilt from its metadata and loaded (strict: every key, no other).</summary>
    public static Stitch ReadStitch(string path)
    {
        var (tensors, metadata) = SafeTensorsFile.Read(path);
        try
        {
            string Get(string key) => metadata.TryGetValue(key, out var v) ? v
                : throw new InvalidDataException($"{path} is not a stitch export: its metadata has no '{key}'.");
            if (Get("format") != Format || Get("kind") != "stitch")
                throw new InvalidDataException($"{path} is not a stitch export of format {Format} (format '{Get("format")}', kind '{Get("kind")}').");
            var kinds = Enum.GetValues<StitchKind>().Where(k => KindName(k) == Get("stitch_kind")).ToList();
            if (kinds.Count != 1) throw new InvalidDataException($"{path}: unknown stitch_kind '{Get("stitch_kind")}'.");
            var kind = kinds[0];
            int Int(string key) => int.Parse(Get(key), CultureInfo.InvariantCulture);
            // The spatial sizes do not change the module's parameters; Factor and the channels do.
            var stitch = new Stitch(new StitchShape(kind, Int("factor"), Int("in_channels"), Int("out_channels"), 0, 0, Get("batch_norm") == "true"));
            var expected = stitch.state_dict();
            var names = tensors.ToDictionary(t => t.Name, t => t.Tensor);
            var missing = expected.Keys.Select(StitchName).Where(k => !names.ContainsKey(k)).ToList();
            var extra = names.Keys.Except(expected.Keys.Select(StitchName)).ToList();
            if (missing.Count + extra.Count > 0)
                throw new InvalidDataException($"{path} does not match a {Get("stitch_kind")} stitch: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", extra)}].");
            using (no_grad())
                foreach (var (key, value) in expected) value.copy_(names[StitchName(key)]);
            stitch.eval();
            return stitch;
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    /// <summary>The engine's ResNet keys are torchvision's but for the projection shortcut, which torchvision calls <c>downsample</c>.</summary>
    public static string TorchvisionName(string engineName) => engineName.Replace(".shortcut.", ".downsample.", StringComparison.Ordinal);

    // Python's snake case for the stitch's fields (bnIn, bnOut); conv keeps its name.
    private static string StitchName(string engineName) =>
        engineName.Replace("bnIn.", "bn_in.", StringComparison.Ordinal).Replace("bnOut.", "bn_out.", StringComparison.Ordinal);

    private static string KindName(StitchKind kind) => kind switch
    {
        StitchKind.Conv1x1 => "conv1x1",
        StitchKind.StridedConv => "strided",
        StitchKind.UpsampleConv1x1 => "upsample",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static int LayerIndex(ModelSpec model, string layer) => ArchitectureCatalog.Layer(ResNetSpec.Parse(model.Arch), model.Width, layer).Index;

    // The engine's input mapping, (x / 255 - mean) / std per channel after padding to 32x32 (DatasetLoader); a dataset with
    // no published statistics (the tests' synthetic one) gets none, and the reader feeds its tensors as they are.
    private static void AddNormalization(Dictionary<string, string> metadata, string dataset)
    {
        var (mean, std) = dataset switch
        {
            DatasetOptions.FashionMnist => (FashionMnistLoader.Mean, FashionMnistLoader.Std),
            DatasetOptions.Cifar10 => (Cifar10Loader.Mean, Cifar10Loader.Std),
            _ => ((float[]?)null, (float[]?)null),
        };
        if (mean is null || std is null) return;
        metadata["input_size"] = "32";
        metadata["mean"] = string.Join(",", mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture)));
        metadata["std"] = string.Join(",", std.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
