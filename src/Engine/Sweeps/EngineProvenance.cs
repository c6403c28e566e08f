using System.Collections.Concurrent;
using Stitching.Domain.Contracts;
using Stitching.Engine.Hardware;
using Stitching.Engine.Training;
using static TorchSharp.torch;

namespace Stitching.Engine.Sweeps;

/// <summary>The engine's half of a <see cref="Provenance"/>: TorchSharp and libtorch as loaded, device, hardware and precision.</summary>
public static class EngineProvenance
{
    /// <summary>The version of the TorchSharp assembly this process loaded.</summary>
    public static string TorchSharpVersion => typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The libtorch package the application was built with (libtorch-cpu-* locally, libtorch-cuda-* in the GPU image).</summary>
    public static string LibTorchVersion => Provenance.PackageVersion("libtorch-");

    /// <summary>The git state is read once per process: a long run's rows must not change provenance when someone edits the checkout under it.</summary>
    private static readonly Lazy<(string Commit, bool Dirty)> GitState = new(() => Provenance.Git());

    private static readonly ConcurrentDictionary<string, Provenance> Captured = new();

    /// <summary>This process's provenance on <paramref name="device"/> computing in <paramref name="computeType"/>.</summary>
    public static Provenance Capture(Device device, ScalarType computeType)
    {
        var provenance = new Provenance(GitState.Value.Commit, GitState.Value.Dirty, TorchSharpVersion, LibTorchVersion, device.type.ToString().ToLowerInvariant(),
            HardwareDescription.Of(device), Precision.Name(computeType), Provenance.CurrentRuntime());
        return Captured.GetOrAdd(provenance.Id, provenance);
    }

    /// <summary>A provenance this process captured, by id (what a worker stores once for the rows that carry the id).</summary>
    public static Provenance? Find(string id) => Captured.GetValueOrDefault(id);
}
