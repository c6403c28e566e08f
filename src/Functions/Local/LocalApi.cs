using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>
    /// Maps every HTTP function of this assembly at its own trigger's route and methods, found by reflection from the
    /// <c>[Function]</c> and <c>[HttpTrigger]</c> attributes, so the local host cannot drift from the function classes:
    /// a new function class is served here without a line added.
    /// </summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (type, method, trigger) in HttpFunctions())
            app.MapMethods("/api/" + trigger.Route, trigger.Methods!.Select(m => m.ToUpperInvariant()).ToArray(), context => InvokeAsync(type, method, context));
    }

    /// <summary>Each HTTP function: its class, its method and its trigger (route and methods as Azure reads them).</summary>
    public static IEnumerable<(Type Type, MethodInfo Method, HttpTriggerAttribute Trigger)> HttpFunctions() =>
        from type in typeof(LocalApi).Assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
        where method.GetCustomAttribute<FunctionAttribute>() is not null
        let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)
        where trigger is not null
        select (type, method, trigger);

    private static async Task InvokeAsync(Type type, MethodInfo method, HttpContext context)
    {
        var function = ActivatorUtilities.CreateInstance(context.RequestServices, type);
        // The parameters the Functions host binds: the request, route values by name, the cancellation token.
        var arguments = method.GetParameters().Select(p =>
            p.ParameterType == typeof(HttpRequest) ? context.Request
            : p.ParameterType == typeof(CancellationToken) ? context.RequestAborted
            : (object?)context.Request.RouteValues[p.Name!]?.ToString()).ToArray();
        var returned = method.Invoke(function, arguments);
        if (returned is Task task)
        {
            await task;
            returned = task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
        }
        await ((IResult)returned!).ExecuteAsync(context);
    }
}
