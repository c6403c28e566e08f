using Parquet;
using Parquet.Schema;
using Stitching.Domain.Results;

namespace Stitching.Reporting.Tables;

/// <summary>
/// The long results table (<see cref="LongResultsTable"/>) as Parquet with typed columns: numbers as
/// int32/int64/double (NaN kept), flags as booleans, unset limits as nulls. The columns are the domain's; this class
/// only knows how each CLR type becomes a Parquet column.
/// </summary>
public static class LongResultsParquet
{
    /// <summary>One row group; <paramref name="output"/> must be seekable (a MemoryStream or a file) as Parquet.Net requires.</summary>
    public static Task WriteAsync(Stream output, IEnumerable<SweepResults> sweeps, CancellationToken cancellationToken = default) =>
        WriteAsync(output, LongResultsTable.Typed(sweeps), cancellationToken);

    /// <summary>
    /// Any typed long table (<see cref="LongResultsTable.Typed"/>, <see cref="CurvesTable.Typed"/>) as one row group, so
    /// each table's CSV and Parquet come from the same column list.
    /// </summary>
    public static async Task WriteAsync(Stream output, IReadOnlyList<TypedColumn> columns, CancellationToken cancellationToken = default)
    {
        var fields = columns.Select(c => new DataField(c.Name, c.Type)).ToList();
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, cancellationToken: cancellationToken);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < columns.Count; i++)
            await WriteColumnAsync(group, fields[i], columns[i], cancellationToken);
    }

    /// <summary>The Parquet file's bytes: written in memory, since Parquet.Net seeks (it writes the footer last) and an HTTP body cannot.</summary>
    public static Task<byte[]> ToBytesAsync(IEnumerable<SweepResults> sweeps, CancellationToken cancellationToken = default) =>
        ToBytesAsync(LongResultsTable.Typed(sweeps), cancellationToken);

    public static async Task<byte[]> ToBytesAsync(IReadOnlyList<TypedColumn> columns, CancellationToken cancellationToken = default)
    {
        using var parquet = new MemoryStream();
        await WriteAsync(parquet, columns, cancellationToken);
        return parquet.ToArray();
    }

    /// <summary>The Parquet file at <paramref name="path"/>, replaced atomically.</summary>
    public static void WriteFile(string path, IEnumerable<SweepResults> sweeps) => WriteFile(path, LongResultsTable.Typed(sweeps));

    /// <summary>A typed long table as a Parquet file at <paramref name="path"/>, replaced atomically.</summary>
    public static void WriteFile(string path, IReadOnlyList<TypedColumn> columns) =>
        // Synchronous for the CLI's file writers; Parquet.Net's writer is async only, and a MemoryStream never waits.
        AtomicFile.WriteBytes(path, ToBytesAsync(columns).GetAwaiter().GetResult());

    private static Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, TypedColumn column, CancellationToken cancellationToken)
    {
        return column.Type switch
        {
            var t when t == typeof(string) => group.WriteAsync(field, column.Values.Cast<string>().ToList()),
            var t when t == typeof(int) => Values<int>(),
            var t when t == typeof(long) => Values<long>(),
            var t when t == typeof(double) => Values<double>(),
            var t when t == typeof(bool) => Values<bool>(),
            var t when t == typeof(int?) => Optional<int>(),
            var t when t == typeof(long?) => Optional<long>(),
            var t when t == typeof(double?) => Optional<double>(),
            _ => throw new NotSupportedException($"Column '{column.Name}': no Parquet type for {column.Type}."),
        };

        Task Values<T>() where T : struct =>
            group.WriteAsync<T>(field, column.Values.Select(v => (T)v!).ToArray(), cancellationToken: cancellationToken);

        Task Optional<T>() where T : struct =>
            group.WriteAsync<T>(field, column.Values.Select(v => (T?)v).ToArray(), cancellationToken: cancellationToken);
    }
}
