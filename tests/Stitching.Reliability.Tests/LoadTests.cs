using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Functions.Maintenance;
using Xunit.Abstractions;

namespace Stitching.Reliability.Tests;

[Collection(RunnerProcesses.Name)]
public sealed class LoadTests(ITestOutputHelper output)
{
    [AzuriteFact]
    public async Task Four_runner_processes_drain_648_stitches_from_one_queue_with_no_lost_or_duplicate_jobs()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(30));
        // 4 variants x 2 seeds x 9 x 9 layers = 648 stitches on 4 models; stitches are fanned out as each model
        // finishes, so fan-out runs while the runners drain.
        var spec = new SweepSpec
        {
            Name = "load", Senders = ["resnet(2,2,2,2)"], Receivers = ["resnet(2,2,2,2)"], Variants = ["all"],
            StitchSeeds = [0, 1], TrainLimit = 1000, Stitch = new StitchSettings { Epochs = 1 },
            StitchesPerJob = 1, // a load test of the queue: one message per stitch
        };
        var runners = Enumerable.Range(0, 4).Select(i => env.StartRunner($"load{i}", epochMs: 0, modelMs: 50)).ToArray();
        try
        {
            var started = DateTime.UtcNow;
            var id = await env.SubmitAsync(spec);
            // 652 jobs, over the inline limit: stored as Planning and planned by the recovery timer, as in Azure.
            await new RecoverSweeps(env.Platform.Coordinator, NullLogger<RecoverSweeps>.Instance).RunAsync(new TimerInfo(), default);
            var maxQueueAge = TimeSpan.Zero;
            while (true)
            {
                var status = (await env.Platform.Queries.GetStatusAsync(id))!;
                if (status.Finished) break;
                Assert.True(DateTime.UtcNow - started < TimeSpan.FromMinutes(3), string.Join("\n", runners.Select(r => r.Describe())));
                // Storage queues are roughly FIFO: the first peeked message is about the oldest.
                if ((await env.Queue.Queue.PeekMessagesAsync(1)).Value.FirstOrDefault() is { InsertedOn: { } inserted })
                    maxQueueAge = TimeSpan.FromTicks(Math.Max(maxQueueAge.Ticks, (DateTimeOffset.UtcNow - inserted).Ticks));
                await Task.Delay(500);
            }
            var elapsed = DateTime.UtcNow - started;

            var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
            var results = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
            var completions = runners.SelectMany(r => r.Lines).Count(l => l.StartsWith("COMPLETED ", StringComparison.Ordinal));
            var stitches = jobs.Count(j => j.Kind == JobKind.Stitch);
            Assert.Equal(648, stitches);
            Assert.All(jobs, j => Assert.Equal(JobState.Done, j.State));
            Assert.Equal(stitches, results.Count);
            Assert.Equal(stitches, results.Select(r => r.StitchId).Distinct().Count());
            await env.AssertEveryStitchAccountedForAsync(id);

            var report = new JsonObject
            {
                ["jobs"] = jobs.Count,
                ["stitches"] = stitches,
                ["runners"] = runners.Length,
                ["seconds"] = Math.Round(elapsed.TotalSeconds, 2),
                ["jobsPerSecond"] = Math.Round(jobs.Count / elapsed.TotalSeconds, 2),
                ["retries"] = jobs.Sum(j => Math.Max(0, j.Attempts - 1)),
                ["executorRunsBeyondOnePerStitch"] = completions - stitches,
                ["maxQueueAgeSeconds"] = Math.Round(maxQueueAge.TotalSeconds, 2),
                ["lostJobs"] = jobs.Count(j => j.State != JobState.Done),
                ["duplicateRows"] = results.Count - results.Select(r => r.StitchId).Distinct().Count(),
                ["perRunner"] = new JsonObject(runners.Select(r => KeyValuePair.Create(r.Id, (JsonNode?)r.Lines.Count(l => l.StartsWith("COMPLETED ", StringComparison.Ordinal))))),
            };
            var dir = Path.Combine(Repo.Root, "TestResults");
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, "reliability-load.json");
            await File.WriteAllTextAsync(file, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            output.WriteLine($"Load: {report.ToJsonString()}\nwritten to {file}");
            Console.WriteLine($"Load: {report.ToJsonString()}\nwritten to {file}");
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }
}
