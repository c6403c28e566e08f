using System.Globalization;
using System.Text.RegularExpressions;

namespace Stitching.Reliability.Tests;

/// <summary>
/// What an HTTP function's source file reads and answers that its signature does not show: the query keys, the problem
/// statuses, the media types of non-JSON answers, the JSON body it reads. A text scan, so that the API document's
/// declarations (the attributes of Stitching.Functions.OpenApi) can be checked against the code; a query read or a
/// <c>Problems</c> helper it does not understand is reported, never skipped.
/// </summary>
public sealed partial class FunctionSource
{
    /// <summary>The status each <c>Problems</c> helper answers with (src/Functions/Problems.cs).</summary>
    public static readonly IReadOnlyDictionary<string, int[]> ProblemHelpers = new Dictionary<string, int[]>
    {
        ["CheckId"] = [400],
        ["BadRequest"] = [400],
        ["Invalid"] = [400],
        ["NotFound"] = [404],
        ["NotImplemented"] = [501],
        ["OverLimits"] = [422],
        ["JobTooLong"] = [422],
        ["AdminRequired"] = [403],
        ["Missing"] = [404],
        ["Conflict"] = [409],
    };

    private FunctionSource(string path, string code)
    {
        Path = path;
        Code = code;
    }

    public string Path { get; }

    /// <summary>The file without comments and without the OpenAPI declarations themselves.</summary>
    public string Code { get; }

    /// <summary>The one file under src/Functions named after the function class (one function, one class, one file).</summary>
    public static FunctionSource For(Type function)
    {
        var files = Directory.EnumerateFiles(System.IO.Path.Combine(Repo.Root, "src", "Functions"), function.Name + ".cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}") && !f.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}"))
            .ToList();
        var file = Assert.Single(files);
        var text = File.ReadAllText(file);
        // A helper that is not a function, in the function's own folder and named by it (the two submission routes share
        // SweepSubmissionRequest), is read as part of the function: what it reads and answers, the function does.
        foreach (var helper in Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(file)!, "*.cs"))
            if (helper != file && Regex.IsMatch(text, $@"\b{Regex.Escape(System.IO.Path.GetFileNameWithoutExtension(helper))}\.")
                && File.ReadAllText(helper) is var shared && !shared.Contains("[Function(", StringComparison.Ordinal))
                text += "\n" + shared;
        var code = Declaration().Replace(Comment().Replace(text, ""), "");
        return new FunctionSource(System.IO.Path.GetRelativePath(Repo.Root, file), code);
    }

    /// <summary>Keys read as <c>Query["key"]</c>, <c>Query.TryGetValue("key", ...)</c>, or the same through a local alias of the query.</summary>
    public (IReadOnlySet<string> Keys, IReadOnlyList<string> Unseen) QueryReads()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "Query" };
        foreach (Match alias in QueryAlias().Matches(Code)) names.Add(alias.Groups["alias"].Value);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var unseen = new List<string>();
        foreach (var name in names)
        {
            foreach (Match use in new Regex($@"\b{Regex.Escape(name)}\b").Matches(Code))
            {
                var after = Code[(use.Index + use.Length)..];
                if (KeyRead().Match(after) is { Success: true } read) keys.Add(read.Groups["key"].Value);
                else if (name == "Query" ? !after.TrimStart().StartsWith(';') : !AliasDeclared().IsMatch(after))
                    unseen.Add(Line(use.Index));
            }
        }
        return (keys, unseen);
    }

    /// <summary>The statuses of the problems the function answers with, and any <c>Problems</c> helper this scan does not know.</summary>
    public (IReadOnlySet<int> Statuses, IReadOnlyList<string> Unknown) ProblemStatuses()
    {
        var statuses = new SortedSet<int>();
        var unknown = new List<string>();
        foreach (Match helper in ProblemsCall().Matches(Code))
        {
            if (ProblemHelpers.TryGetValue(helper.Groups["helper"].Value, out var codes)) statuses.UnionWith(codes);
            else unknown.Add(helper.Value);
        }
        if (Code.Contains("RequestBody.ReadJsonAsync(", StringComparison.Ordinal)) statuses.UnionWith([400, 413]);
        foreach (Match literal in StatusLiteral().Matches(Code))
            if (int.Parse(literal.Groups["status"].Value, CultureInfo.InvariantCulture) >= 400) statuses.Add(int.Parse(literal.Groups["status"].Value, CultureInfo.InvariantCulture));
        return (statuses, unknown);
    }

    /// <summary>
    /// The media types (without parameters) passed to <c>TypedResults.Text/Content/File/Bytes/Stream</c>, and the calls
    /// that pass theirs in a variable, which this scan cannot read.
    /// </summary>
    public (IReadOnlySet<string> Types, IReadOnlyList<string> Unseen) MediaTypes()
    {
        var types = new SortedSet<string>(StringComparer.Ordinal);
        var unseen = new List<string>();
        foreach (var args in Calls(ContentCall()))
        {
            var literals = MediaLiteral().Matches(args).Select(m => m.Groups["type"].Value).ToList();
            if (literals.Count == 0) unseen.Add($"{Path}: TypedResults.…({args.Trim()})");
            types.UnionWith(literals);
        }
        return (types, unseen);
    }

    /// <summary>The type info arguments of <c>TypedResults.Json(value, typeInfo)</c>.</summary>
    public IReadOnlyList<string> JsonCalls() => Calls(JsonCall()).ToList();

    /// <summary>The type info passed to <c>RequestBody.ReadJsonAsync(request, typeInfo, ...)</c>, e.g. <c>SweepSpecJson.TypeInfo</c>.</summary>
    public IReadOnlySet<string> BodyTypeInfos() => BodyRead().Matches(Code).Select(m => m.Groups["info"].Value).ToHashSet(StringComparer.Ordinal);

    private IEnumerable<string> Calls(Regex start)
    {
        foreach (Match call in start.Matches(Code))
        {
            var depth = 1;
            var i = call.Index + call.Length;
            for (; i < Code.Length && depth > 0; i++)
                depth += Code[i] switch { '(' => 1, ')' => -1, _ => 0 };
            yield return Code[(call.Index + call.Length)..(i - 1)];
        }
    }

    private string Line(int index) => $"{Path}:{Code[..index].Count(c => c == '\n') + 1}: {Code[(Code.LastIndexOf('\n', index) + 1)..].Split('\n')[0].Trim()}";

    // Whole-line and trailing comments ("https://" inside a string is kept: '//' after ':' is not a comment here).
    [GeneratedRegex(@"/\*.*?\*/|(?<!:)//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex Comment();

    // One declaration a line, as the functions write them.
    [GeneratedRegex(@"^\s*\[(?:QueryParameter|ProblemResponse|ContentResponse|RequestBody|EndpointSummary|EndpointDescription)\([^\n]*\)\]\s*$", RegexOptions.Multiline)]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b(?:var|IQueryCollection)\s+(?<alias>\w+)\s*=\s*(?:\w+\.)?Query\s*;")]
    private static partial Regex QueryAlias();

    [GeneratedRegex(@"^\s*(?:\[\s*""(?<key>[^""]+)""\s*\]|\.\s*(?:TryGetValue|ContainsKey)\s*\(\s*""(?<key>[^""]+)"")")]
    private static partial Regex KeyRead();

    [GeneratedRegex(@"^\s*=[^=]")]
    private static partial Regex AliasDeclared();

    [GeneratedRegex(@"\bProblems\.(?<helper>\w+)\(")]
    private static partial Regex ProblemsCall();

    [GeneratedRegex(@"\bStatusCodes\.Status(?<status>\d{3})")]
    private static partial Regex StatusLiteral();

    [GeneratedRegex(@"\bTypedResults\.(?:Text|Content|File|Bytes|Stream)\(")]
    private static partial Regex ContentCall();

    [GeneratedRegex(@"""(?<type>[a-z]+/[\w.+-]+)(?:;[^""]*)?""")]
    private static partial Regex MediaLiteral();

    [GeneratedRegex(@"\bTypedResults\.Json\(")]
    private static partial Regex JsonCall();

    [GeneratedRegex(@"\bRequestBody\.ReadJsonAsync\(\s*[^,]+,\s*(?<info>[\w.]+)")]
    private static partial Regex BodyRead();
}
