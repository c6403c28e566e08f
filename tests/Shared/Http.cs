using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Stitching.Domain.Contracts;

namespace Stitching.Tests.Shared;

/// <summary>Calls function classes in-process: a DefaultHttpContext request in, the executed response out.</summary>
public static class Http
{
    // The API's JSON options as the host configures them (AddStitching -> AddStitchingJson), so Ok and Accepted bodies read as in production.
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddOptions()
        .ConfigureHttpJsonOptions(o => PlatformJsonContext.Configure(o.SerializerOptions)).BuildServiceProvider();

    public static HttpRequest Request(string method = "GET", string? body = null, string query = "", bool chunked = false)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.QueryString = new QueryString(query);
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = chunked ? null : bytes.Length; // chunked: the size is known only by reading
            context.Request.ContentType = "application/json";
        }
        return context.Request;
    }

    public sealed record Response(int Status, string ContentType, string Body, IHeaderDictionary Headers, byte[] Bytes)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    public static async Task<Response> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return new Response(context.Response.StatusCode, context.Response.ContentType ?? "", Encoding.UTF8.GetString(body.ToArray()), context.Response.Headers, body.ToArray());
    }
}
