using System.Text.RegularExpressions;

namespace Stitching.Domain.Architectures;

/// <summary>
/// A CIFAR-style ResNet of basic blocks: 3x3 stem (no max-pool), four stages of <see cref="Blocks"/>
/// blocks, global average pool, linear head. Stage s has width * 2^(s-1) channels and stride 2 from stage 2 on.
/// </summary>
public sealed partial record ResNetSpec(IReadOnlyList<int> Blocks)
{
    public const int MaxBlocksPerStage = 16;

    public static ResNetSpec ResNet18 { get; } = new([2, 2, 2, 2]);
    public static ResNetSpec ResNet34 { get; } = new([3, 4, 6, 3]);

    /// <summary>Canonical name: resnet18 and resnet34 by their common names, others as resnet(b1,b2,b3,b4).</summary>
    public string Name => Blocks.SequenceEqual(ResNet18.Blocks) ? "resnet18"
        : Blocks.SequenceEqual(ResNet34.Blocks) ? "resnet34"
        : $"resnet({string.Join(',', Blocks)})";

    public override string ToString() => Name;

    public bool Equals(ResNetSpec? other) => other is not null && Blocks.SequenceEqual(other.Blocks);
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    /// <summary>The paper's 16 ResNet(x,x,x,x) with x in {1, 2}; ResNet18 is one of them.</summary>
    public static IEnumerable<ResNetSpec> SmallFamily() =>
        Enumerable.Range(0, 16).Select(m => new ResNetSpec([1 + (m >> 3 & 1), 1 + (m >> 2 & 1), 1 + (m >> 1 & 1), 1 + (m & 1)]));

    public static bool TryParse(string? text, out ResNetSpec? spec, out string error)
    {
        spec = null;
        var t = (text ?? "").Trim().ToLowerInvariant().Replace(" ", "");
        switch (t)
        {
            case "resnet18": spec = ResNet18; error = ""; return true;
            case "resnet34": spec = ResNet34; error = ""; return true;
        }
        var m = Pattern().Match(t);
        if (!m.Success)
        {
            error = $"Unknown architecture '{text}'. Use resnet18, resnet34 or resnet(b1,b2,b3,b4) with 1..{MaxBlocksPerStage} basic blocks per stage, e.g. resnet(1,2,1,2).";
            return false;
        }
        var blocks = m.Groups[1].Value.Split(',').Select(int.Parse).ToArray();
        if (blocks.Any(b => b is < 1 or > MaxBlocksPerStage))
        {
            error = $"Architecture '{text}': every stage needs 1..{MaxBlocksPerStage} blocks. Use resnet18, resnet34 or resnet(b1,b2,b3,b4), e.g. resnet(1,2,1,2).";
            return false;
        }
        spec = new ResNetSpec(blocks);
        error = "";
        return true;
    }

    public static ResNetSpec Parse(string text) =>
        TryParse(text, out var spec, out var error) ? spec! : throw new FormatException(error);

    [GeneratedRegex(@"^resnet\((\d{1,3},\d{1,3},\d{1,3},\d{1,3})\)$")]
    private static partial Regex Pattern();

    /// <summary>Equal architectures by their blocks, so "resnet18" and "resnet(2,2,2,2)" match; other names by text.</summary>
    public static bool SameArch(string a, string b) =>
        TryParse(a, out var x, out _) && TryParse(b, out var y, out _) ? x!.Equals(y) : a == b;
}
