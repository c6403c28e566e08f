using Stitching.Domain.Contracts;
using Stitching.Engine.Research;

namespace Stitching.GpuRunner.Tests.Cli;

public sealed class SweepCommandDefaultsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-cli-defaults-").FullName;

    [FashionMnistFact]
    public async Task The_sweep_command_defaults_are_the_stitch_settings_defaults()
    {
        // The CLI once defaulted --patience to 0, silently turning early stopping off for every sweep. One barely trained pair,
        // one stitch: what matters is the spec the command records in sweep.json.
        var outDir = Path.Combine(_dir, "out");
        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("sweep", "--sender", "resnet(1,1,1,1)", "--receiver", "resnet(1,1,1,1)",
            "--width", "4", "--train-limit", "100", "--test-limit", "50", "--model-epochs", "1", "--sender-layers", "stem", "--receiver-layers", "stem",
            "--variants", "trained->trained", "--threads", "1", "--data-dir", Requirement.FashionMnist(), "--out", outDir,
            "--models-dir", Path.Combine(_dir, "models"), "--allow-chance-models"), TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, output);
        Assert.Equal(new StitchSettings(), SweepManifest.Read(outDir)!.Spec.Stitch);
    }

    [Fact]
    public async Task Sweep_report_and_the_readmes_first_command_share_one_set_of_defaults()
    {
        // Given the defaults of the spec's records, the one place they live
        var spec = new SweepSpec();
        Assert.Equal((8, 15), (spec.Width, spec.Model.Epochs));

        // Then the report starts from them rather than from numbers of its own
        var report = new ReportOptions();
        Assert.Equal((spec.Width, spec.Model.Epochs, spec.Stitch.Epochs), (report.Width, report.ModelEpochs, report.StitchEpochs));
        // and trains its stitches by the sweep's recipe itself, held-out rule included (docs/research.md says what the rule costs)
        Assert.Equal(spec.Stitch, report.Stitch);

        // And the README's first command spells out the same values, so it is the default sweep on a subset
        var readme = await File.ReadAllTextAsync(Path.Combine(GpuRunnerDll.RepositoryRoot, "README.md"));
        var first = readme.Split('\n').First(l => l.StartsWith("dotnet run --project src/GpuRunner -c Release -- sweep ", StringComparison.Ordinal));
        Assert.Contains($"--width {spec.Width} ", first, StringComparison.Ordinal);
        Assert.Contains($"--model-epochs {spec.Model.Epochs} ", first, StringComparison.Ordinal);

        // And the sweep command with no options plans exactly the default spec
        Assert.Equal(spec, await DryRunSpecAsync(), SpecComparer.Instance);
    }

    [Theory]
    [InlineData("train", "--train-limit", "50", "--train-limit: trainLimit must be at least 100.")]
    [InlineData("train", "--model-epochs", "0", "--model-epochs: Epochs must be 1..200.")]
    [InlineData("sweep", "--width", "0", "--width: Width must be 1..512.")]
    public async Task Every_command_judges_data_and_model_options_by_the_sweep_validators_rules(string command, string option, string value, string message)
    {
        // The CLI's limits are the API's: one validator, refusing before anything loads or trains.
        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start(command, option, value), TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, exit);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spec_file_is_the_base_options_override_it_and_a_key_left_out_keeps_its_default()
    {
        // The API's body as a file: width and the stitch cap set, everything else left out.
        var file = Path.Combine(_dir, "spec.json");
        await File.WriteAllTextAsync(file, """{ "width": 8, "stitch": { "epochs": 5 }, "senderSeeds": [0, 2], "receiverSeeds": [1, 3] }""");

        var spec = await DryRunSpecAsync("--spec", file, "--patience", "2");

        Assert.Equal(new SweepSpec
        {
            Width = 8, SenderSeeds = [0, 2], ReceiverSeeds = [1, 3],
            Stitch = new StitchSettings { Epochs = 5, Patience = 2 },
        }, spec, SpecComparer.Instance);

        // The printed spec fed back gives the same spec: --dry-run's output is a spec file.
        var printed = Path.Combine(_dir, "printed.json");
        await File.WriteAllTextAsync(printed, SweepSpecFile.Write(spec));
        Assert.Equal(spec, await DryRunSpecAsync("--spec", printed), SpecComparer.Instance);
    }

    [Fact]
    public async Task A_runs_sweep_json_is_a_spec_file_and_resume_names_a_setting_that_would_change_what_trains()
    {
        var folder = Path.Combine(_dir, "run");
        Directory.CreateDirectory(folder);
        var stored = new SweepSpec { Width = 4, TrainLimit = 300, Stitch = new StitchSettings { Epochs = 2 } };
        // An older sweep.json: written before allowChanceModels existed, with a key since removed (both must read).
        var json = SweepSpecFile.Write(stored).Replace("\"allowChanceModels\": false,", "\"floorImages\": 10,", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(folder, SweepManifest.FileName), $$"""{ "spec": {{json}}, "createdUtc": "2026-01-01T00:00:00Z" }""");

        Assert.Equal(stored, await DryRunSpecAsync("--spec", Path.Combine(folder, SweepManifest.FileName)), SpecComparer.Instance);

        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("sweep", "--resume", folder, "--epochs", "3"), TimeSpan.FromMinutes(2));
        Assert.Equal(2, exit);
        Assert.Contains("stitch.epochs: 2 -> 3", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spec_file_with_an_unknown_key_is_refused_naming_the_file()
    {
        var file = Path.Combine(_dir, "typo.json");
        await File.WriteAllTextAsync(file, """{ "widht": 8 }""");

        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("sweep", "--spec", file, "--dry-run"), TimeSpan.FromMinutes(2));

        Assert.Equal(2, exit);
        Assert.Contains("typo.json", output, StringComparison.Ordinal);
        Assert.Contains("widht", output, StringComparison.Ordinal);
    }

    /// <summary>The effective spec `sweep --dry-run` prints (its "Spec:" line), read as the API reads a body.</summary>
    private static async Task<SweepSpec> DryRunSpecAsync(params string[] args)
    {
        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start(["sweep", "--dry-run", .. args]), TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, output);
        var line = output.Split('\n').Single(l => l.StartsWith("Spec: ", StringComparison.Ordinal));
        return System.Text.Json.JsonSerializer.Deserialize(line["Spec: ".Length..], SweepSpecJson.TypeInfo)!;
    }

    /// <summary>Specs compared by their JSON: the records hold lists, which record equality compares by reference.</summary>
    private sealed class SpecComparer : IEqualityComparer<SweepSpec>
    {
        public static readonly SpecComparer Instance = new();
        public bool Equals(SweepSpec? x, SweepSpec? y) => SweepSpecFile.Write(x!) == SweepSpecFile.Write(y!);
        public int GetHashCode(SweepSpec obj) => SweepSpecFile.Write(obj).GetHashCode(StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
