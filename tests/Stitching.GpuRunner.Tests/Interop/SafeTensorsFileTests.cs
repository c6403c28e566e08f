using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Interop;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.Engine.Stitches;
using Stitching.GpuRunner.Tests.Data;
using Stitching.Platform.Coordination;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Interop;

public sealed class SafeTensorsFileTests
{
    public SafeTensorsFileTests() => TorchRuntime.EnsureLoadable();

    [Fact]
    public void Tensors_and_metadata_read_back_bit_for_bit_in_file_order()
    {
        using var folder = new TempFolder();
        using var a = randn(3, 4);
        using var b = arange(5, dtype: ScalarType.Int64);
        using var c = randn(2, 2).to(ScalarType.BFloat16);
        using var scalar = tensor(7L);
        var path = folder.File("t.safetensors");

        SafeTensorsFile.Write(path, [("a", a), ("b", b), ("c", c), ("scalar", scalar)], new Dictionary<string, string> { ["kind"] = "test" });
        var (tensors, metadata) = SafeTensorsFile.Read(path);

        Assert.Equal("test", metadata["kind"]);
        Assert.Equal(["a", "b", "c", "scalar"], tensors.Select(t => t.Name));
        foreach (var (expected, (_, actual)) in new[] { a, b, c, scalar }.Zip(tensors))
        {
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
        }
        // The header is padded so the data starts 8-byte aligned, as the format recommends.
        Assert.Equal(0, BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_file_and_no_temporary_one()
    {
        using var folder = new TempFolder();
        var path = folder.File("t.safetensors");
        File.WriteAllText(path, "previous");
        using var ok = ones(2);
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);

        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [("ok", ok), ("complex", complex)], new Dictionary<string, string>()));

        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_stitch_with_batch_norms_reads_back_as_the_same_function_with_its_layers_in_the_metadata()
    {
        using var folder = new TempFolder();
        var sender = new ModelSpec("resnet(1,1,1,1)", 4, "fashion-mnist", 0, true, null, new TrainSettings());
        var shape = new StitchShape(StitchKind.StridedConv, 2, 8, 16, 16, 8, BatchNorm: true);
        var task = new StitchTask(Variant.TrainedToRandom, sender, "2.0", sender with { Trained = false }, "3.0", shape, 0);
        using var stitch = Stitch.Create(shape, 3);
        using var images = randn(8, 8, 16, 16);
        stitch.train();
        using (no_grad()) stitch.call(images).Dispose(); // batch-norm statistics away from their defaults
        stitch.eval();
        var path = folder.File("s.safetensors");

        TorchExport.WriteStitch(path, stitch, task);
        using var read = TorchExport.ReadStitch(path);

        using var expected = stitch.call(images);
        using var actual = read.call(images);
        Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
        var (tensors, metadata) = SafeTensorsFile.Read(path);
        Assert.Contains(tensors, t => t.Name == "bn_in.running_mean");
        Assert.Contains(tensors, t => t.Name == "bn_out.num_batches_tracked");
        Assert.Equal(("strided", "2", "2.0", "2", "3.0", "3"), (metadata["stitch_kind"], metadata["factor"], metadata["sender_layer"],
            metadata["sender_layer_index"], metadata["receiver_layer"], metadata["receiver_layer_index"]));
        Assert.Equal(task.Receiver.Key, metadata["receiver_key"]);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    [Fact]
    public void A_resnet_is_exported_under_torchvision_parameter_names()
    {
        using var folder = new TempFolder();
        using var model = new ResNet(ResNetSpec.ResNet18, width: 4, inChannels: 1, classes: 10);

        var names = model.state_dict().Keys.Select(TorchExport.TorchvisionName).ToList();

        foreach (var name in new[] { "conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.1.conv2.weight",
                     "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.bn2.bias", "fc.weight", "fc.bias" })
            Assert.Contains(name, names);
        Assert.DoesNotContain(names, n => n.Contains("shortcut", StringComparison.Ordinal));
        Assert.DoesNotContain("layer1.0.downsample.0.weight", names); // equal shapes: identity shortcut, as in torchvision
    }
}
