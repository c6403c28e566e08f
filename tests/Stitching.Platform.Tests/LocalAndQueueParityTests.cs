using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>
/// One experiment, two hosts: the same tiny sweep with every analysis, run by the local <c>sweep</c> command (the job
/// processor over an in-memory queue and the output folder) and by the queue worker (JobProcessor and the real engine against Azurite), gives
/// the same rows bit for bit, and the same stitch files: the same jobs, the same executor, the same seeds.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class LocalAndQueueParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-parity-").FullName;

    [AzuriteFact]
    public async Task A_sweep_with_analyses_gives_identical_task_and_analysis_rows_locally_and_through_the_queue()
    {
        // Given a tiny sweep with every analysis (width 4, 300 images, 2 x 2 layers, 2 stitch epochs), run locally
        await using var env = await TestPlatform.CreateAsync();
        var local = Path.Combine(_dir, "local");
        var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(240),
        [
            "sweep", "--device", "cpu", "--threads", "1", "--data-dir", Requirement.FashionMnist(), "--models-dir", Path.Combine(_dir, "models"),
            "--sender", "resnet(1,1,1,1)", "--receiver", "resnet(1,1,1,1)", "--width", "4", "--train-limit", "300", "--test-limit", "100",
            "--variants", "trained->trained", "--sender-layers", "stem,1.0", "--receiver-layers", "2.0,3.0", "--model-epochs", "1", "--epochs", "2",
            "--analyses", "all", "--out", local, "--allow-chance-models", // a 1-epoch model: parity, not accuracy, is tested
        ]);
        Assert.True(exit == 0, output);

        // When the same spec (read back from the local run's sweep.json) is submitted and the real worker runs its jobs
        var spec = SweepManifest.Read(local)!.Spec;
        await env.UploadFashionMnistAsync();
        var id = await env.SubmitAsync(JsonSerializer.Serialize(spec with { Name = "parity" }, PlatformJsonContext.Default.SweepSpec));
        var jobs = SweepPlan.Create(spec).Models.Count() + SweepPlan.Create(spec).StitchJobs.Count();
        (exit, output) = await GpuRunnerProcess.RunWorkerAsync(env, "parity", TimeSpan.FromSeconds(300), "--max-jobs", jobs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, output);
        Assert.True((await env.Platform.Queries.GetStatusAsync(id))!.Finished, output);

        // Then every task row (accuracy, loss, epochs, converged, curve) and every analysis row is identical
        var localResults = ResultsCsv.ReadFile(Path.Combine(local, "results.csv")).ToDictionary(CellKey.Of);
        var queued = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        Assert.Equal(4, localResults.Count);
        Assert.Equal(localResults.Keys.Order(), queued.Select(r => CellKey.Of(r.Result)).Order());
        foreach (var q in queued.Select(r => r.Result))
        {
            var l = localResults[CellKey.Of(q)];
            Assert.Equal((l.Accuracy, l.Loss, l.Epochs, l.Converged, l.TestImages), (q.Accuracy, q.Loss, q.Epochs, q.Converged, q.TestImages));
        }

        // And each stitch the runner uploaded is the local sweep's kept stitch byte for byte: the same safetensors, weights and metadata
        var tasks = SweepPlan.Create(spec).StitchJobs.SelectMany(j => j.Tasks()).ToDictionary(CellKey.Of);
        foreach (var stored in queued)
        {
            var blob = stored.Checkpoint ?? throw new Xunit.Sdk.XunitException($"{stored.StitchId} has no uploaded stitch");
            var uploaded = await env.Platform.Checkpoints.Container.GetBlobClient(blob[(blob.IndexOf('/') + 1)..]).DownloadContentAsync();
            Assert.Equal(File.ReadAllBytes(Path.Combine(local, "stitches", tasks[CellKey.Of(stored.Result)].Id + ".safetensors")), uploaded.Value.Content.ToArray());
        }

        var localAnalyses = AnalysisCsv.ReadFile(Path.Combine(local, AnalysisCsv.FileName)).ToDictionary(CellKey.Of);
        var csv = await Http.ExecuteAsync(await new GetResults(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(query: "?kind=analysis&format=csv"), id, default));
        Assert.Equal(200, csv.Status);
        var served = AnalysisCsv.Read(new StringReader(csv.Body));
        Assert.Equal(4, served.Count);
        Assert.All(served, a => Assert.Equal(localAnalyses[CellKey.Of(a)], a));   // record equality: every metric, NaN equal to NaN
        Assert.All(served, a => Assert.False(double.IsNaN(a.CopyAccuracy) || double.IsNaN(a.Cka) || double.IsNaN(a.ProbeAccuracy) || double.IsNaN(a.PixelBaselineAccuracy)));

        // The CLI's results command reads the same rows from the tables
        var cliCsv = Path.Combine(_dir, "analysis-cli.csv");
        (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["results", "--from-storage", "--sweep", id, "--kind", "analysis", "--format", "csv", "--out", cliCsv]);
        Assert.True(exit == 0, output);
        Assert.Equal(served, AnalysisCsv.ReadFile(cliCsv));

        var json = await Http.ExecuteAsync(await new GetResults(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(query: "?kind=analysis"), id, default));
        Assert.Equal(4, json.Json.GetArrayLength());
        var report = await Http.ExecuteAsync(await new GetReport(env.Platform.Queries, env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, default));
        Assert.Contains("id=\"analyses\"", report.Body);
        Assert.Contains("trained-&gt;trained: copy accuracy", report.Body);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
