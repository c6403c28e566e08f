using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Interop;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Worker;

/// <summary>
/// The real engine behind a queue worker. A runner lives for hours and handles many jobs one at a time, so the
/// loaded data and the current <see cref="StitchEngine"/> (with its loaded models and cached sender activations)
/// are kept across jobs: consecutive stitches of the same sender layer reuse its activations. A stitch job runs on
/// <see cref="StitchGroupJob"/>, the executor the local sweep runs, with the spec's analyses.
/// Checkpoints go to <c>{checkpointDirectory}/models</c>, the layout <see cref="Stitching.Platform.Storage.CheckpointStore"/> uploads;
/// a stitch group and a model's training save their progress to <see cref="CheckpointFiles.ProgressFile(string, string)"/> and resume from it.
/// Datasets come only from the <c>datasets</c> blob container, as in Azure where the runner image has none: before each
/// job the dataset is fetched into <c>{dataDirectory}/{dataset}</c> and verified (kept there for the next job), and a
/// dataset missing or corrupt in storage fails the job at once (<see cref="DatasetUnavailableException"/>).
/// Without <paramref name="dataDirectory"/> the runner uses a new empty temporary folder, deleted on dispose, so it never
/// reads a dataset from the machine's own disk.
/// </summary>
public sealed class EngineJobExecutor(Device device, DatasetStore datasets, string? dataDirectory, long cacheBudgetBytes, ILoggerFactory? loggers = null)
    : IJobExecutor, IDisposable
{
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;
    private readonly ILogger _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<EngineJobExecutor>();

    /// <summary>Datasets kept loaded at once: the model jobs' and one sweep's stitch data (each up to ~200 MB for Fashion-MNIST).</summary>
    private const int MaxLoadedDatasets = 2;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(DataKey Key, SweepData Data)> _data = [];
    private (EngineKey Key, StitchEngine Engine, StitchGroupJob Executor)? _engine;
    private readonly bool _ownsDataDirectory = dataDirectory is null;
    private readonly string _dataDirectory = dataDirectory is null ? Directory.CreateTempSubdirectory("stitching-data-").FullName : Path.GetFullPath(dataDirectory);

    public Provenance? FindProvenance(string provenanceId) => EngineProvenance.Find(provenanceId);

    /// <summary>How often, at most, a stitch group or a model saves its progress file (<see cref="StitchEngine.ProgressInterval"/>).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where datasets are fetched to, one subfolder per dataset.</summary>
    public string DataDirectory => _dataDirectory;

    public Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct) =>
        RunExclusiveAsync(model.Dataset, () =>
        {
            // A model key does not include a test subset (sweeps share models), so models are scored on the whole test set.
            var data = Data(new DataKey(model.Dataset, model.TrainLimit, TestLimit: null, model.HoldoutFraction));
            var repository = new ModelRepository(CheckpointFiles.ModelsDirectory(checkpointDirectory), device, _loggers.CreateLogger<ModelRepository>());
            // Saved at epoch ends for the worker to upload, and resumed from when an earlier delivery's was downloaded.
            var (network, info) = repository.GetOrCreate(model, data, (CheckpointFiles.ProgressFile(checkpointDirectory, CheckpointFiles.ModelProgressId(model.Key)), ProgressInterval), ct);
            network.Dispose();
            return info.ToResult();
        }, ct);

    public Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct) =>
        RunExclusiveAsync(spec.Dataset, () =>
        {
            var executor = Executor(new EngineKey(new DataKey(spec.Dataset, spec.TrainLimit, spec.TestLimit, spec.Stitch.HoldoutFraction), spec.Stitch,
                CheckpointFiles.ModelsDirectory(checkpointDirectory)));
            // The executor a local sweep runs too: the same stitches, seeds, analyses and stitch files.
            return executor.RunAndSave(spec, tasks, checkpointDirectory, ct);
        }, ct);

    /// <summary>
    /// One job at a time: fetches (or verifies the local copy of) its dataset, then runs the training, which is
    /// synchronous torch work, on its own thread; the engine checks the token per step.
    /// </summary>
    private async Task<T> RunExclusiveAsync<T>(string dataset, Func<T> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var folder = DatasetFolder(dataset);
            var fetched = (await datasets.FetchAsync(dataset, folder, ct)).Where(t => t.Transferred).ToList();
            if (fetched.Count > 0)
                _logger.LogInformation("Fetched {Dataset} from blob container {Container} into {Folder}: {Files} files, {Megabytes:F1} MB, SHA-256 verified",
                    dataset, datasets.Container.Name, folder, fetched.Count, fetched.Sum(t => t.Bytes) / 1e6);
            return await Task.Factory.StartNew(() =>
            {
                ct.ThrowIfCancellationRequested();
                return work();
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            _gate.Release();
        }
    }

    private SweepData Data(DataKey key)
    {
        var i = _data.FindIndex(d => d.Key == key);
        if (i >= 0)
        {
            var hit = _data[i];
            _data.RemoveAt(i);
            _data.Add(hit); // most recently used last
            return hit.Data;
        }
        if (_data.Count >= MaxLoadedDatasets)
        {
            var oldest = _data[0];
            if (_engine is { } e && e.Key.Data == oldest.Key) DisposeEngine();
            oldest.Data.Dispose();
            _data.RemoveAt(0);
        }
        var data = SweepData.Load(new DatasetOptions
        {
            Name = key.Dataset, Folder = DatasetFolder(key.Dataset), TrainLimit = key.TrainLimit, TestLimit = key.TestLimit, ValidationFraction = key.HoldoutFraction,
        }, device, _logger);
        _data.Add((key, data));
        return data;
    }

    private string DatasetFolder(string dataset) => Path.Combine(_dataDirectory, StorageIds.Require(dataset, nameof(dataset)));

    private StitchGroupJob Executor(EngineKey key)
    {
        if (_engine is { } current && current.Key == key) return current.Executor;
        DisposeEngine();
        var engine = new StitchEngine(Data(key.Data), new ModelRepository(key.ModelsDirectory, device, _loggers.CreateLogger<ModelRepository>()), device, key.Settings, cacheBudgetBytes, _loggers)
        {
            ProgressInterval = ProgressInterval,
        };
        var executor = new StitchGroupJob(engine);
        _engine = (key, engine, executor);
        return executor;
    }

    private void DisposeEngine()
    {
        _engine?.Executor.Dispose();
        _engine?.Engine.Dispose();
        _engine = null;
    }

    public void Dispose()
    {
        DisposeEngine();
        foreach (var (_, data) in _data) data.Dispose();
        _data.Clear();
        _gate.Dispose();
        if (_ownsDataDirectory && Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    private sealed record DataKey(string Dataset, int? TrainLimit, int? TestLimit, double HoldoutFraction);

    private sealed record EngineKey(DataKey Data, StitchSettings Settings, string ModelsDirectory);
}
