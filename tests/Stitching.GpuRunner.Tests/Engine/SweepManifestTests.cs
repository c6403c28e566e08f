using Stitching.Domain.Contracts;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class SweepManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-manifest-").FullName;

    private static Provenance Run(string hardware = "test") => new("abc1234", false, "0.0", "libtorch-cpu-linux-x64 0.0", "cpu", hardware, "fp32", ".NET");

    private static SweepManifest Manifest(SweepSpec spec, Provenance? provenance = null) => new(spec, provenance ?? Run(), DateTimeOffset.UnixEpoch);

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
        Assert.Throws<ArgumentException>(() => SweepManifest.WriteOrCheck(_dir, Manifest(spec with { Width = spec.Width * 2 }))); // another width
    }

    [Fact]
    public void A_resume_on_another_machine_adds_its_provenance_and_keeps_the_first()
    {
        // Given a sweep folder written on one machine
        var spec = new SweepSpec();
        SweepManifest.WriteOrCheck(_dir, Manifest(spec));

        // When the same sweep resumes on another machine, and again on the first
        SweepManifest.WriteOrCheck(_dir, Manifest(spec, Run("other")));
        SweepManifest.WriteOrCheck(_dir, Manifest(spec));

        // Then sweep.json names both runs once, the first as the sweep's provenance
        var read = SweepManifest.Read(_dir)!;
        Assert.Equal(Run().Id, read.Provenance!.Id);
        Assert.Equal([Run().Id, Run("other").Id], read.Provenances().Select(p => p.Id));
    }

    [Theory]
    // docs/demo's sweep.json of commit 15df968 (the folder has since been rerun), kept as a fixture beside this test
    [InlineData("tests/Stitching.GpuRunner.Tests/Engine/Fixtures/old-sweep-json")]
    // docs/demo/seeds's of commit 61c5243 (three pairs; the findings report's five pairs replace it)
    [InlineData("tests/Stitching.GpuRunner.Tests/Engine/Fixtures/old-sweep-json-seeds")]
    public void A_sweep_json_written_before_the_shared_json_context_still_reads_and_keeps_its_fields(string folder)
    {
        // Given a committed sweep.json in the old PascalCase form, without a provenance record
        var source = Path.Combine(RepositoryRoot(), folder);
        File.Copy(Path.Combine(source, SweepManifest.FileName), Path.Combine(_dir, SweepManifest.FileName));

        // When it is read, and a resume records its provenance
        var read = SweepManifest.Read(_dir)!;
        SweepManifest.WriteOrCheck(_dir, Manifest(read.Spec));

        // Then the spec reads as it was written, and the rewritten file keeps the old fields beside the new run
        Assert.Equal("fashion-mnist", read.Spec.Dataset);
        Assert.Null(read.Provenance);
        var rewritten = File.ReadAllText(Path.Combine(_dir, SweepManifest.FileName));
        Assert.Contains("\"TorchSharpVersion\"", rewritten);
        Assert.Contains("\"resumes\"", rewritten);
        Assert.Equal(read.Spec with { Tags = [] }, SweepManifest.Read(_dir)!.Spec with { Tags = [] }, new SpecJsonComparer());
    }

    private sealed class SpecJsonComparer : IEqualityComparer<SweepSpec>
    {
        public bool Equals(SweepSpec? x, SweepSpec? y) =>
            System.Text.Json.JsonSerializer.Serialize(x!, PlatformJsonContext.Default.SweepSpec) == System.Text.Json.JsonSerializer.Serialize(y!, PlatformJsonContext.Default.SweepSpec);
        public int GetHashCode(SweepSpec obj) => 0;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) return dir.FullName;
        throw new DirectoryNotFoundException("No repository root above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
