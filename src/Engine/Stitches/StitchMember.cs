namespace Stitching.Engine.Stitches;

/// <summary>One stitch of a <see cref="StitchGroupTrainer"/> group, with its sender's activations on each split.</summary>
public sealed record StitchMember(Stitch Stitch, ActivationSource Train, ActivationSource? Holdout, ActivationSource Test);
