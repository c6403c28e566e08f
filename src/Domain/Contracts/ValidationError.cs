namespace Stitching.Domain.Contracts;

/// <summary>One problem with a request, at a JSON path such as <c>senders[1]</c> or <c>stitch.epochs</c>.</summary>
public sealed record ValidationError(string Field, string Message);
