using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using Stitching.Functions;
using Stitching.Functions.Local;
using Stitching.Functions.OpenApi;

// "openapi PATH" writes the API document that docs/api/openapi.json commits (generated from the functions: ApiDocument).
if (args is ["openapi", var path])
{
    await File.WriteAllTextAsync(path, ApiDocument.Json);
    return;
}

// "serve" runs the same function classes as a plain ASP.NET Core app, for machines without Functions Core Tools.
if (args is ["serve", ..])
{
    await LocalApi.RunAsync(args[1..]);
    return;
}

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddStitching(builder.Configuration);
builder.Services.AddStitchingTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
