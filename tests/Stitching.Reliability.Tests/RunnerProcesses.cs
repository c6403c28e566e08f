namespace Stitching.Reliability.Tests;

/// <summary>Tests that start runner processes share the two cores one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunnerProcesses
{
    public const string Name = "runner processes";
}
