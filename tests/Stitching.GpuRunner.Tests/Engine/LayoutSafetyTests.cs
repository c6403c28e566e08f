using System.Globalization;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.GpuRunner.Tests.Data;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>
/// Trains and evaluates a tiny network with the real <c>train</c> command in both memory layouts, each in its own
/// process (a forced NHWC run may crash libtorch on an AVX2-only CPU; that must not take the test host down), at
/// widths 1-8 and 16, on whatever CPU runs the tests, and again with oneDNN capped to AVX2 (what an AMD EPYC
/// without AVX-512 runs). Where the layout policy would choose NHWC, NHWC must run and give the NCHW run's
/// weights and test loss; where NHWC crashes, the policy must not choose it.
/// </summary>
public sealed class LayoutSafetyTests : IClassFixture<LayoutSafetyTests.Dataset>
{
    private readonly Dataset _data;

    public LayoutSafetyTests(Dataset data)
    {
        TorchRuntime.EnsureLoadable();
        _data = data;
    }

    public sealed class Dataset : IDisposable
    {
        public TempFolder Folder { get; } = new();
        public Dataset() => SyntheticIdx.WriteDataset(Folder.Path, train: 300, test: 100);
        public void Dispose() => Folder.Dispose();
    }

    public static TheoryData<int> Widths => [1, 2, 3, 4, 5, 6, 7, 8, 16];
    public static TheoryData<int> Avx2Widths => [4, 8, 16];

    [Theory, MemberData(nameof(Widths))]
    public Task Both_layouts_train_to_the_same_weights_on_this_cpu(int width) => Check(width, isaCap: null);

    [Theory, MemberData(nameof(Avx2Widths))]
    public Task Both_layouts_train_to_the_same_weights_with_onednn_capped_to_avx2(int width) => Check(width, isaCap: "AVX2");

    private async Task Check(int width, string? isaCap)
    {
        var arch = ResNetSpec.Parse("resnet(1,1,1,1)");
        var cpu = CpuFeatures.Read(isaCap: isaCap ?? "");
        bool policyChoosesNhwc;
        using (var probe = ResNet.Create(arch, width, 1, 10, seed: 0)) policyChoosesNhwc = LayoutPolicy.IsSafeOnCpu(probe, cpu);

        using var nchwDir = new TempFolder();
        using var nhwcDir = new TempFolder();
        var nchw = await Train(width, "nchw", nchwDir.Path, isaCap);
        Assert.True(nchw.ExitCode == 0, $"NCHW training failed (exit {nchw.ExitCode}) on {cpu.Description}:\n{nchw.Output}");
        var nhwc = await Train(width, "nhwc", nhwcDir.Path, isaCap);
        if (nhwc.ExitCode != 0)
        {
            // libtorch's bug, not ours: acceptable only where the policy would never choose NHWC.
            Assert.False(policyChoosesNhwc,
                $"NHWC at width {width} crashed (exit {nhwc.ExitCode}) on {cpu.Description}, but the layout policy would choose it:\n{Tail(nhwc.Output)}");
            return;
        }

        var a = Checkpoint(nchwDir.Path, nchw.Output);
        var b = Checkpoint(nhwcDir.Path, nhwc.Output);
        Assert.Equal(a.Spec.Key, b.Spec.Key); // the layout is not part of what a model is
        Assert.Equal("nchw", a.Layout);
        Assert.Equal("nhwc", b.Layout);
        Assert.True(Math.Abs(a.TestLoss - b.TestLoss) < 1e-3, $"test loss {a.TestLoss} (NCHW) vs {b.TestLoss} (NHWC) at width {width}");
        Assert.True(Math.Abs(a.TestAccuracy - b.TestAccuracy) <= 0.02, $"test accuracy {a.TestAccuracy} (NCHW) vs {b.TestAccuracy} (NHWC) at width {width}");

        using var ma = ResNet.Create(arch, width, 1, 10, seed: 0);
        using var mb = ResNet.Create(arch, width, 1, 10, seed: 0);
        a.LoadInto(ma, nchwDir.Path);
        b.LoadInto(mb, nhwcDir.Path);
        var sb = mb.state_dict();
        double diffSq = 0, normSq = 0;
        foreach (var (name, value) in ma.state_dict())
        {
            if (value.dtype == ScalarType.Int64) { Assert.True(value.equal(sb[name]).item<bool>(), name); continue; } // num_batches_tracked
            diffSq += (value - sb[name]).square().sum().item<float>();
            normSq += value.square().sum().item<float>();
        }
        // Float noise, not equality: one fp32 gradient of these nets already differs by 0.1-1% between the layouts
        // (batch norm's backward subtracts sums over 10^5 terms), and three SGD steps with momentum carry it on.
        // A corrupted heap or a mislaid tensor shows as O(1).
        var relative = Math.Sqrt(diffSq / normSq);
        Assert.True(relative < 0.05, $"the weights differ by {relative:P2} (relative L2) between the layouts at width {width}");
    }

    private async Task<(int ExitCode, string Output)> Train(int width, string layout, string modelsDir, string? isaCap)
    {
        var start = GpuRunnerDll.Start("train", "--arch", "resnet(1,1,1,1)", "--width", width.ToString(CultureInfo.InvariantCulture), "--data-dir", _data.Folder.Path,
            "--train-limit", "300", "--test-limit", "100", "--model-epochs", "1", "--threads", "1", "--device", "cpu",
            "--layout", layout, "--models-dir", modelsDir);
        start.Environment.Remove("ONEDNN_MAX_CPU_ISA");
        start.Environment.Remove("DNNL_MAX_CPU_ISA");
        if (isaCap is not null) start.Environment["ONEDNN_MAX_CPU_ISA"] = isaCap;
        // A hang is what a corrupted heap did with 2 threads: counted as a failed run.
        var (exitCode, output) = await GpuRunnerDll.RunAsync(start, TimeSpan.FromMinutes(2));
        return (exitCode ?? -1, exitCode is null ? "timed out after 2 minutes\n" + output : output);
    }

    private static ModelCheckpoint Checkpoint(string dir, string output)
    {
        var meta = Directory.GetFiles(dir, "*.json");
        Assert.True(meta.Length == 1, $"expected one checkpoint in {dir}, found {meta.Length}:\n{output}");
        return ModelCheckpoint.TryRead(dir, System.IO.Path.GetFileNameWithoutExtension(meta[0]))!;
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : s[^2000..];
}
