using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Stitches;

namespace Stitching.Engine.Sweeps;

/// <summary>What <see cref="StitchGroupJob.Run"/> returns: the job's rows, and its trained stitches (task order) to save; disposing frees the stitches.</summary>
public sealed record TrainedStitches(StitchJobResult Result, IReadOnlyList<(StitchTask Task, Stitch Stitch)> Stitches) : IDisposable
{
    public void Dispose()
    {
        foreach (var (_, stitch) in Stitches) stitch.Dispose();
    }
}
