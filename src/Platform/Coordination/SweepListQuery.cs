using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// A request for one page of the sweep listing (<c>GET /api/sweeps</c>, <c>results --list</c>): sweeps carrying every
/// one of <see cref="Tags"/> (case-insensitive), in <see cref="State"/>, created at or after <see cref="Since"/>, newest
/// first (created time descending, then sweep id), at most <see cref="PageSize"/>, after the position a continuation
/// token names. The token is a position, not a snapshot: sweeps submitted meanwhile are newer than any page already
/// read, so following the tokens returns every matching sweep exactly once. It is ours rather than the table's own,
/// because the table returns rows in sweep-id order (random ids) and cannot test list membership (tags).
/// </summary>
public sealed partial record SweepListQuery
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public IReadOnlyList<string> Tags { get; init; } = [];
    public SweepState? State { get; init; }
    public DateTimeOffset? Since { get; init; }
    public int PageSize { get; init; } = DefaultPageSize;
    /// <summary>The last sweep of the previous page (its created time and id), from the continuation token.</summary>
    public (DateTimeOffset CreatedAt, string Id)? After { get; init; }

    /// <summary>Newest first; the id breaks ties so that the order is total and a position is exact.</summary>
    public static int NewestFirst(SweepRecord a, SweepRecord b) => NewestFirst(a.CreatedAt, a.Id, b.CreatedAt, b.Id);

    private static int NewestFirst(DateTimeOffset aCreated, string aId, DateTimeOffset bCreated, string bId) =>
        bCreated.CompareTo(aCreated) is var c && c != 0 ? c : string.CompareOrdinal(aId, bId);

    public bool Matches(SweepRecord sweep) =>
        (State is not { } state || sweep.State == state)
        && (Since is not { } since || sweep.CreatedAt >= since)
        && (After is not { } after || NewestFirst(sweep.CreatedAt, sweep.Id, after.CreatedAt, after.Id) > 0)
        && Tags.All(t => sweep.Spec.Tags.Contains(t, StringComparer.OrdinalIgnoreCase));

    /// <summary>The token that continues the listing after <paramref name="last"/>: "1." and base64url of its created ticks and id.</summary>
    public static string Continuation(SweepRecord last) =>
        "1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks}|{last.Id}"));

    /// <summary>
    /// Reads the listing's parameters as the API and the CLI receive them (text; null or empty when absent); every
    /// problem is a <see cref="ValidationError"/> naming the API parameter and what it accepts.
    /// </summary>
    public static (SweepListQuery? Query, IReadOnlyList<ValidationError> Errors) Parse(
        IReadOnlyList<string?> tags, string? state, string? since, string? pageSize, string? continuation)
    {
        var errors = new List<ValidationError>();
        var query = new SweepListQuery();

        if (tags.Count > SweepSpecValidator.MaxTags) errors.Add(new("tag", $"At most {SweepSpecValidator.MaxTags} tags, got {tags.Count}."));
        foreach (var tag in tags)
            if (!SweepSpecValidator.IsValidTag(tag)) errors.Add(new("tag", $"'{SweepSpecValidator.Truncate(tag)}' is not a tag. {SweepSpecValidator.TagRule}"));
        query = query with { Tags = tags.OfType<string>().ToList() };

        if (!string.IsNullOrEmpty(state))
        {
            if (Enum.GetNames<SweepState>().FirstOrDefault(n => n.Equals(state, StringComparison.OrdinalIgnoreCase)) is { } name)
                query = query with { State = Enum.Parse<SweepState>(name) };
            else errors.Add(new("state", $"state must be one of {string.Join(", ", Enum.GetNames<SweepState>())} (any case), got '{SweepSpecValidator.Truncate(state)}'."));
        }

        if (!string.IsNullOrEmpty(since))
        {
            if (IsoDate().IsMatch(since) && DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from))
                query = query with { Since = from };
            else errors.Add(new("since", $"since must be an ISO 8601 date or date and time, e.g. 2026-11-30 or 2026-11-30T09:00:00Z (without an offset: UTC), got '{SweepSpecValidator.Truncate(since)}'."));
        }

        if (!string.IsNullOrEmpty(pageSize))
        {
            if (int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxPageSize)
                query = query with { PageSize = size };
            else errors.Add(new("pageSize", $"pageSize must be a whole number 1..{MaxPageSize} (default {DefaultPageSize}), got '{SweepSpecValidator.Truncate(pageSize)}'."));
        }

        if (!string.IsNullOrEmpty(continuation))
        {
            if (ParseContinuation(continuation) is { } after) query = query with { After = after };
            else errors.Add(new("continuation", "continuation must be the token of a previous page of this listing, as returned; omit it for the first page."));
        }
        return errors.Count > 0 ? (null, errors) : (query, []);
    }

    private static (DateTimeOffset, string)? ParseContinuation(string token)
    {
        if (!token.StartsWith("1.", StringComparison.Ordinal) || token.Length > 400) return null;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token.AsSpan(2));
        }
        catch (FormatException)
        {
            return null;
        }
        var parts = Encoding.UTF8.GetString(bytes).Split('|');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks || !StorageIds.IsValid(parts[1])) return null;
        return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
    }

    /// <summary>A date first (yyyy-MM-dd): DateTimeOffset.TryParse alone would also take "11/30/2026" and "Monday".</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?\z")]
    private static partial Regex IsoDate();
}
