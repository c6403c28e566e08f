using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Stitching.Core.Results;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// The long-format answers shared by the one-sweep results (<c>format=long-csv|parquet</c>) and the multi-sweep export:
/// one row per stitch with every setting of its sweep (<see cref="LongResultsTable"/>).
/// </summary>
public static class LongResults
{
    public const string CsvFormat = "long-csv";
    public const string ParquetFormat = "parquet";

    public static ContentHttpResult Csv(IReadOnlyList<SweepResults> sweeps)
    {
        using var csv = new StringWriter();
        LongResultsTable.WriteCsv(csv, sweeps);
        return TypedResults.Text(csv.ToString(), LongResultsTable.CsvContentType);
    }

    /// <summary>A download named <paramref name="fileStem"/>.parquet.</summary>
    public static async Task<FileContentHttpResult> ParquetAsync(IReadOnlyList<SweepResults> sweeps, string fileStem, CancellationToken cancellationToken)
    {
        // Parquet.Net needs a seekable stream (it writes the footer last); a sweep's table is a few MB at most.
        using var parquet = new MemoryStream();
        await LongResultsTable.WriteParquetAsync(parquet, sweeps, cancellationToken);
        return TypedResults.File(parquet.ToArray(), LongResultsTable.ParquetContentType, fileStem + ".parquet");
    }
}
