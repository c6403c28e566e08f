using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.DevTools;

/// <summary>
/// The platform's side of the performance issue, against real storage: submitting the paper's full experiment
/// (every ordered pair of the 16 ResNet(x,x,x,x), every layer pair, four variants), the time until every one of its
/// jobs is on the queue, and rendering a 17x17 matrix to PNG.
/// </summary>
public static class PlatformBenchmark
{
    public sealed record Figures(
        int ModelJobs, int StitchJobs, int Stitches, double SubmitSeconds, double PlannedSeconds, double StitchFanOutSeconds,
        double AllEnqueuedSeconds, int MessagesOnQueue, double RenderMedianMilliseconds, double RenderMaxMilliseconds, int PngBytes);

    /// <summary>The paper's experiment: all 256 ordered pairs of the 16 ResNet(x,x,x,x), every layer pair, four variants.</summary>
    public static SweepSpec PaperExperiment()
    {
        var family = ResNetSpec.SmallFamily().Select(s => s.Name).ToList();
        return new SweepSpec { Name = "paper-full-experiment", Senders = family, Receivers = family, Variants = ["all"] };
    }

    /// <summary>
    /// Runs the paper's experiment against the storage account or Azurite of <paramref name="connectionString"/>, in its own
    /// tables, container and queue (a random name prefix) that are removed afterwards, so no runner of a real deployment
    /// ever sees its jobs. Throws <see cref="StorageUnreachableException"/> when the storage does not answer.
    /// </summary>
    public static async Task<Figures> RunIsolatedAsync(string connectionString, ILogger? log = null, CancellationToken cancellationToken = default)
    {
        var storage = new StitchingStorageOptions { ConnectionString = connectionString, NamePrefix = "bench" + Guid.NewGuid().ToString("N")[..10] };
        var platform = StitchingPlatform.Create(storage, new JobQueueOptions { Backend = "storage" });
        var queue = (StorageJobQueue)platform.Queue;
        try
        {
            await platform.CreateIfNotExistsAsync(cancellationToken);
        }
        catch (Exception e) when (StorageFailures.Is(e) || e is HttpRequestException or AggregateException)
        {
            throw new StorageUnreachableException($"Storage is not reachable ({e.Message.Split('\n')[0]}). Start Azurite (bash scripts/start-azurite.sh) or pass a connection string.", e);
        }
        try
        {
            log?.LogInformation("The paper's full experiment (256 ordered pairs of the 16 ResNet(x,x,x,x), every layer pair, 4 variants):");
            return await RunAsync(platform, PaperExperiment(),
                async () => (await queue.Queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount, log, cancellationToken);
        }
        finally
        {
            await platform.DeleteAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Submits <paramref name="spec"/> and waits for its planning; then stands in for the GPU runners by recording
    /// every model as trained, and times the fan-out of all stitch jobs. Stitch jobs wait for their models by
    /// design, so "every job enqueued" is submission + planning + that fan-out.
    /// </summary>
    public static async Task<Figures> RunAsync(StitchingPlatform platform, SweepSpec spec, Func<Task<int>> countQueued,
        ILogger? log = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var submission = await platform.Coordinator.SubmitAsync(spec, cancellationToken);
        if (submission.Sweep is not { } sweep)
            throw new InvalidOperationException("The benchmark sweep was refused: " + string.Join("; ", submission.Errors.Select(e => $"{e.Field}: {e.Message}")));
        var submitted = clock.Elapsed.TotalSeconds;
        log?.LogInformation("  submitted {ModelJobs} model + {StitchJobs:N0} stitch jobs ({Stitches:N0} stitches) in {Milliseconds:F0} ms", sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, submitted * 1000);
        await platform.Coordinator.PlanAsync(sweep.Id, cancellationToken); // what the recovery timer does with a big sweep
        var planned = clock.Elapsed.TotalSeconds;
        log?.LogInformation("  planned (rows written, model jobs sent) after {Seconds:F1} s", planned);

        var models = SweepPlan.Create(spec).Models.ToList();
        await Parallel.ForEachAsync(models, cancellationToken, async (m, ct) => await platform.Storage.UpsertModelAsync(m.Key,
            new ModelResult(m.Arch, m.Width, m.Dataset, m.Seed, m.Trained, m.Training.Epochs, m.TrainLimit ?? 0, 0, 0), ct));
        var fanOut = Stopwatch.StartNew();
        var sent = await platform.Coordinator.FanOut.FanOutAsync(sweep.Id, cancellationToken);
        var fanOutSeconds = fanOut.Elapsed.TotalSeconds;
        var all = clock.Elapsed.TotalSeconds;
        log?.LogInformation("  {Sent:N0} stitch jobs sent in {FanOutSeconds:F1} s; every job on the queue {Seconds:F1} s after submission", sent, fanOutSeconds, all);
        var onQueue = await countQueued();

        var render = MeasureRender(log);
        return new Figures(sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, submitted, planned, fanOutSeconds, all, onQueue,
            render.MedianMilliseconds, render.MaxMilliseconds, render.PngBytes);
    }

    public sealed record RenderFigures(double MedianMilliseconds, double MaxMilliseconds, int PngBytes);

    /// <summary>A 17x17 (ResNet34) matrix to PNG, 10 times after a first render that loads the fonts.</summary>
    public static RenderFigures MeasureRender(ILogger? log = null)
    {
        var matrix = Matrix17();
        MatrixRenderer.RenderPng(matrix);
        var times = new List<double>();
        byte[] png = [];
        for (var k = 0; k < 10; k++)
        {
            var render = Stopwatch.StartNew();
            png = MatrixRenderer.RenderPng(matrix);
            times.Add(render.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        log?.LogInformation("  17x17 matrix to PNG: median {MedianMilliseconds:F0} ms, max {MaxMilliseconds:F0} ms ({PngBytes:N0} bytes)", times[times.Count / 2], times[^1], png.Length);
        return new RenderFigures(times[times.Count / 2], times[^1], png.Length);
    }

    /// <summary>ResNet34 with itself: 17 layers each way, values in every cell.</summary>
    private static SimilarityMatrix Matrix17()
    {
        var layers = ArchitectureCatalog.Layers(ResNetSpec.ResNet34, 16).Select(l => l.Name).ToList();
        var values = layers.Select((_, i) => layers.Select((_, j) => (double?)(0.1 + 0.8 * Math.Exp(-Math.Abs(i - j) / 4.0))).ToArray()).ToArray();
        return new SimilarityMatrix("trained->trained", "resnet34", "resnet34", layers, layers, values);
    }
}

/// <summary>The benchmark's storage did not answer; the message says how to start one.</summary>
public sealed class StorageUnreachableException(string message, Exception inner) : Exception(message, inner);
