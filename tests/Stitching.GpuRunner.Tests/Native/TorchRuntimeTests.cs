using Stitching.Engine.Native;

namespace Stitching.GpuRunner.Tests.Native;

public class TorchRuntimeTests
{
    private static string PackagedLibrary()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp's native library is not at {path}; restore the solution first.");
        return path;
    }

    [Fact]
    public void Patching_marks_only_the_GLIBCXX_3_4_32_requirement_weak()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(PackagedLibrary(), copy);
        try
        {
            var before = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(copy));
            Assert.Contains(before, r => r.Version == TorchRuntime.MissingVersion && r.File == "libstdc++.so.6" && !r.Weak);

            Assert.True(TorchRuntime.PatchFile(copy));
            var after = ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(copy));

            Assert.Equal(before.Count, after.Count);
            for (var k = 0; k < before.Count; k++)
            {
                Assert.Equal(before[k].Version, after[k].Version);
                Assert.Equal(before[k].Version == TorchRuntime.MissingVersion || before[k].Weak, after[k].Weak);
            }
            var changedBytes = File.ReadAllBytes(PackagedLibrary()).Zip(File.ReadAllBytes(copy)).Count(p => p.First != p.Second);
            Assert.Equal(1, changedBytes);
            Assert.False(TorchRuntime.PatchFile(copy)); // idempotent
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void The_applications_copy_is_patched_when_the_system_libstdcxx_lacks_the_version_and_torch_loads()
    {
        TorchRuntime.EnsureLoadable();
        var copies = TorchRuntime.TorchSharpLibraries(AppContext.BaseDirectory).ToList();
        Assert.NotEmpty(copies);
        if (!TorchRuntime.SystemLibStdCxxHas(TorchRuntime.MissingVersion))
            foreach (var copy in copies)
                Assert.Contains(ElfVersionPatcher.ReadRequirements(File.ReadAllBytes(copy)), r => r.Version == TorchRuntime.MissingVersion && r.Weak);
        using var t = TorchSharp.torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }

    [Fact]
    public void A_non_ELF_file_is_rejected_with_a_clear_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadRequirements(new byte[100]));
        Assert.Contains("ELF", e.Message);
    }
}
