using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Reporting.Tables;

namespace Stitching.FaultRunner;

/// <summary>
/// A deterministic stand-in for the TorchSharp engine. Faking the training is deliberate: what the fault tests
/// examine is the queue / claim / storage protocol around a job (redelivery, ETag claims, checkpoints, retries),
/// which runs for real here; only the arithmetic inside a job is replaced. A stitch runs
/// <see cref="StitchSettings.Epochs"/> epochs of <see cref="SteppedExecutorOptions.EpochMs"/> each and, like a real
/// long job, stores its progress after every epoch in blob storage (<c>progress/{hash of task}.txt</c>) and resumes
/// from it when redelivered. The result is a pure function of the task, so a rerun writes the same row.
/// </summary>
public sealed class SteppedExecutor(SteppedExecutorOptions options, BlobContainerClient checkpoints, string workerId) : IJobExecutor
{
    public async Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct)
    {
        await Task.Delay(options.ModelMs, ct);
        var dir = Path.Combine(checkpointDirectory, "models");
        Directory.CreateDirectory(dir);
        // Weights: 4 KiB derived from the key, so every runner would write the same bytes.
        var weights = Enumerable.Range(0, 128).SelectMany(i => SHA256.HashData(Encoding.UTF8.GetBytes($"{model.Key}/{i}"))).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(dir, model.Key + ".bin"), weights, ct);
        await File.WriteAllTextAsync(Path.Combine(dir, model.Key + ".json"), $"{{\"key\":\"{model.Key}\"}}", ct);
        Console.Out.WriteLine($"MODEL {model.Key} {workerId}");
        return new ModelResult(model.Arch, model.Width, model.Dataset, model.Seed, model.Trained, model.Training.Epochs, 1000, model.Trained ? 0.9 : 0.1, 0.3);
    }

    public async Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct)
    {
        var results = new List<StitchResult>();
        foreach (var task in tasks) results.Add(await TrainOneAsync(spec, task, checkpointDirectory, ct));
        return new StitchJobResult(results, []);
    }

    private async Task<StitchResult> TrainOneAsync(SweepSpec spec, StitchTask task, string checkpointDirectory, CancellationToken ct)
    {
        foreach (var key in new[] { task.Sender.Key, task.Receiver.Key })
            if (!File.Exists(Path.Combine(checkpointDirectory, "models", key + ".bin"))) throw new FileNotFoundException($"checkpoint of {key} missing");

        var tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(task.Id)))[..24];
        var progress = checkpoints.GetBlobClient($"progress/{tag}.txt");
        var start = 0;
        try
        {
            start = int.Parse((await progress.DownloadContentAsync(ct)).Value.Content.ToString(), CultureInfo.InvariantCulture);
            Console.Out.WriteLine($"RESUMED {tag} {start} {workerId}");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
        for (var epoch = start; epoch < spec.Stitch.Epochs; epoch++)
        {
            await Task.Delay(options.EpochMs, ct);
            await progress.UploadAsync(BinaryData.FromString((epoch + 1).ToString(CultureInfo.InvariantCulture)), overwrite: true, ct);
            Console.Out.WriteLine($"EPOCH {tag} {epoch + 1} {workerId}");
        }
        Console.Out.WriteLine($"COMPLETED {tag} {workerId}");
        var accuracy = SHA256.HashData(Encoding.UTF8.GetBytes(task.Id))[0] / 255.0;
        return new StitchResult(task.Variant.Name(), task.Sender.Arch, task.SenderLayer, task.Receiver.Arch, task.ReceiverLayer,
            task.Shape.KindName, task.Shape.Parameters, spec.Stitch.Epochs, 1000, accuracy, 1 - accuracy, 0.0,
            task.Sender.Seed, task.Receiver.Seed, task.StitchSeed, "fake");
    }
}
