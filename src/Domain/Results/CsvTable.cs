using System.Globalization;

namespace Stitching.Domain.Results;

/// <summary>
/// Reads a CSV table by column name. Columns are looked up by header name rather than position so that files
/// written before optional columns existed, or with extra columns added later, still read.
/// </summary>
internal sealed class CsvTable
{
    private readonly string _source;
    private readonly Dictionary<string, int> _columns;
    private readonly IEnumerator<(int Line, string[] Fields)> _records;

    private CsvTable(string source, Dictionary<string, int> columns, IEnumerator<(int, string[])> records)
    {
        _source = source;
        _columns = columns;
        _records = records;
    }

    public static CsvTable Open(TextReader reader, string source, IReadOnlyList<string> requiredColumns)
    {
        var records = Csv.ReadRecords(reader, source).GetEnumerator();
        if (!records.MoveNext())
            throw new InvalidDataException($"{source} line 1: the file is empty; expected a header starting with {string.Join(',', requiredColumns)}.");
        var (line, header) = records.Current;
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
            if (!columns.TryAdd(header[i].Trim(), i))
                throw new InvalidDataException($"{source} line {line}: column '{header[i]}' appears twice in the header.");
        var missing = requiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{source} line {line}: header lacks column(s) {string.Join(", ", missing)}; expected a header starting with {string.Join(',', requiredColumns)}.");
        return new CsvTable(source, columns, records);
    }

    public IEnumerable<Row> Rows()
    {
        while (_records.MoveNext())
        {
            var (line, fields) = _records.Current;
            if (fields.Length != _columns.Count)
                throw new InvalidDataException($"{_source} line {line}: expected {_columns.Count} fields as in the header, found {fields.Length}.");
            yield return new Row(this, line, fields);
        }
    }

    public readonly struct Row(CsvTable table, int line, string[] fields)
    {
        public int Line => line;

        public string String(string column) => fields[table._columns[column]];

        public string String(string column, string fallback) =>
            table._columns.TryGetValue(column, out var i) ? fields[i] : fallback;

        public int Int(string column) => Parse(column, s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null, "an integer");

        public int Int(string column, int fallback) => table._columns.ContainsKey(column) ? Int(column) : fallback;

        public long Long(string column) => Parse(column, s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (long?)null, "an integer");

        public double Double(string column) => Parse(column, s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null, "a number");

        public double Double(string column, double fallback) => table._columns.ContainsKey(column) ? Double(column) : fallback;

        public bool Bool(string column) => Parse(column, s => bool.TryParse(s, out var v) ? v : (bool?)null, "true or false");

        public bool Bool(string column, bool fallback) => table._columns.ContainsKey(column) ? Bool(column) : fallback;

        private T Parse<T>(string column, Func<string, T?> parse, string expected) where T : struct
        {
            var text = String(column);
            return parse(text.Trim())
                ?? throw new InvalidDataException($"{table._source} line {line}: column '{column}' is '{text}', expected {expected}.");
        }
    }
}
