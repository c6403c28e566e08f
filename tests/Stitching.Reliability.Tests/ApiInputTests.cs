using System.Text;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Reliability.Tests;

/// <summary>Hostile and malformed request bodies: always a 4xx problem, never a 5xx.</summary>
public sealed class ApiInputTests
{
    private const string Valid = """{"senders":["resnet(1,1,1,1)"],"receivers":["resnet(1,1,1,1)"],"variants":["trained->trained"],"senderLayers":["stem"],"receiverLayers":["2.0"],"trainLimit":1000,"stitch":{"epochs":1}}""";

    [Fact]
    public void The_validator_names_the_field_the_allowed_values_and_the_limit()
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec
        {
            Senders = ["resnet(1,1,1,1)", "resnet(9)"],
            Width = 4096,
            Variants = ["sideways"],
            ReceiverLayers = ["../stem"],
            Model = new TrainSettings { Epochs = 500 },
            Stitch = new StitchSettings { Epochs = 0, Optimizer = (StitchOptimizer)99 },
        }).ToDictionary(e => e.Field, e => e.Message);

        Assert.Contains("1..512", errors["width"]);
        Assert.Contains("trained->trained", errors["variants[0]"]);
        Assert.Contains("Valid layers: stem, 1.0", errors["receiverLayers[0]"]);
        Assert.Contains("1..200", errors["model.epochs"]);
        Assert.Contains("1..100", errors["stitch.epochs"]);
        Assert.Contains("sgd or adam", errors["stitch.optimizer"]);
        Assert.True(errors.ContainsKey("senders[1]"), string.Join("; ", errors));
    }

    [Theory]
    [InlineData("""{"stitch":{"optimizer":"adamw"}}""", "$.stitch.optimizer", "sgd or adam")]
    [InlineData("""{"stitch":{"init":"xavier"}}""", "$.stitch.init", "least-squares, identity or default")]
    [InlineData("""{"stitch":{"precision":"fp16"}}""", "$.stitch.precision", "auto, bf16 or fp32")]
    [InlineData("""{"stitch":{"precision":3}}""", "$.stitch.precision", "auto, bf16 or fp32")]
    public void An_unknown_setting_name_in_a_body_names_the_field_and_the_allowed_names(string body, string path, string allowed)
    {
        var e = Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize(body, SweepSpecJson.TypeInfo));
        Assert.Equal(path, e.Path);
        Assert.Contains(allowed, e.Message);
    }

    [Fact]
    public void Setting_names_read_and_write_with_their_existing_spellings()
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize("""{"model":{"randomInit":"pytorch"},"stitch":{"optimizer":"sgd","init":"least-squares","precision":"bf16"}}""", SweepSpecJson.TypeInfo)!;
        Assert.Equal((StitchOptimizer.Sgd, StitchInit.LeastSquares, ComputePrecision.Bf16, RandomInit.Pytorch), (spec.Stitch.Optimizer, spec.Stitch.Init, spec.Stitch.Precision, spec.Model.RandomInit));
        foreach (var json in new[] { System.Text.Json.JsonSerializer.Serialize(spec, PlatformJsonContext.Default.SweepSpec), System.Text.Json.JsonSerializer.Serialize(spec, SweepSpecJson.TypeInfo) })
        {
            Assert.Contains("\"optimizer\":\"sgd\"", json);
            Assert.Contains("\"init\":\"least-squares\"", json);
            Assert.Contains("\"precision\":\"bf16\"", json);
            Assert.Contains("\"randomInit\":\"pytorch\"", json);
            Assert.Equal(spec.Stitch, System.Text.Json.JsonSerializer.Deserialize(json, PlatformJsonContext.Default.SweepSpec)!.Stitch);
        }
    }

    [Fact]
    public void A_sweep_over_the_stitch_limit_is_refused_with_its_count_and_the_limit()
    {
        var big = Enumerable.Range(0, 32).Select(i => $"resnet({i % 4 + 1},{i / 4 % 4 + 1},2,2)").Distinct().ToList();
        var errors = SweepSpecValidator.Validate(new SweepSpec { Senders = big, Receivers = big, StitchSeeds = [0, 1, 2] });
        var error = Assert.Single(errors);
        Assert.Equal("senders", error.Field);
        Assert.Contains($"{SweepSpecValidator.MaxStitches:N0}", error.Message);
    }

    [AzuriteFact]
    public async Task A_thousand_seeded_hostile_bodies_all_get_4xx_problem_details_and_none_a_5xx()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(30));
        var random = new Random(20240607);
        var failures = new List<string>();
        for (var i = 0; i < 1000; i++)
        {
            var (kind, body) = Hostile(random, i);
            Http.Response response;
            try
            {
                response = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", body, chunked: i % 7 == 0), default));
            }
            catch (Exception e)
            {
                failures.Add($"#{i} {kind}: threw {e.GetType().Name}: {e.Message} {e.StackTrace?.Split('\n').FirstOrDefault()} for {Cut(body)}");
                continue;
            }
            var ok = response.Status is >= 400 and < 500 && response.ContentType.StartsWith("application/problem+json", StringComparison.Ordinal)
                && response.Json.TryGetProperty("title", out _) && response.Json.TryGetProperty("status", out var s) && s.GetInt32() == response.Status;
            if (!ok) failures.Add($"#{i} {kind}: {response.Status} {response.ContentType} {Cut(response.Body)} for {Cut(body)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of 1000 bodies were not answered 4xx problem+json:\n" + string.Join("\n", failures.Take(20)));
        Assert.Empty(await env.Platform.Storage.ListSweepsAsync().ToListAsync()); // nothing hostile was stored
    }

    private static string Cut(string s) => s.Length <= 200 ? s : s[..200] + "...";

    private static readonly string[] NastyNames =
    [
        "../../etc/passwd", "%2e%2e%2f", "..\\..\\windows", "stem#frag", "stem?x=1", "a/b", "\u0000", "\u202Estem", "st\u0065\u0301m",
        "💥", "stem\r\nX-Injected: 1", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "CON", new string('é', 300),
    ];

    private static readonly string[] Fields = ["senders", "receivers", "width", "dataset", "variants", "senderLayers", "receiverLayers", "trainLimit", "stitchSeeds", "model", "stitch", "name"];

    /// <summary>A body with at least one defect that makes it invalid, whatever else it holds.</summary>
    private static (string Kind, string Body) Hostile(Random r, int i)
    {
        string Field() => Fields[r.Next(Fields.Length)];
        string Nasty() => System.Text.Json.JsonSerializer.Serialize(NastyNames[r.Next(NastyNames.Length)]);
        switch (i % 14)
        {
            case 0: return ("wrong type", ReplaceKey(Field(), new[] { "true", "12.5", "[{}]" }[r.Next(3)]));
            case 1: return ("huge number", ReplaceKey(new[] { "width", "trainLimit", "stitchSeeds" }[r.Next(3)], new[] { "1e400", "99999999999999999999999", "-2147483649", "[1e999]" }[r.Next(4)]));
            case 2: { var d = r.Next(65, 3000); return ("deep nesting", ReplaceKey(Field(), new string('[', d) + new string(']', d))); }
            case 3: return ("huge string", ReplaceKey(new[] { "senders", "variants", "senderLayers" }[r.Next(3)], $"[\"{new string((char)('a' + r.Next(26)), r.Next(1000, 60_000))}\"]"));
            case 4: return ("path tricks in layer names", ReplaceKey(new[] { "senderLayers", "receiverLayers" }[r.Next(2)], $"[{Nasty()}]"));
            case 5: return ("path tricks in architectures", ReplaceKey(new[] { "senders", "receivers" }[r.Next(2)], $"[{Nasty()}]"));
            case 6: return ("unknown key", Valid.Insert(1, $"{System.Text.Json.JsonSerializer.Serialize(new[] { "__proto__", "constructor", "$type", "Senders2", NastyNames[r.Next(NastyNames.Length)] }[r.Next(5)])}:1,"));
            case 7: return ("out of range", ReplaceKey(new[] { "width", "trainLimit" }[r.Next(2)], r.Next(2) == 0 ? "-1" : "0") is var a && r.Next(2) == 0 ? a : Valid.Replace("\"epochs\":1", $"\"epochs\":{new[] { -5, 0, 101, int.MaxValue }[r.Next(4)]}"));
            case 8: return ("null inside", r.Next(2) == 0
                ? ReplaceKey(new[] { "senders", "receivers", "variants", "stitchSeeds", "stitch", "model" }[r.Next(6)], "null")
                : ReplaceKey(new[] { "senders", "receivers", "variants", "senderLayers", "receiverLayers", "stitchSeeds" }[r.Next(6)], "[null]"));
            case 9: return ("truncated", Valid[..r.Next(0, Valid.Length - 1)]);
            case 10: { var bytes = new byte[r.Next(1, 300)]; r.NextBytes(bytes); return ("random bytes", Encoding.Latin1.GetString(bytes)); }
            case 11: return ("hostile name", ReplaceKey("name", System.Text.Json.JsonSerializer.Serialize(r.Next(2) == 0 ? new string('n', 101 + r.Next(5000)) : "x\u0001\u001b[31m" + NastyNames[r.Next(NastyNames.Length)])));
            case 12: return ("too many stitches", ReplaceKey("stitchSeeds", $"[{string.Join(",", Enumerable.Range(0, r.Next(11, 500)))}]"));
            default: return ("too large", ReplaceKey("name", $"\"{new string('x', 70_000 + r.Next(100_000))}\""));
        }
    }

    private static string ReplaceKey(string key, string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Valid)!.AsObject();
        node.Remove(key);
        var text = node.ToJsonString();
        return text.Insert(1, $"\"{key}\":{json}" + (node.Count > 0 ? "," : ""));
    }
}
