using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Stitching.Functions.OpenApi;
using Stitching.Functions.Sweeps;

namespace Stitching.Functions.Local;

/// <summary>
/// Serves the function classes over plain ASP.NET Core on 127.0.0.1, at the same /api routes, for offline use
/// where Functions Core Tools cannot run, and runs the timer function <see cref="Maintenance.RecoverSweeps"/> in a loop
/// (<see cref="LocalRecoveryLoop"/>), with the timer's own storage settings when <c>Stitching:Local:Timer:*</c> gives them
/// (offline least privilege: <c>sas --component timer --under Stitching__Local__Timer</c>). No function keys: it listens on loopback only.
/// </summary>
public static class LocalApi
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var port = builder.Configuration.GetValue("Stitching:Local:Port", 7071);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = RequestBody.MaxBytes;
        });
        builder.Services.AddStitching(builder.Configuration);
        builder.Services.AddStitchingTelemetry(builder.Configuration);
        var recovery = builder.Configuration.GetValue(LocalRecoveryLoop.IntervalKey, TimeSpan.FromSeconds(10));
        if (recovery <= TimeSpan.Zero)
            throw new ArgumentException($"{LocalRecoveryLoop.IntervalKey} must be a positive time span (e.g. 00:00:10), got {recovery}.");
        LocalRecoveryLoop.AddTimerCoordinator(builder.Services, builder.Configuration);
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<LocalRecoveryLoop>(sp, recovery));
        var app = builder.Build();
        Map(app);
        await app.RunAsync();
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        static T Fn<T>(HttpContext c) => ActivatorUtilities.CreateInstance<T>(c.RequestServices);
        app.MapPost("/api/sweeps", (HttpContext c, CancellationToken ct) => Fn<SubmitSweep>(c).RunAsync(c.Request, ct));
        app.MapPost("/api/sweeps/over-limits", (HttpContext c, CancellationToken ct) => Fn<SubmitSweepOverLimits>(c).RunAsync(c.Request, ct));
        app.MapGet("/api/sweeps", (HttpContext c, CancellationToken ct) => Fn<ListSweeps>(c).RunAsync(c.Request, ct));
        app.MapGet("/api/sweeps/{id}", (HttpContext c, string id, CancellationToken ct) => Fn<GetSweep>(c).RunAsync(c.Request, id, ct));
        app.MapGet("/api/sweeps/{id}/results", (HttpContext c, string id, CancellationToken ct) => Fn<GetResults>(c).RunAsync(c.Request, id, ct));
        app.MapGet("/api/sweeps/{id}/results/{stitchId}", (HttpContext c, string id, string stitchId, CancellationToken ct) => Fn<GetResult>(c).RunAsync(c.Request, id, stitchId, ct));
        app.MapGet("/api/sweeps/{id}/matrix", (HttpContext c, string id, CancellationToken ct) => Fn<GetMatrix>(c).RunAsync(c.Request, id, ct));
        app.MapGet("/api/sweeps/{a}/compare/{b}", (HttpContext c, string a, string b, CancellationToken ct) => Fn<CompareSweeps>(c).RunAsync(c.Request, a, b, ct));
        app.MapGet("/api/results", (HttpContext c, CancellationToken ct) => Fn<ExportResults>(c).RunAsync(c.Request, ct));
        app.MapGet("/api/sweeps/{id}/report", (HttpContext c, string id, CancellationToken ct) => Fn<GetReport>(c).RunAsync(c.Request, id, ct));
        app.MapPost("/api/sweeps/{id}/cancel", (HttpContext c, string id, CancellationToken ct) => Fn<CancelSweep>(c).RunAsync(c.Request, id, ct));
        app.MapPost("/api/sweeps/{id}/retry", (HttpContext c, string id, CancellationToken ct) => Fn<RetrySweep>(c).RunAsync(c.Request, id, ct));
        app.MapGet("/api/openapi.json", (HttpContext c) => Fn<GetOpenApi>(c).Run(c.Request));
    }
}
