using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Stitching.Functions;

/// <summary>Reads a JSON request body with a size cap, so one request cannot make the API buffer megabytes.</summary>
public static class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The parsed body, or an error message and the status to answer with (400 or 413).</summary>
    public static async Task<(T? Value, string? Error, int Status)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes) return (default, $"The body is larger than {MaxBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes) return (default, $"The body is larger than {MaxBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);
        }
        if (buffer.Length == 0) return (default, "The body is empty; send a sweep spec as JSON.", StatusCodes.Status400BadRequest);
        try
        {
            var value = JsonSerializer.Deserialize(buffer.ToArray(), type);
            return value is null ? (default, "The body is null.", StatusCodes.Status400BadRequest) : (value, null, 200);
        }
        catch (JsonException e)
        {
            return (default, $"Invalid JSON at {e.Path ?? "$"}: {e.Message}", StatusCodes.Status400BadRequest);
        }
    }
}
