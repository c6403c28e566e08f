using Stitching.Domain.Contracts;

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

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
