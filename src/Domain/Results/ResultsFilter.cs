namespace Stitching.Domain.Results;

/// <summary>Optional filters of a results listing; null matches everything. Variant accepts a name or slug.</summary>
public sealed record ResultsFilter(string? Variant = null, string? SenderLayer = null, string? ReceiverLayer = null, string? SenderArch = null, string? ReceiverArch = null);
