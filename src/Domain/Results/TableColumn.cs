namespace Stitching.Domain.Results;

/// <summary>
/// One column of a long table over rows of <typeparamref name="TRow"/>: its name, CLR type (string, int, long, double,
/// bool, or a nullable of them), its CSV text (invariant culture, as <see cref="ResultsCsv"/>) and its typed value. A
/// table's CSV and its typed form (what the reporting library writes as Parquet) come from one list of these, so the two
/// files cannot drift apart.
/// </summary>
internal abstract class TableColumn<TRow>(string name)
{
    public string Name => name;
    public abstract Type Type { get; }
    public abstract string Csv(TRow row);
    public abstract object? Value(TRow row);

    public static TableColumn<TRow> Text(string name, Func<TRow, string> value) => new TextColumn(name, value);
    public static TableColumn<TRow> Number<T>(string name, Func<TRow, T> value) where T : struct => new ValueColumn<T>(name, value);
    public static TableColumn<TRow> Optional<T>(string name, Func<TRow, T?> value) where T : struct => new OptionalColumn<T>(name, value);

    public static void WriteCsv(TextWriter writer, IReadOnlyList<TableColumn<TRow>> schema, IEnumerable<TRow> rows)
    {
        Results.Csv.WriteRow(writer, schema.Select(c => c.Name));
        foreach (var row in rows)
            Results.Csv.WriteRow(writer, schema.Select(c => c.Csv(row)));
    }

    public static IReadOnlyList<TypedColumn> Typed(IReadOnlyList<TableColumn<TRow>> schema, IEnumerable<TRow> rows)
    {
        var list = rows.ToList();
        return schema.Select(c => new TypedColumn(c.Name, c.Type, list.Select(c.Value).ToList())).ToList();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => Results.Csv.Format(d),
        int i => Results.Csv.Format(i),
        long l => Results.Csv.Format(l),
        bool b => Results.Csv.Format(b),
        _ => throw new NotSupportedException($"No CSV format for {value.GetType()}."),
    };

    private sealed class TextColumn(string name, Func<TRow, string> value) : TableColumn<TRow>(name)
    {
        public override Type Type => typeof(string);
        public override string Csv(TRow row) => value(row);
        public override object? Value(TRow row) => value(row);
    }

    private sealed class ValueColumn<T>(string name, Func<TRow, T> value) : TableColumn<TRow>(name) where T : struct
    {
        public override Type Type => typeof(T);
        public override string Csv(TRow row) => Format(value(row));
        public override object? Value(TRow row) => value(row);
    }

    private sealed class OptionalColumn<T>(string name, Func<TRow, T?> value) : TableColumn<TRow>(name) where T : struct
    {
        public override Type Type => typeof(T?);
        public override string Csv(TRow row) => Format(value(row));
        public override object? Value(TRow row) => value(row);
    }
}
