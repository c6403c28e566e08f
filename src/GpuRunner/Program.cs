using Spectre.Console.Cli;
using Stitching.Engine.Kernels;
using Stitching.GpuRunner.Cli;

var command = args.Length > 0 ? args[0] : "";
var trains = command is "sweep" or "train" or "report" or "copying" or "bench" or "worker";
// Before any command calls libtorch: a command that trains runs on a oneDNN ISA whose kernels passed the self-check here.
if (trains)
{
    using var loggers = CliConsoleLoggerProvider.CreateFactory(clock: false);
    KernelIsa.SelectAtStartup(() => GpuRunnerSelf.Start("kernel-check"), loggers.CreateLogger("Stitching.KernelCheck"));
}
// The engine's checks of the run's own kernels run in child processes too: a kernel that corrupts the heap ends the child.
if (trains || command == "kernel-check")
    KernelGuard.Launcher = a => GpuRunnerSelf.Start([.. a]);

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("Stitching.GpuRunner");
    config.AddCommand<SweepCommand>("sweep").WithDescription("Run a stitching sweep locally and write results.csv, results.parquet (long: every setting on each row), matrices (JSON, PNG, SVG) and matrices.png.")
        .WithExample("sweep", "--sender", "resnet(1,1,1,1)", "--receiver", "resnet(2,2,2,2)", "--width", "16", "--train-limit", "10000", "--variants", "all", "--out", "results/demo");
    config.AddCommand<ReportCommand>("report").WithDescription("Run the documented stitching experiment and write a Markdown findings report with figures.")
        .WithExample("report", "--out", "docs/report");
    config.AddCommand<CopyingCommand>("copying").WithDescription("The copying experiment (issue 23.1): task stitches from several starts and seeds, the least-squares copy, placebos and a trade-off curve, read over network pairs; writes copying.csv and copying.md.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train (or reuse) one base model and print its test accuracy.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Benchmark the optimized sweep against the straightforward baseline; prints and writes JSON.");
    config.AddCommand<PlatformBenchCommand>("bench-platform").WithDescription("Time submission and fan-out of the paper's full experiment against storage (Azurite by default), and matrix rendering; prints and writes JSON.");
    config.AddCommand<WorkerCommand>("worker").WithDescription("Process jobs from the platform queue (Stitching__Storage__*, Stitching__Queue__*) until Ctrl+C or --max-jobs.");
    config.AddCommand<ScaleCommand>("scale").WithDescription("Offline job scaler: one 'worker --max-jobs N' process per waiting message, at most --jobs at a time, each stopped at the replica timeout, as KEDA runs Container Apps jobs.")
        .WithExample("scale", "--jobs", "2", "--runner-args=--threads 1");
    config.AddCommand<SubmitCommand>("submit").WithDescription("Submit a sweep to the platform's API (the sweep command's options or --spec), with an Idempotency-Key; prints its id.")
        .WithExample("submit", "--spec", "spec.json", "--api-url", "https://<app>.azurewebsites.net");
    config.AddCommand<StatusCommand>("status").WithDescription("A platform sweep's state and job counts, from the API.");
    config.AddCommand<WatchCommand>("watch").WithDescription("Follow a platform sweep's progress from the API until it finishes (exit 0: every job done).");
    config.AddCommand<CancelCommand>("cancel").WithDescription("Cancel a platform sweep through the API; finished results stay.");
    config.AddCommand<RetryCommand>("retry").WithDescription("Re-queue a platform sweep's failed (or also cancelled) jobs through the API, keeping finished results.")
        .WithExample("retry", "--sweep", "SWEEP_ID", "--include", "failed,cancelled");
    config.AddCommand<ResultsCommand>("results").WithDescription("Show a platform sweep's results from the API (table, csv, json, or long-csv/parquet with every sweep setting), or --list the sweeps.")
        .WithExample("results", "--sweep", "SWEEP_ID", "--variant", "trained->trained", "--format", "csv", "--out", "results.csv")
        .WithExample("results", "--sweep", "SWEEP_A,SWEEP_B", "--format", "parquet", "--out", "results.parquet");
    config.AddCommand<CompareCommand>("compare").WithDescription("Sweep B minus sweep A, cell by cell, marking differences outside both sweeps' seed spreads; each a local sweep folder or a platform sweep id.")
        .WithExample("compare", "results/seeds-0-1", "results/seeds-2-3", "--variant", "trained->trained")
        .WithExample("compare", "SWEEP_A", "SWEEP_B", "--format", "png", "--out", "b-minus-a.png");
    config.AddCommand<PatternsCommand>("patterns").WithDescription("Read a finished sweep folder's results.csv again and write patterns.md/.json and the interaction matrix under the current pattern design; trains nothing.")
        .WithExample("patterns", "docs/report/shapes", "--out", "/tmp/shapes-patterns");
    config.AddCommand<ExportCommand>("export").WithDescription("Local sweep folders (sweep.json + results.csv) as one long table, one row per stitch with every sweep setting: long-csv or parquet.")
        .WithExample("export", "results/demo", "results/other", "--out", "results.parquet");
    config.AddCommand<ExportModelCommand>("export-model").WithDescription("Base models as safetensors with torchvision's parameter names, for PyTorch (python/stitching_torch); a local sweep keeps its stitches so already.")
        .WithExample("export-model", "--sweep", "results/demo")
        .WithExample("export-model", "--model", "MODEL_KEY", "--out", "exported");
    config.AddBranch("datasets", datasets =>
    {
        datasets.SetDescription("Datasets in the 'datasets' blob container, where runners fetch them (same Stitching__Storage__* settings as worker).");
        datasets.AddCommand<DatasetsUploadCommand>("upload").WithDescription("Upload a dataset from this machine's copy; skips files whose SHA-256 is already stored.")
            .WithExample("datasets", "upload", "--dataset", "fashion-mnist")
            .WithExample("datasets", "upload", "--dataset", "cifar10", "--blob-service-uri", "https://ACCOUNT.blob.core.windows.net");
        datasets.AddCommand<DatasetsPrepareCommand>("prepare").WithDescription("Make an image-folder dataset (images-<name>) from one folder of PNG/JPEG images per class: resized to 32x32, split, checked.")
            .WithExample("datasets", "prepare", "--images", "~/pictures/flowers", "--dataset", "images-flowers");
        datasets.AddCommand<DatasetsListCommand>("list").WithDescription("List the stored dataset files and whether each dataset is complete.");
    });
    config.AddCommand<SasCommand>("sas").WithDescription("Print KEY=VALUE lines that give one offline component only its own rights: service URIs with SAS tokens signed by Azurite's key (for env / export).")
        .WithExample("sas", "--component", "runner", "--hours", "8");
    config.AddCommand<KernelCheckCommand>("kernel-check").WithDescription("Check this CPU's kernels (convolutions, batch norm, stitches; forward and backward; fp32 and bf16) against float64; exit 3 on a mismatch.");
    config.AddCommand<DownloadCommand>("download").WithDescription("Download and verify a dataset (cifar10).");
    config.PropagateExceptions();
});
return await CliErrors.RunAsync(app, args);
