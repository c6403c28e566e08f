namespace Stitching.Platform.Tests;

/// <summary>Tests that start runner processes (TorchSharp, a few seconds each) share the two cores one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunnerProcesses
{
    public const string Name = "runner processes";
}
