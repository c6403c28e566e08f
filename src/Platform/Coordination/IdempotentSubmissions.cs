using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// POST /api/sweeps with an <c>Idempotency-Key</c>: a client that retries a request whose answer it lost gets the first
/// sweep back instead of queuing (and paying for) a second. The key is claimed by an insert into the sweeps table
/// (partition <see cref="Partition"/>, row = SHA-256 of the key) before the sweep is stored, with the SHA-256 of the
/// spec as the API reads it, so a second request with the key either finds the sweep, or finds another spec (a client
/// bug: 409), or finds the first request still submitting (409, retry). A claim whose submitter died before finishing is
/// taken over after <see cref="StaleClaim"/>.
/// </summary>
public sealed class IdempotentSubmissions(SweepCoordinator coordinator)
{
    private readonly StitchingStorage _storage = coordinator.Storage;

    public const string Partition = "idempotency";
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;
    public static TimeSpan StaleClaim { get; } = TimeSpan.FromMinutes(2);

    /// <summary>The first sweep submitted with this key, or why there is none to give.</summary>
    public sealed record Outcome(SweepRecord? Sweep, string? Conflict);

    /// <summary>A key the API accepts: 1..200 printable ASCII characters.</summary>
    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~');

    public async Task<Outcome> SubmitAsync(string key, SweepPlan plan, CancellationToken cancellationToken = default)
    {
        var row = Hash(key);
        var body = Hash(JsonSerializer.Serialize(plan.Spec, PlatformJsonContext.Default.SweepSpec));
        var claim = new TableEntity(Partition, row) { ["Body"] = body, ["ClaimedAt"] = DateTimeOffset.UtcNow };
        try
        {
            await _storage.Sweeps.AddEntityAsync(claim, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await _storage.Sweeps.GetEntityAsync<TableEntity>(Partition, row, cancellationToken: cancellationToken)).Value;
            if (existing.GetString("Body") != body)
                return new(null, $"The {Header} '{key}' was used for another spec; a key names one submission. Use a new key for a new sweep.");
            if (existing.GetString("SweepId") is { Length: > 0 } sweepId && await _storage.GetSweepAsync(sweepId, cancellationToken) is { } first)
                return new(first, null);
            if (existing.GetDateTimeOffset("ClaimedAt") is { } at && DateTimeOffset.UtcNow - at < StaleClaim)
                return new(null, $"A request with the {Header} '{key}' is still being submitted; ask again in a few seconds.");
            // The first submitter died between its claim and its sweep: this request takes the claim over (by ETag, so only one does).
            try
            {
                await _storage.Sweeps.UpdateEntityAsync(claim, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException again) when (again.Status == 412)
            {
                return new(null, $"A request with the {Header} '{key}' is still being submitted; ask again in a few seconds.");
            }
        }
        var sweep = await coordinator.SubmitAsync(plan, cancellationToken);
        claim["SweepId"] = sweep.Id;
        await _storage.Sweeps.UpsertEntityAsync(claim, TableUpdateMode.Replace, cancellationToken);
        return new(sweep, null);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
