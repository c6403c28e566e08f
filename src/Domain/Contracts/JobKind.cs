namespace Stitching.Domain.Contracts;

/// <summary>The two kinds of job a sweep fans out; the strings are what travels in <see cref="JobMessage.Kind"/>.</summary>
public static class JobKind
{
    public const string Model = "model";
    public const string Stitch = "stitch";
}
