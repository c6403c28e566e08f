using Stitching.Core.Contracts;
using Stitching.GpuRunner.Sweeps;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class SweepManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-manifest-").FullName;

    private static SweepManifest Manifest(SweepSpec spec) => new(spec, "abc1234", "0.0", "cpu", "test", "fp32", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_rerun_with_other_tags_or_description_resumes_and_keeps_the_first_labels_but_other_settings_do_not()
    {
        // Given a sweep folder written with tag "a"
        var spec = new SweepSpec { Tags = ["a"], Description = "first" };
        SweepManifest.WriteOrCheck(_dir, Manifest(spec));
        var written = File.ReadAllText(Path.Combine(_dir, SweepManifest.FileName));

        // When a rerun relabels it, the folder is accepted unchanged; when it changes what trains, it is refused
        SweepManifest.WriteOrCheck(_dir, Manifest(spec with { Tags = ["b", "c"], Description = null }));
        Assert.Equal(written, File.ReadAllText(Path.Combine(_dir, SweepManifest.FileName)));
        Assert.Contains("\"a\"", written);
        Assert.Throws<ArgumentException>(() => SweepManifest.WriteOrCheck(_dir, Manifest(spec with { Width = 8 })));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
