using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Engine.Data;
using Stitching.Engine.Models;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Cli;

/// <summary>Device, threads, data and model repository for one CLI run, from <see cref="CommonSettings"/>.</summary>
public sealed class RunContext : IDisposable
{
    public required Device Device { get; init; }
    public required SweepData Data { get; init; }

    /// <summary>The dataset's classes, channels and full split sizes (for FLOP counts and estimates).</summary>
    public required Domain.Datasets.DatasetInfo Dataset { get; init; }
    public required ModelRepository Models { get; init; }

    /// <summary>Device and threads from the options <paramref name="s"/>, data as <paramref name="spec"/> says (dataset, subsets, held-out part).</summary>
    public static RunContext Create(CommonSettings s, SweepSpec spec, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger<RunContext>();
        if (s.Threads is { } threads) torch.set_num_threads(threads);
        LayoutPolicy.Override = LayoutPolicy.Parse(s.Layout);
        var device = Engine.Hardware.DeviceChoice.Pick(s.Device);
        var options = new DatasetOptions
        {
            Name = spec.Dataset, Folder = s.DataDir, TrainLimit = spec.TrainLimit, TestLimit = spec.TestLimit, ValidationFraction = spec.Stitch.HoldoutFraction,
        }.Validated();
        var data = SweepData.Load(options, device, log);
        return new RunContext { Device = device, Data = data, Dataset = DatasetLoader.Info(options), Models = new ModelRepository(s.ResolvedModelsDir, device, loggers.CreateLogger<ModelRepository>()) };
    }

    public void Dispose() => Data.Dispose();
}
