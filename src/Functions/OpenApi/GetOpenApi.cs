using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Stitching.Functions.OpenApi;

/// <summary>GET /api/openapi.json: the API's OpenAPI document, generated from these functions (<see cref="ApiDocument"/>).</summary>
public sealed class GetOpenApi
{
    [Function(nameof(GetOpenApi))]
    [EndpointSummary("This API's OpenAPI 3.1 document")]
    [ContentResponse("application/json", "The OpenAPI document (the same as docs/api/openapi.json in the repository).")]
    public ContentHttpResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(ApiDocument.Json, "application/json; charset=utf-8");
}
