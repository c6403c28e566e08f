namespace Stitching.Domain.Sweeps;

/// <summary>The seed paper's four matrices: the real pair and its three random controls.</summary>
public enum Variant
{
    TrainedToTrained,
    RandomToTrained,
    TrainedToRandom,
    RandomToRandom,
}

public static class Variants
{
    public static IReadOnlyList<Variant> All { get; } = Enum.GetValues<Variant>();

    public static string Name(this Variant v) => v switch
    {
        Variant.TrainedToTrained => "trained->trained",
        Variant.RandomToTrained => "random->trained",
        Variant.TrainedToRandom => "trained->random",
        _ => "random->random",
    };

    /// <summary>A name safe in file names and URLs: trained-trained, random-trained, ...</summary>
    public static string Slug(this Variant v) => v.Name().Replace("->", "-");

    public static bool SenderTrained(this Variant v) => v is Variant.TrainedToTrained or Variant.TrainedToRandom;
    public static bool ReceiverTrained(this Variant v) => v is Variant.TrainedToTrained or Variant.RandomToTrained;

    public static bool TryParse(string text, out Variant variant)
    {
        var t = text.Trim().ToLowerInvariant().Replace("->", "-").Replace("_", "-");
        foreach (var v in All)
            if (v.Slug() == t || v.ToString().Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) { variant = v; return true; }
        variant = default;
        return false;
    }

    /// <summary>Parses "all" or a comma list of variant names.</summary>
    public static IReadOnlyList<Variant> ParseList(string text)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
        var list = new List<Variant>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParse(part, out var v))
                throw new FormatException($"Unknown variant '{part}'. Use 'all' or a comma list of: {string.Join(", ", All.Select(x => x.Name()))}.");
            if (!list.Contains(v)) list.Add(v);
        }
        return list.Count > 0 ? list : throw new FormatException("No variants given. Use 'all' or e.g. trained->trained,random->random.");
    }
}
