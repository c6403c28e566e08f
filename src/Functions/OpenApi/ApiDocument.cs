using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;

namespace Stitching.Functions.OpenApi;

/// <summary>
/// The API's OpenAPI 3.1 document, generated from this assembly's HTTP functions so that it cannot drift from them:
/// paths and methods from each <c>[HttpTrigger]</c>, responses from the declared result types, schemas from
/// System.Text.Json's <see cref="JsonSchemaExporter"/> over the options that really write or read each body
/// (<see cref="PlatformJsonContext"/> for <c>TypedResults.Json</c>, <c>Ok</c> and <c>Accepted</c>, whose HTTP JSON options
/// the host configures from it, and the <see cref="RequestBodyAttribute"/>'s type info for bodies), and what no signature shows from
/// the attributes beside this class. Built as JSON nodes, not with Microsoft.OpenApi's object model, because the exporter
/// already yields JSON Schema and OpenAPI 3.1 takes it as it is. Served at <c>GET /api/openapi.json</c>
/// (<see cref="GetOpenApi"/>, Azure and the local host) and committed as docs/api/openapi.json.
/// </summary>
public static partial class ApiDocument
{
    /// <summary>host.json's <c>extensions.http.routePrefix</c>; the local host maps its routes under it too.</summary>
    public const string RoutePrefix = "api";

    private const string HeaderKeyScheme = "functionKeyHeader";
    private const string QueryKeyScheme = "functionKeyQuery";

    private const string JsonMedia = "application/json";
    private const string ProblemMedia = "application/problem+json";

    /// <summary>Results whose media type only a <see cref="ContentResponseAttribute"/> tells.</summary>
    private static readonly HashSet<Type> ContentResults = [typeof(ContentHttpResult), typeof(FileContentHttpResult), typeof(FileStreamHttpResult), typeof(PushStreamHttpResult)];

    private static readonly string[] VerbOrder = ["get", "put", "post", "patch", "delete", "head", "options"];

    // '\n' everywhere, so the committed file reads the same from every OS; relaxed escaping keeps "application/problem+json"
    // readable (the document is served as JSON, never inlined into HTML).
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // What TypedResults.Ok/Accepted serialize with: ASP.NET Core's HTTP JSON options as the host configures them
    // (AddStitching: PlatformJsonContext.Configure), so the platform's context first.
    private static readonly JsonSerializerOptions HttpJson = HttpOptions();

    private static JsonSerializerOptions HttpOptions()
    {
        var options = new JsonSerializerOptions(new Microsoft.AspNetCore.Http.Json.JsonOptions().SerializerOptions);
        PlatformJsonContext.Configure(options);
        return options;
    }

    private static readonly Lazy<string> Document = new(() => Create().ToJsonString(WriteOptions) + "\n");

    /// <summary>The document exactly as docs/api/openapi.json holds it.</summary>
    public static string Json => Document.Value;

    /// <summary>One <c>[Function]</c> method with an <c>[HttpTrigger]</c> parameter.</summary>
    private sealed record HttpFunction(string Name, MethodInfo Method, HttpTriggerAttribute Trigger)
    {
        public string Route => Trigger.Route ?? Name;

        /// <summary>The OpenAPI path: prefix added, route constraints dropped (<c>{id:int}</c> is <c>{id}</c>).</summary>
        public string Path => $"/{RoutePrefix}/{RouteValue().Replace(Route, m => $"{{{m.Groups["name"].Value}}}")}";

        public IEnumerable<string> RouteValues => RouteValue().Matches(Route).Select(m =>
            m.Groups["optional"].Success ? throw new NotSupportedException($"{Name}: optional route value '{m.Value}' has no OpenAPI form; use a query parameter.") : m.Groups["name"].Value);

        public IEnumerable<string> Verbs => Trigger.Methods?.Select(v => v.ToLowerInvariant())
                                            ?? throw new NotSupportedException($"{Name}: list the HTTP methods in its [HttpTrigger].");
    }

    /// <summary>The HTTP functions of the Functions assembly, in a stable order.</summary>
    private static IReadOnlyList<HttpFunction> Functions() =>
        (from type in typeof(ApiDocument).Assembly.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
         let function = method.GetCustomAttribute<FunctionAttribute>()
         let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)
         where function is not null && trigger is not null
         orderby function.Name
         select new HttpFunction(function.Name, method, trigger)).ToList();

    private static JsonObject Create()
    {
        var schemas = new Schemas();
        var paths = new JsonObject();
        foreach (var path in Functions().GroupBy(f => f.Path).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var item = new JsonObject();
            foreach (var (function, verb) in path.SelectMany(f => f.Verbs.Select(v => (f, v))).OrderBy(x => Array.IndexOf(VerbOrder, x.v)))
                item.Add(verb, Operation(function, schemas)); // Add throws on a duplicate route and method: the host would refuse it too.
            paths[path.Key] = item;
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Stitching API",
                ["version"] = "1",
                ["description"] = "Submit, watch, retry and read model-stitching sweeps. Generated from the HTTP functions of src/Functions " +
                                  "(Stitching.Functions.OpenApi.ApiDocument); in Azure every operation needs a function key (header x-functions-key or " +
                                  "query parameter code), while the offline local host (`Stitching.Functions serve`) listens on loopback only and needs none.",
            },
            ["servers"] = new JsonArray(
                new JsonObject { ["url"] = "http://127.0.0.1:7071", ["description"] = "The offline local host (`Stitching.Functions serve`, port Stitching:Local:Port); no key." },
                new JsonObject
                {
                    ["url"] = "https://{host}",
                    ["description"] = "The function app in Azure; a function key is required.",
                    ["variables"] = new JsonObject { ["host"] = new JsonObject { ["default"] = "example.azurewebsites.net", ["description"] = "The function app's default host name." } },
                }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.Components(),
                ["securitySchemes"] = new JsonObject
                {
                    [HeaderKeyScheme] = new JsonObject
                    {
                        ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key",
                        ["description"] = "An Azure Functions function or host key. The offline local host needs no key.",
                    },
                    [QueryKeyScheme] = new JsonObject
                    {
                        ["type"] = "apiKey", ["in"] = "query", ["name"] = "code",
                        ["description"] = "The same key as a query parameter, for links opened in a browser (the report page keeps it on its CSV link).",
                    },
                },
            },
        };
    }

    private static JsonObject Operation(HttpFunction function, Schemas schemas)
    {
        var method = function.Method;
        var operation = new JsonObject { ["operationId"] = function.Name, ["tags"] = new JsonArray(method.DeclaringType!.Namespace!.Split('.')[^1]) };
        if (method.GetCustomAttribute<EndpointSummaryAttribute>() is { } summary) operation["summary"] = summary.Summary;
        if (method.GetCustomAttribute<EndpointDescriptionAttribute>() is { } description) operation["description"] = description.Description;

        var parameters = new JsonArray();
        foreach (var name in function.RouteValues)
        {
            var parameter = method.GetParameters().FirstOrDefault(p => p.Name == name)
                            ?? throw new InvalidOperationException($"{function.Name}: route value {{{name}}} has no method parameter of that name.");
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = Schemas.Primitive(parameter.ParameterType) });
        }
        foreach (var query in method.GetCustomAttributes<QueryParameterAttribute>().OrderBy(q => q.Name, StringComparer.Ordinal))
        {
            var schema = Schemas.Primitive(query.Type);
            if (query.Values is { Length: > 0 } values) schema["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
            if (query.Default is { } value) schema["default"] = query.Type == typeof(string) ? value : JsonNode.Parse(value);
            parameters.Add(new JsonObject { ["name"] = query.Name, ["in"] = "query", ["description"] = query.Description, ["schema"] = schema });
        }
        if (parameters.Count > 0) operation["parameters"] = parameters;

        if (method.GetCustomAttribute<RequestBodyAttribute>() is { } body)
        {
            var info = body.Holder.GetProperty(body.TypeInfoProperty, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as JsonTypeInfo
                       ?? throw new InvalidOperationException($"{function.Name}: {body.Holder.Name}.{body.TypeInfoProperty} is not a public static JsonTypeInfo.");
            operation["requestBody"] = new JsonObject
            {
                ["description"] = body.Description,
                ["required"] = true,
                ["content"] = new JsonObject { [JsonMedia] = new JsonObject { ["schema"] = schemas.Of(info) } },
            };
        }
        operation["responses"] = Responses(function, schemas);
        operation["security"] = function.Trigger.AuthLevel == AuthorizationLevel.Anonymous
            ? new JsonArray()
            : new JsonArray(new JsonObject { [HeaderKeyScheme] = new JsonArray() }, new JsonObject { [QueryKeyScheme] = new JsonArray() });
        return operation;
    }

    private static JsonObject Responses(HttpFunction function, Schemas schemas)
    {
        var method = function.Method;
        var responses = new SortedDictionary<int, Response>();
        Response At(int status, string fallback) => responses.TryGetValue(status, out var r) ? r : responses[status] = new Response(fallback);

        var results = ResultTypes(method.ReturnType).ToList();
        foreach (var result in results)
        {
            var definition = result.IsGenericType ? result.GetGenericTypeDefinition() : result;
            var argument = result.IsGenericType ? result.GetGenericArguments()[0] : null;
            if (definition == typeof(JsonHttpResult<>))
                At(200, "OK").Add(JsonMedia, schemas.Of(PlatformJsonContext.Default.GetTypeInfo(argument!)
                                                        ?? throw new InvalidOperationException($"{function.Name} answers {argument!.Name}, which PlatformJsonContext does not serialize: add it there.")), AsJson(argument!));
            else if (definition == typeof(Ok<>)) At(200, "OK").Add(JsonMedia, schemas.Of(HttpJson.GetTypeInfo(argument!)), AsJson(argument!));
            else if (definition == typeof(Accepted<>)) At(202, "Accepted").Located().Add(JsonMedia, schemas.Of(HttpJson.GetTypeInfo(argument!)), AsJson(argument!));
            else if (result == typeof(ValidationProblem)) At(400, "Bad request").Add(ProblemMedia, Schemas.ValidationProblemRef, "Invalid input, with the messages by field.");
            else if (result == typeof(ProblemHttpResult) || ContentResults.Contains(result))
                continue; // their statuses and media types come from the attributes below
            else throw new NotSupportedException($"{function.Name} returns {result.Name}, which ApiDocument does not describe yet: add it to ApiDocument.Responses.");
        }

        var problems = method.GetCustomAttributes<ProblemResponseAttribute>().ToList();
        if ((problems.Count > 0) != results.Contains(typeof(ProblemHttpResult)))
            throw new InvalidOperationException($"{function.Name}: a ProblemHttpResult in the return type needs [ProblemResponse] statuses, and [ProblemResponse] needs a ProblemHttpResult.");
        foreach (var problem in problems) At(problem.Status, "Problem").Add(ProblemMedia, Schemas.ProblemRef, problem.Description);

        var contents = method.GetCustomAttributes<ContentResponseAttribute>().ToList();
        if ((contents.Count > 0) != results.Any(ContentResults.Contains))
            throw new InvalidOperationException($"{function.Name}: a content or file result in the return type needs [ContentResponse] media types, and [ContentResponse] needs such a result.");
        foreach (var content in contents)
            At(200, "OK").Add(content.MediaType, new JsonObject { ["type"] = content.MediaType.EndsWith("json", StringComparison.Ordinal) ? "object" : "string" }, content.Description);

        var json = new JsonObject();
        foreach (var (status, response) in responses) json[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response.ToJson();
        return json;
    }

    /// <summary>"A SweepStatus as JSON.", "A list of SweepSummary as JSON.": what a JSON answer holds, for its description.</summary>
    private static string AsJson(Type type)
    {
        var list = type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IReadOnlyList<>) || d == typeof(IEnumerable<>) || d == typeof(List<>));
        var name = list ? type.GetGenericArguments()[0].Name : type.Name;
        return list ? $"A list of {name} as JSON." : $"{("AEIOU".Contains(name[0]) ? "An" : "A")} {name} as JSON.";
    }

    /// <summary>The result types a function may answer with: the arguments of <c>Results&lt;...&gt;</c>, inside any Task.</summary>
    private static IEnumerable<Type> ResultTypes(Type type)
    {
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
            type = type.GetGenericArguments()[0];
        return type.IsGenericType && type.GetGenericTypeDefinition().FullName!.StartsWith("Microsoft.AspNetCore.Http.HttpResults.Results`", StringComparison.Ordinal)
            ? type.GetGenericArguments()
            : [type];
    }

    /// <summary>Route values: <c>{id}</c>, <c>{id:int}</c>, <c>{*rest}</c>, and optional ones <c>{id?}</c>.</summary>
    [GeneratedRegex(@"\{\*{0,2}(?<name>\w+)(?::[^}?]+)?(?<optional>\?)?\}")]
    private static partial Regex RouteValue();

    private sealed class Response(string fallback)
    {
        private readonly List<string> descriptions = [];
        private readonly SortedDictionary<string, List<JsonNode>> content = new(StringComparer.Ordinal);
        private bool located;

        public Response Located()
        {
            located = true;
            return this;
        }

        public Response Add(string mediaType, JsonNode schema, string? description = null)
        {
            if (!content.TryGetValue(mediaType, out var list)) content[mediaType] = list = [];
            if (!list.Any(s => JsonNode.DeepEquals(s, schema))) list.Add(schema);
            if (description is not null && !descriptions.Contains(description)) descriptions.Add(description);
            return this;
        }

        public JsonObject ToJson()
        {
            var json = new JsonObject { ["description"] = descriptions.Count > 0 ? string.Join(" ", descriptions) : fallback };
            if (located)
                json["headers"] = new JsonObject { ["Location"] = new JsonObject { ["description"] = "Where to follow what was accepted.", ["schema"] = new JsonObject { ["type"] = "string" } } };
            if (content.Count > 0)
            {
                var media = new JsonObject();
                foreach (var (type, schemas) in content)
                    media[type] = new JsonObject { ["schema"] = schemas.Count == 1 ? schemas[0].DeepClone() : new JsonObject { ["anyOf"] = new JsonArray(schemas.Select(s => s.DeepClone()).ToArray()) } };
                json["content"] = media;
            }
            return json;
        }
    }

    /// <summary>Named schemas for the object types of bodies, exported from the options that serialize them.</summary>
    private sealed class Schemas
    {
        public const string ProblemName = "ProblemDetails";
        public const string ValidationProblemName = "HttpValidationProblemDetails";
        public static JsonObject ProblemRef => Ref(ProblemName);
        public static JsonObject ValidationProblemRef => Ref(ValidationProblemName);

        private static readonly WireNameConverterFactory SettingEnums = new();

        private static readonly JsonSchemaExporterOptions Exporter = new() { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = LeftOutIsNotRequired };

        /// <summary>
        /// The exporter lists every constructor parameter as required, but options that ignore nulls when writing
        /// (<see cref="PlatformJsonContext"/>) leave a null property out: such a property is not required.
        /// </summary>
        private static JsonNode LeftOutIsNotRequired(JsonSchemaExporterContext context, JsonNode node)
        {
            // The settings enums are read by their own converter (an unknown name lists the allowed ones), which the exporter cannot see into.
            if (SettingEnums.CanConvert(context.TypeInfo.Type))
                return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(WireNames.All(context.TypeInfo.Type).Select(n => (JsonNode?)n).ToArray()) };
            var ignore = context.TypeInfo.Options.DefaultIgnoreCondition;
            if (ignore == JsonIgnoreCondition.Never || context.TypeInfo.Kind != JsonTypeInfoKind.Object || node is not JsonObject schema || schema["required"] is not JsonArray required)
                return node;
            var leftOut = context.TypeInfo.Properties
                .Where(p => p.ShouldSerialize is not null || ignore != JsonIgnoreCondition.WhenWritingNull || p.IsGetNullable)
                .Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var kept = required.Select(r => r!.GetValue<string>()).Where(name => !leftOut.Contains(name)).ToArray();
            if (kept.Length == 0) schema.Remove("required");
            else schema["required"] = new JsonArray(kept.Select(k => (JsonNode?)k).ToArray());
            return node;
        }

        private readonly SortedDictionary<string, JsonNode> components = new(StringComparer.Ordinal);

        public JsonNode Of(JsonTypeInfo info)
        {
            if (info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element)
                return new JsonObject { ["type"] = "array", ["items"] = Of(info.Options.GetTypeInfo(element)) };
            if (info.Kind != JsonTypeInfoKind.Object) return info.GetJsonSchemaAsNode(Exporter);
            var name = info.Type.Name;
            var schema = info.GetJsonSchemaAsNode(Exporter);
            Rebase(schema, $"#/components/schemas/{name}");
            if (components.TryGetValue(name, out var existing) && !JsonNode.DeepEquals(existing, schema))
                throw new InvalidOperationException($"Two different schemas are both named {name} (one type written with two JSON options?): name one of them.");
            components[name] = schema;
            return Ref(name);
        }

        public static JsonObject Primitive(Type type) => (JsonObject)JsonSerializerOptions.Default.GetTypeInfo(type).GetJsonSchemaAsNode(Exporter);

        public JsonObject Components()
        {
            var json = new JsonObject();
            foreach (var (name, schema) in components.Append(new(ProblemName, Problem())).Append(new(ValidationProblemName, ValidationProblem())).OrderBy(c => c.Key, StringComparer.Ordinal))
                json[name] = schema.DeepClone();
            return json;
        }

        private static JsonObject Ref(string name) => new() { ["$ref"] = $"#/components/schemas/{name}" };

        /// <summary>The exporter's own references (recursive types) point into the schema it returned; make them point into the document.</summary>
        private static void Rebase(JsonNode? node, string root)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["$ref"] is JsonValue v && v.GetValue<string>() is ['#', .. var rest]) o["$ref"] = root + rest;
                    foreach (var (_, child) in o) Rebase(child, root);
                    break;
                case JsonArray a:
                    foreach (var child in a) Rebase(child, root);
                    break;
            }
        }

        // RFC 9457 problem details, written out rather than exported: ASP.NET Core serializes them with its own converter,
        // and the standard fixes their shape.
        private static JsonObject Problem() => new()
        {
            ["type"] = "object",
            ["description"] = "RFC 9457 problem details.",
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                ["title"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                ["status"] = new JsonObject { ["type"] = new JsonArray("integer", "null") },
                ["detail"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                ["instance"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
            },
        };

        private static JsonObject ValidationProblem() => new()
        {
            ["description"] = "RFC 9457 problem details with the messages for each invalid field.",
            ["allOf"] = new JsonArray(
                ProblemRef,
                new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["errors"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                        },
                    },
                }),
        };
    }
}
