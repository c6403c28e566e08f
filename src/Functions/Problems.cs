using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;

namespace Stitching.Functions;

/// <summary>RFC 7807 answers shared by the functions.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(IReadOnlyList<ValidationError> errors, string title = "The sweep spec is invalid.") =>
        TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()), title: title);

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    /// <summary>422: the sweep is valid but bigger than <see cref="Stitching.Domain.Sweeps.SweepLimitOptions"/> allows; an admin may submit it over them.</summary>
    public static ProblemHttpResult OverLimits(string detail, IDictionary<string, object?> numbers) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The sweep exceeds the submission limits", extensions: numbers);

    /// <summary>422: one job of the sweep (one model's training, or one stitch) cannot fit a runner execution (<see cref="Stitching.Domain.Sweeps.JobFit"/>).</summary>
    public static ProblemHttpResult JobTooLong(string detail, IDictionary<string, object?> numbers) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "A job of the sweep cannot fit the runner's replica timeout", extensions: numbers);

    /// <summary>403: the request asks for what only an admin (the host's master key) may do; <paramref name="detail"/> says where.</summary>
    public static ProblemHttpResult AdminRequired(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Needs the admin right");

    public static ProblemHttpResult NotFound(string id) => Missing($"No sweep '{id}'.");

    /// <summary>A 404 whose detail Core wrote (e.g. a <see cref="KeyNotFoundException"/> naming the sweep of several that is missing).</summary>
    public static ProblemHttpResult Missing(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>A request about things that exist but do not fit together, e.g. two sweeps that cannot be compared.</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    /// <summary>
    /// Null when <paramref name="id"/> may reach storage; otherwise the 400 to answer. Route values arrive decoded,
    /// so "%2e%2e" is already ".." here and is refused like it.
    /// </summary>
    public static ProblemHttpResult? CheckId(string? id) =>
        StorageIds.IsValid(id) ? null : BadRequest("A sweep id has letters, digits, '.', '_' and '-' only.");
}
