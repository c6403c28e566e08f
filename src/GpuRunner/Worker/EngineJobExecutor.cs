using Stitching.Core.Contracts;
using Stitching.Core.Jobs;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Data;
using Stitching.GpuRunner.Models;
using Stitching.GpuRunner.Sweeps;
using Stitching.GpuRunner.Training;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Worker;

/// <summary>
/// The real engine behind a queue worker. A runner lives for hours and handles many jobs one at a time, so the
/// loaded data and the current <see cref="StitchEngine"/> (with its loaded models and cached sender activations)
/// are kept across jobs: consecutive stitches of the same sender layer reuse its activations.
/// Checkpoints go to <c>{checkpointDirectory}/models</c>, the layout <see cref="Stitching.Core.Storage.CheckpointStore"/> uploads.
/// </summary>
public sealed class EngineJobExecutor(Device device, string? dataDirectory, long cacheBudgetBytes, Action<string>? log = null) : IJobExecutor, IDisposable
{
    /// <summary>Datasets kept loaded at once: the model jobs' and one sweep's stitch data (each up to ~200 MB for Fashion-MNIST).</summary>
    private const int MaxLoadedDatasets = 2;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<(DataKey Key, SweepData Data)> _data = [];
    private (EngineKey Key, StitchEngine Engine)? _engine;
    private string? _sender;

    public Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct) =>
        RunExclusiveAsync(() =>
        {
            // A model key does not include a test subset (sweeps share models), so models are scored on the whole test set.
            var data = Data(new DataKey(model.Dataset, model.TrainLimit, TestLimit: null, new StitchSettings().HoldoutFraction));
            var repository = new ModelRepository(Path.Combine(checkpointDirectory, "models"), device);
            var (network, info) = repository.GetOrCreate(model, data, log, ct);
            network.Dispose();
            return new ModelResult(model.Arch, model.Width, model.Dataset, model.Seed, model.Trained,
                model.Trained ? model.Training.Epochs : 0, info.TrainImages, info.TestAccuracy, info.TestLoss);
        }, ct);

    public Task<IReadOnlyList<StitchResult>> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct) =>
        RunExclusiveAsync<IReadOnlyList<StitchResult>>(() =>
        {
            var engine = Engine(new EngineKey(new DataKey(spec.Dataset, spec.TrainLimit, spec.TestLimit, spec.Stitch.HoldoutFraction), spec.Stitch,
                Path.Combine(checkpointDirectory, "models")));
            // A job's receiver layers share its sender's cached activations; a new sender starts from an empty cache, so
            // a long-lived runner does not fill its budget with senders it will not see again.
            if (_sender != tasks[0].Sender.Key) engine.ClearActivations();
            _sender = tasks[0].Sender.Key;
            var trained = engine.TrainGroup(tasks, spec.Stitch, cancellationToken: ct);
            var results = new List<StitchResult>();
            for (var k = 0; k < trained.Count; k++)
            {
                var (result, stitch) = trained[k];
                using (stitch)
                {
                    var file = Path.Combine(checkpointDirectory, "stitches", tasks[k].Id + ".bin");
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    stitch.save(file + ".tmp");
                    File.Move(file + ".tmp", file, overwrite: true);
                }
                results.Add(result);
            }
            return results;
        }, ct);

    /// <summary>Training is synchronous torch work: it runs on its own thread, one job at a time; the engine checks the token per step.</summary>
    private async Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
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
        var options = new DatasetOptions
        {
            Name = key.Dataset, Folder = dataDirectory, TrainLimit = key.TrainLimit, TestLimit = key.TestLimit, ValidationFraction = key.HoldoutFraction,
        }.Validated();
        log?.Invoke($"Loading {options.Name} from {options.ResolvedFolder} (train {key.TrainLimit?.ToString() ?? "all"}, test {key.TestLimit?.ToString() ?? "all"})");
        using var dataset = DatasetLoader.Load(options);
        var data = SweepData.From(dataset, device);
        _data.Add((key, data));
        return data;
    }

    private StitchEngine Engine(EngineKey key)
    {
        if (_engine is { } current && current.Key == key) return current.Engine;
        DisposeEngine();
        var engine = new StitchEngine(Data(key.Data), new ModelRepository(key.ModelsDirectory, device), device, key.Settings, cacheBudgetBytes, log);
        _engine = (key, engine);
        return engine;
    }

    private void DisposeEngine()
    {
        _engine?.Engine.Dispose();
        _engine = null;
    }

    public void Dispose()
    {
        DisposeEngine();
        foreach (var (_, data) in _data) data.Dispose();
        _data.Clear();
        _gate.Dispose();
    }

    private sealed record DataKey(string Dataset, int? TrainLimit, int? TestLimit, double HoldoutFraction);

    private sealed record EngineKey(DataKey Data, StitchSettings Settings, string ModelsDirectory);
}
