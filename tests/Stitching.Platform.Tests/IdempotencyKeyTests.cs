using Stitching.Functions.Sweeps;

namespace Stitching.Platform.Tests;

/// <summary>POST /api/sweeps with an Idempotency-Key: a retried request gets the first sweep back, never a second one.</summary>
public sealed class IdempotencyKeyTests
{
    [AzuriteFact]
    public async Task The_same_key_and_spec_answer_the_first_sweep_and_the_same_key_with_another_spec_is_a_conflict()
    {
        await using var env = await TestPlatform.CreateAsync();
        var submit = new SubmitSweep(env.Platform.Coordinator);
        async Task<Http.Response> PostAsync(string spec, string? key)
        {
            var request = Http.Request("POST", spec);
            if (key is not null) request.Headers["Idempotency-Key"] = key;
            return await Http.ExecuteAsync(await submit.RunAsync(request, default));
        }

        // When the same request is sent twice with one key (a client retrying after a lost answer)
        var first = await PostAsync(Specs.Small, "retry-me-1");
        var again = await PostAsync(Specs.Small, "retry-me-1");

        // Then both answers name the same sweep, and only one sweep exists
        Assert.Equal((202, 202), (first.Status, again.Status));
        Assert.Equal(first.Json.GetProperty("sweepId").GetString(), again.Json.GetProperty("sweepId").GetString());
        Assert.Single(await env.Platform.Storage.ListSweepsAsync().ToListAsync());

        // And the key with another spec is refused, naming the key; a malformed key is a 400; no key queues a new sweep each time
        var other = await PostAsync(Specs.Small.Replace("\"trainLimit\": 1000", "\"trainLimit\": 2000", StringComparison.Ordinal), "retry-me-1");
        Assert.Equal(409, other.Status);
        Assert.Contains("retry-me-1", other.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await PostAsync(Specs.Small, new string('k', 201))).Status);
        var plain = await PostAsync(Specs.Small, null);
        Assert.Equal(202, plain.Status);
        Assert.NotEqual(first.Json.GetProperty("sweepId").GetString(), plain.Json.GetProperty("sweepId").GetString());
        Assert.Equal(2, (await env.Platform.Storage.ListSweepsAsync().ToListAsync()).Count);
    }
}
