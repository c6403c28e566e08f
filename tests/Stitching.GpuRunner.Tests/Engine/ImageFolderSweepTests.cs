using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.GpuRunner.Tests.Data;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>
/// A tiny real sweep on a prepared three-class image folder: the heads, the checkpoints and the near-chance rule take the
/// class count from the folder (chance a third), not from the built-in datasets' ten.
/// </summary>
public sealed class ImageFolderSweepTests : IDisposable
{
    private const string Dataset = "images-colours";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_sweep_on_a_three_class_image_folder_sizes_heads_and_chance_from_the_folder()
    {
        // Given three class folders of 40 PNGs of assorted sizes, prepared with a quarter held for the test split
        var source = SyntheticImages.WriteFolder(_folder.File("source"), classes: 3, perClass: 40);
        var target = _folder.File(Dataset);
        ImageFolderPreparer.Prepare(source, Dataset, target, testFraction: 0.25);
        var spec = new SweepSpec
        {
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = Dataset,
            SenderLayers = ["stem"], ReceiverLayers = ["3.0"],
            Model = new TrainSettings { Epochs = 4, BatchSize = 16 },
            Stitch = new StitchSettings { Epochs = 1, BatchSize = 32, Precision = ComputePrecision.Fp32 },
        };
        Assert.Empty(SweepSpecValidator.Validate(spec));
        using var loaded = DatasetLoader.Load(new DatasetOptions { Name = Dataset, Folder = target, ValidationFraction = spec.Stitch.HoldoutFraction });
        using var data = SweepData.From(loaded, CPU);
        var modelsDir = _folder.File("models");
        var models = new ModelRepository(modelsDir, CPU);

        // When it runs with chance-level models refused, as a real sweep does
        using (var engine = new StitchEngine(data, models, CPU, spec.Stitch, 1L << 30) { RefuseChanceModels = true })
        {
            var rows = new LocalSweep(engine).Run(spec, _folder.File("out")).Results;

            // Then every stitch ran and scored on the folder's 30 test images
            Assert.Equal(4, rows.Count); // 4 variants x 1 sender layer x 1 receiver layer
            Assert.All(rows, r => Assert.InRange(r.Accuracy, 0, 1));
        }

        // And each base model has a three-way head, and its checkpoint says three classes and three channels
        foreach (var model in SweepPlan.Create(spec).Models)
        {
            var info = ModelCheckpoint.TryRead(modelsDir, model.Key)!;
            Assert.Equal((3, 3), (info.Classes, info.InChannels));
            var (network, _) = models.GetOrCreate(model, data);
            Assert.Equal(new long[] { 3, 32 }, network.named_parameters().Single(p => p.name == "fc.weight").parameter.shape);
            var result = info.ToResult();
            Assert.Equal(3, result.ChanceClasses);
            // Trained models learned the colours: well above a third, so no near-chance warning; random controls are not judged.
            if (model.Trained)
            {
                Assert.True(result.Accuracy > 2.0 / 3, $"{model.Key}: {result.Accuracy:P1}");
                Assert.Null(NearChance.Warning(result));
            }
        }
    }
}
