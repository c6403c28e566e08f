namespace Stitching.Domain.Contracts;

/// <summary>One line of the sweep listing.</summary>
public sealed record SweepSummary(string SweepId, string? Name, SweepState State, DateTimeOffset CreatedAt, int ModelJobs, int StitchJobs)
{
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Description { get; init; }

    public static SweepSummary Of(SweepRecord s) =>
        new(s.Id, s.Name, s.State, s.CreatedAt, s.ModelJobs, s.StitchJobs) { Tags = s.Spec.Tags, Description = s.Spec.Description };
}
