using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Stitching.Reliability.Tests;

/// <summary>No secrets in the repository, and the infrastructure templates keep keys and broad roles off.</summary>
public sealed partial class SecurityTests
{
    [Fact]
    public void No_tracked_file_contains_a_key_password_or_private_key()
    {
        var hits = new List<string>();
        foreach (var path in TrackedFiles())
        {
            var full = Path.Combine(Repo.Root, path);
            if (!File.Exists(full) || new FileInfo(full).Length > 2_000_000) continue;
            var text = File.ReadAllText(full);
            if (text.Contains('\0')) continue; // binary
            foreach (var (name, pattern) in SecretPatterns)
                foreach (Match m in pattern.Matches(text))
                    hits.Add($"{path}: {name}: {m.Value[..Math.Min(40, m.Value.Length)]}...");
        }
        Assert.True(hits.Count == 0, string.Join("\n", hits));
    }

    /// <summary>Built at run time, so this file holds no secret-shaped text itself.</summary>
    public static TheoryData<string> SecretShapes()
    {
        var b64 = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)(i * 37)).ToArray());
        var dash = new string('-', 5);
        return new TheoryData<string>(
            "DefaultEndpointsProtocol=https;AccountName=a;Account" + "Key=" + b64,
            "Endpoint=sb://x/;SharedAccessKeyName=Root;SharedAccess" + "Key=" + b64[..44],
            dash + "BEGIN RSA PRIVATE" + " KEY" + dash,
            "{ \"pass" + "word\": \"hunter2\" }",
            "https://a.blob.core.windows.net/c/b?sv=2022&s" + "ig=" + b64[..43].Replace("/", "%2F"),
            "token: " + b64);
    }

    [Theory]
    [MemberData(nameof(SecretShapes))]
    public void The_scanner_recognizes_each_kind_of_secret(string text) =>
        Assert.Contains(SecretPatterns, p => p.Pattern.IsMatch(text));

    [Theory]
    [InlineData("SharedAccessKey=SAS_KEY_VALUE")] // the Service Bus emulator's documented placeholder
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("<image href=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAEACAYAAABy0123456789abcdefghijklmnopqrstuvwxyzABCDEF\"/>")]
    [InlineData("var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));")]
    [InlineData("\"integrity\": \"sha512-KPVfaxW8xOiO2/4fjeiBfFNEXhGVw9tfcb9ha2iNk0ZJm8ZoR8Y+vbO2Ud9P4HsLXbRYiYCyeVU2iWhlQ1GrWA==\"")]
    [InlineData("\"contentHash\": \"t20e1MY25kUucbHTTyIl1wtwdSxJiPQKh" + "b6wfDh1ohX6LPD0ykJciyjAHrsF92vqL7GWXjRqUon2vaZ4BQ==\"")] // NuGet's packages.lock.json (split: this file is scanned too)
    [InlineData("\"$ref\": \"#/components/schemas/SimilarityMatrix/properties/values/items/items/anyOf/0/allOf\"")]
    public void The_scanner_leaves_placeholders_alone(string text) =>
        Assert.DoesNotContain(SecretPatterns, p => p.Pattern.IsMatch(text));

    private static readonly (string Name, Regex Pattern)[] SecretPatterns =
    [
        ("storage account key", new(@"AccountKey=[A-Za-z0-9+/]{20,}")),
        ("shared access key", new(@"SharedAccessKey=[A-Za-z0-9+/]{20,}")),
        ("SAS signature", new(@"[?&;]?sig=[A-Za-z0-9%+/]{30,}")),
        ("private key", new(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
        ("password", new(@"""password""\s*:\s*""[^""]+""", RegexOptions.IgnoreCase)),
        // Not an image embedded as a data URI (the SVG heatmaps carry their colour bar as one), not a package's published
        // integrity hash (npm lock files: "sha512-...", NuGet lock files: "contentHash": "..."), not a JSON pointer
        // ("#/components/schemas/..." in the API document).
        ("long base64 secret", new(@"(?<!base64,)(?<!sha(1|256|384|512)-)(?<!""contentHash"":\s*"")(?<![A-Za-z0-9+/#])[A-Za-z0-9+/]{60,}={0,2}(?![A-Za-z0-9+/=])")),
    ];

    private static IEnumerable<string> TrackedFiles()
    {
        var info = new ProcessStartInfo("git", ["ls-files", "-z"]) { WorkingDirectory = Repo.Root, RedirectStandardOutput = true };
        using var git = Process.Start(info)!;
        var list = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.Equal(0, git.ExitCode);
        return list.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
