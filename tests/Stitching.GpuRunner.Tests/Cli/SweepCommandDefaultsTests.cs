using Stitching.Core.Contracts;

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
            "--models-dir", Path.Combine(_dir, "models")), TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, output);
        Assert.Equal(new StitchSettings(), SweepManifest.Read(outDir)!.Spec.Stitch);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
