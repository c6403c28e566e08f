using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Stitching.Functions.Local;
using Stitching.Functions.OpenApi;

namespace Stitching.Reliability.Tests;

/// <summary>
/// docs/api/openapi.json is generated from the HTTP functions (<see cref="ApiDocument"/>) and cannot drift from them:
/// the committed file is what the code generates, every function's route and method is in it and mapped by the local
/// host, and what signatures do not show (query keys, problem statuses, media types, bodies) is declared as the source reads and answers it.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private const string Regenerate =
        "Regenerate it: UPDATE_OPENAPI=1 dotnet test tests/Stitching.Reliability.Tests --filter FullyQualifiedName~OpenApiDocumentTests " +
        "(or dotnet build src/Functions -c Release && dotnet src/Functions/bin/Release/net10.0/Stitching.Functions.dll openapi docs/api/openapi.json).";

    private static readonly string Committed = Path.Combine(Repo.Root, "docs", "api", "openapi.json");

    private static readonly Assembly Functions = typeof(ApiDocument).Assembly;

    /// <summary>The HTTP functions, found here independently of ApiDocument.</summary>
    private static IEnumerable<(string Name, MethodInfo Method, HttpTriggerAttribute Trigger)> HttpFunctions() =>
        from type in Functions.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        let function = method.GetCustomAttribute<FunctionAttribute>()
        let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)
        where function is not null && trigger is not null
        select (function.Name, method, trigger);

    /// <summary>"GET /api/sweeps/{id}" for each route and method the Azure Functions host serves.</summary>
    private static SortedSet<string> AzureRoutes() =>
        new(HttpFunctions().SelectMany(f => f.Trigger.Methods!.Select(m => $"{m.ToUpperInvariant()} /api/{f.Trigger.Route}")), StringComparer.Ordinal);

    [Fact]
    public void The_committed_document_is_the_one_the_functions_generate()
    {
        var generated = ApiDocument.Json;
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Committed)!);
            File.WriteAllText(Committed, generated);
        }

        Assert.True(File.Exists(Committed), $"docs/api/openapi.json is missing. {Regenerate}");
        var committed = File.ReadAllText(Committed).ReplaceLineEndings("\n"); // a Windows checkout may have turned '\n' into "\r\n"
        if (committed == generated) return;
        var (a, b) = (committed.Split('\n'), generated.Split('\n'));
        var line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        Assert.Fail($"docs/api/openapi.json is not what the functions generate; first difference at line {line + 1}: " +
                    $"committed '{(line < a.Length ? a[line].Trim() : "<end>")}', generated '{(line < b.Length ? b[line].Trim() : "<end>")}'. {Regenerate}");
    }

    [Fact]
    public void Every_http_function_route_and_method_is_an_operation_of_the_document_and_nothing_else()
    {
        var document = JsonNode.Parse(ApiDocument.Json)!;
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        foreach (var (verb, operation) in item!.AsObject())
        {
            operations.Add($"{verb.ToUpperInvariant()} {path}");
            var function = Assert.Single(HttpFunctions(), f => f.Name == operation!["operationId"]!.GetValue<string>());
            Assert.Contains(verb, function.Trigger.Methods!.Select(m => m.ToLowerInvariant()));
            Assert.Equal($"/api/{function.Trigger.Route}", path);
            Assert.Equal(
                function.Method.GetParameters().Where(p => function.Trigger.Route!.Contains($"{{{p.Name}}}", StringComparison.Ordinal)).Select(p => p.Name).Order(),
                (operation!["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>()).Order());
        }

        Assert.Equal(AzureRoutes(), operations);
        Assert.Contains("GET /api/openapi.json", operations);
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "src", "Functions", "host.json")))!;
        Assert.Equal(ApiDocument.RoutePrefix, host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_local_host_maps_every_function_at_its_Azure_route_and_serves_the_document()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();
        LocalApi.Map(app);
        var local = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"));
        Assert.Equal(AzureRoutes(), new SortedSet<string>(local, StringComparer.Ordinal));

        var response = await Http.ExecuteAsync(new GetOpenApi().Run(Http.Request()));
        Assert.Equal(200, response.Status);
        Assert.StartsWith("application/json", response.ContentType);
        Assert.Equal(ApiDocument.Json, response.Body);
    }

    [Fact]
    public void Every_query_key_a_function_reads_is_declared_and_every_declared_key_is_read()
    {
        var failures = new List<string>();
        foreach (var (name, method, _) in HttpFunctions())
        {
            var source = FunctionSource.For(method.DeclaringType!);
            var (read, unseen) = source.QueryReads();
            failures.AddRange(unseen.Select(u => $"{u}: reads the query in a way this test cannot see; read each key as Query[\"key\"] (or extend FunctionSource)."));
            // 'code' is the function key: the document has it as a security scheme, not as a parameter.
            var readKeys = read.Where(k => k != "code").ToHashSet();
            var declared = method.GetCustomAttributes<QueryParameterAttribute>().Select(q => q.Name).ToHashSet();
            failures.AddRange(readKeys.Except(declared).Select(k => $"{source.Path}: {name} reads query key '{k}' but does not declare it: add [QueryParameter(\"{k}\", typeof(...), \"...\")] to {name}."));
            failures.AddRange(declared.Except(readKeys).Select(k => $"{source.Path}: {name} declares query key '{k}' that it no longer reads: remove its [QueryParameter]."));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Problem_statuses_media_types_and_bodies_are_declared_as_the_source_answers_them()
    {
        var failures = new List<string>();
        foreach (var (name, method, _) in HttpFunctions())
        {
            var source = FunctionSource.For(method.DeclaringType!);
            var results = ResultTypes(method.ReturnType);

            var (answered, unknown) = source.ProblemStatuses();
            failures.AddRange(unknown.Select(u => $"{source.Path}: {u} is a Problems helper FunctionSource.ProblemHelpers does not know: add its status there."));
            var declared = method.GetCustomAttributes<ProblemResponseAttribute>().Select(p => p.Status).ToHashSet();
            if (results.Contains(typeof(ValidationProblem))) declared.Add(400);
            if (!answered.SetEquals(declared))
                failures.Add($"{source.Path}: {name} answers problems with [{string.Join(", ", answered)}] but declares [{string.Join(", ", declared.Order())}]: fix its [ProblemResponse] attributes.");

            var media = method.GetCustomAttributes<ContentResponseAttribute>().Select(c => c.MediaType).ToHashSet();
            var (answeredMedia, unseenMedia) = source.MediaTypes();
            failures.AddRange(unseenMedia.Select(u => $"{u} passes its media type in a variable this test cannot read: pass it as a string literal (or extend FunctionSource)."));
            if (!answeredMedia.SetEquals(media))
                failures.Add($"{source.Path}: {name} answers [{string.Join(", ", answeredMedia)}] but declares [{string.Join(", ", media)}]: fix its [ContentResponse] attributes.");

            failures.AddRange(source.JsonCalls().Where(args => !args.Contains("PlatformJsonContext.Default.", StringComparison.Ordinal))
                .Select(args => $"{source.Path}: TypedResults.Json({args}) does not write through PlatformJsonContext, which the document's schemas describe."));

            var body = method.GetCustomAttribute<RequestBodyAttribute>() is { } b ? new[] { $"{b.Holder.Name}.{b.TypeInfoProperty}" }.ToHashSet() : [];
            if (!source.BodyTypeInfos().SetEquals(body))
                failures.Add($"{source.Path}: {name} reads a body with [{string.Join(", ", source.BodyTypeInfos())}] but declares [{string.Join(", ", body)}]: fix its [RequestBody].");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_document_is_valid_OpenAPI_3_1_and_every_reference_resolves()
    {
        var json = ApiDocument.Json;
        var document = JsonNode.Parse(json)!;
        Assert.StartsWith("3.1.", document["openapi"]!.GetValue<string>());
        Assert.NotNull(document["info"]?["title"]);
        Assert.NotNull(document["info"]?["version"]);
        Assert.NotEmpty(document["paths"]!.AsObject());
        var references = new List<string>();
        CollectReferences(document, references);
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(Resolve(document, r) is not null, $"$ref {r} does not resolve"));

        // And the OpenAPI.NET reader, which checks the structure and runs its default validation rules.
        var (parsed, diagnostic) = Microsoft.OpenApi.Reader.OpenApiModelFactory.Parse(json, "json");
        Assert.NotNull(parsed);
        Assert.True(diagnostic!.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(document["paths"]!.AsObject().Count, parsed.Paths.Count);
        Assert.Equal(HttpFunctions().Sum(f => f.Trigger.Methods!.Length), parsed.Paths.Values.Sum(p => p.Operations!.Count));

        // The reader does find faults: the same document without its info and with a response lacking its description.
        var broken = JsonNode.Parse(json)!.AsObject();
        broken.Remove("info");
        broken["paths"]!["/api/sweeps"]!["get"]!["responses"]!["200"]!.AsObject().Remove("description");
        Assert.NotEmpty(Microsoft.OpenApi.Reader.OpenApiModelFactory.Parse(broken.ToJsonString(), "json").Diagnostic!.Errors);
    }

    [Fact]
    public void Schemas_use_the_names_and_enum_values_the_API_sends()
    {
        var schemas = JsonNode.Parse(ApiDocument.Json)!["components"]!["schemas"]!;
        var status = schemas["SweepStatus"]!;
        Assert.NotNull(status["properties"]!["sweepId"]);
        Assert.Equal(Enum.GetNames<Stitching.Domain.Contracts.SweepState>().Order(), status["properties"]!["state"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).Order());
        // PlatformJsonContext leaves nulls out, so a nullable property is not required.
        Assert.DoesNotContain("name", status["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        // Unknown keys in a spec are a 400 (SweepSpecJson), and the document says so.
        Assert.False(schemas["SweepSpec"]!["additionalProperties"]?.GetValue<bool>() ?? true);
    }

    private static Type[] ResultTypes(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>)) type = type.GetGenericArguments()[0];
        return type.IsGenericType && type.Name.StartsWith("Results`", StringComparison.Ordinal) ? type.GetGenericArguments() : [type];
    }

    private static void CollectReferences(JsonNode? node, List<string> references)
    {
        if (node is JsonObject o)
        {
            if (o["$ref"] is JsonValue r) references.Add(r.GetValue<string>());
            foreach (var (_, child) in o) CollectReferences(child, references);
        }
        else if (node is JsonArray a)
            foreach (var child in a) CollectReferences(child, references);
    }

    private static JsonNode? Resolve(JsonNode document, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) return null;
        JsonNode? node = document;
        foreach (var token in reference[2..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")))
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var i) && i < a.Count => a[i],
                _ => null,
            };
        return node;
    }
}
