using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Stitching.Domain.Contracts;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// The platform's HTTP API as the CLI's service commands use it (<c>submit</c>, <c>status</c>, <c>watch</c>,
/// <c>cancel</c>, <c>results</c>, <c>retry</c>): its URL and function key from the options, else <c>STITCHING_API_URL</c> / <c>STITCHING_API_KEY</c>,
/// else <c>~/.config/stitching/api.json</c> (<c>{"url": ..., "key": ...}</c>). Never storage credentials: what a user
/// may do is what the key allows. Requests that fail in transit or with a 5xx are tried again (3 tries), submission with
/// the same Idempotency-Key, so a retry never queues a second sweep.
/// </summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public const string UrlVariable = "STITCHING_API_URL";
    public const string KeyVariable = "STITCHING_API_KEY";

    public static string ConfigFile => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
        "stitching", "api.json");

    /// <exception cref="ArgumentException">No URL anywhere, or not an http(s) URL; the message says where to give one.</exception>
    public static ApiClient Create(string? url, string? key)
    {
        string? fileUrl = null, fileKey = null;
        if (File.Exists(ConfigFile))
        {
            using var config = JsonDocument.Parse(File.ReadAllText(ConfigFile));
            fileUrl = config.RootElement.TryGetProperty("url", out var u) ? u.GetString() : null;
            fileKey = config.RootElement.TryGetProperty("key", out var k) ? k.GetString() : null;
        }
        static string? Given(string? value) => value is { Length: > 0 } ? value : null;
        var resolved = Given(url) ?? Given(Environment.GetEnvironmentVariable(UrlVariable)) ?? Given(fileUrl)
            ?? throw new ArgumentException($"No API URL: give --api-url, set {UrlVariable}, or write {{\"url\": ..., \"key\": ...}} to {ConfigFile}.");
        if (!Uri.TryCreate(resolved.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"The API URL must be http(s)://host[:port], got '{resolved}'.");
        var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(100) };
        if ((Given(key) ?? Given(Environment.GetEnvironmentVariable(KeyVariable)) ?? Given(fileKey)) is { } functionKey)
            http.DefaultRequestHeaders.Add("x-functions-key", functionKey);
        return new ApiClient(http);
    }

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>POST api/sweeps; the 202's body, or the API's problem as an <see cref="ApiException"/>.</summary>
    public async Task<SweepAccepted> SubmitAsync(SweepSpec spec, string idempotencyKey, bool overLimits, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(spec, PlatformJsonContext.Default.SweepSpec);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, overLimits ? "api/sweeps/over-limits" : "api/sweeps") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            return request;
        }, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.SweepAccepted, cancellationToken))!;
    }

    public async Task<SweepStatus> StatusAsync(string sweepId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/sweeps/{Uri.EscapeDataString(sweepId)}"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.SweepStatus, cancellationToken))!;
    }

    public async Task<SweepStatus> CancelAsync(string sweepId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"api/sweeps/{Uri.EscapeDataString(sweepId)}/cancel"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.SweepStatus, cancellationToken))!;
    }

    /// <summary>POST api/sweeps/{id}/retry?include=...: what was re-queued, or why nothing was.</summary>
    public async Task<SweepRetry> RetryAsync(string sweepId, string include, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            $"api/sweeps/{Uri.EscapeDataString(sweepId)}/retry?include={Uri.EscapeDataString(include)}"), cancellationToken);
        return (await response.Content.ReadFromJsonAsync(PlatformJsonContext.Default.SweepRetry, cancellationToken))!;
    }

    /// <summary>
    /// GET of a read-only route (<c>api/sweeps?...</c>, <c>api/sweeps/{id}/results?...</c>, <c>api/results?...</c>) with
    /// its query built from the pairs whose value is given; the body as the API sent it (JSON, CSV or Parquet bytes).
    /// </summary>
    public async Task<byte[]> GetAsync(string route, IEnumerable<(string Name, string? Value)> query, CancellationToken cancellationToken)
    {
        var pairs = query.Where(p => p.Value is { Length: > 0 }).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}").ToList();
        var uri = pairs.Count == 0 ? route : $"{route}?{string.Join('&', pairs)}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                using var message = request();
                response = await http.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException) when (attempt < 3)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new ApiException($"Cannot reach the API at {http.BaseAddress}: {e.Message}");
            }
            if (response.IsSuccessStatusCode) return response;
            if ((int)response.StatusCode >= 500 && attempt < 3)
            {
                response.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
                continue;
            }
            using (response) throw new ApiException(await ProblemAsync(response, cancellationToken));
        }
    }

    /// <summary>The problem's title and detail (and its errors by field), or the status and body when it is not a problem.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = $"{(int)response.StatusCode} {response.StatusCode}";
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && text.Length == 0)
            return $"{status}: the API refused the key (give --api-key or set {KeyVariable}).";
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : text;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                detail += " " + string.Join(" ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => $"{e.Name}: {m.GetString()}")));
            return $"{status}: {detail}";
        }
        catch (JsonException)
        {
            return $"{status}: {text}";
        }
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The API answered with an error; the message is its problem, for the user.</summary>
public sealed class ApiException(string message) : Exception(message);
