using Stitching.Domain.Architectures;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.GpuRunner.Tests.Data;

namespace Stitching.GpuRunner.Tests.Engine;

public class CpuFeaturesTests
{
    public CpuFeaturesTests() => TorchRuntime.EnsureLoadable();

    // The first lines of /proc/cpuinfo on the two kinds of machine these sessions run on (flags shortened).
    private const string Epyc = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7763 64-Core Processor\nflags\t\t: fpu sse sse2 avx avx2 fma bmi2\n";
    private const string Xeon = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu avx avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile\n";

    private static CpuFeatures Parse(string cpuinfo, string cap = "")
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("cpuinfo"), cpuinfo);
        return CpuFeatures.Read(folder.File("cpuinfo"), cap);
    }

    [Fact]
    public void An_avx2_only_epyc_has_8_channel_blocks_and_no_native_bf16()
    {
        var cpu = Parse(Epyc);
        Assert.Equal("AMD EPYC 7763 64-Core Processor", cpu.Model);
        Assert.False(cpu.Avx512);
        Assert.False(cpu.NativeBf16);
        Assert.Equal(8, cpu.VectorBlock);
        Assert.Equal("AMD EPYC 7763 64-Core Processor (avx2)", cpu.Description);
    }

    [Fact]
    public void An_amx_xeon_has_16_channel_blocks_and_native_bf16_unless_onednn_is_capped()
    {
        var cpu = Parse(Xeon);
        Assert.True(cpu.Avx512);
        Assert.True(cpu.NativeBf16);
        Assert.Equal(16, cpu.VectorBlock);

        var capped = Parse(Xeon, "AVX2");
        Assert.False(capped.Avx512);
        Assert.False(capped.NativeBf16);
        Assert.Equal(8, capped.VectorBlock);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=AVX2", capped.Description);

        var noAmx = Parse(Xeon, "AVX512_CORE");
        Assert.True(noAmx.Avx512);
        Assert.False(noAmx.NativeBf16);
        Assert.True(Parse(Xeon, "AVX512_CORE_BF16").NativeBf16);
    }

    [Theory]
    [InlineData(4, false, false)]  // 4, 8, 16, 32 channels: the 4-channel stage rules NHWC out on both
    [InlineData(8, true, false)]   // 8 fits AVX2's block, not AVX-512's
    [InlineData(16, true, true)]
    [InlineData(12, false, false)]
    public void Nhwc_is_chosen_only_when_every_conv_fits_the_channel_block(int width, bool onEpyc, bool onXeon)
    {
        using var model = ResNet.Create(ResNetSpec.Parse("resnet(1,1,1,1)"), width, inChannels: 1, classes: 10, seed: 0);
        Assert.Equal(onEpyc, LayoutPolicy.IsSafeOnCpu(model, Parse(Epyc)));
        Assert.Equal(onXeon, LayoutPolicy.IsSafeOnCpu(model, Parse(Xeon)));
        if (!onEpyc) Assert.Contains("block 8", LayoutPolicy.FirstUnsafeConv(model, Parse(Epyc)));
    }
}
