using System.Globalization;
using System.Text;

namespace Stitching.Domain.Results;

/// <summary>
/// RFC 4180 CSV, just enough for our result tables: fields holding a comma, quote or line break are quoted
/// (architecture names like resnet(1,2,1,2) contain commas), quotes are doubled.
/// </summary>
public static class Csv
{
    public static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;

    public static void WriteRow(TextWriter writer, IEnumerable<string> fields)
    {
        writer.Write(string.Join(',', fields.Select(Escape)));
        // Always \n, not Environment.NewLine, so files written anywhere compare byte for byte.
        writer.Write('\n');
    }

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
    public static string Format(bool value) => value ? "true" : "false";

    /// <summary>
    /// Splits the text into records. <c>Line</c> is the 1-based line on which the record starts, so errors can
    /// point at it even when a quoted field spans lines. Blank lines are skipped.
    /// </summary>
    public static IEnumerable<(int Line, string[] Fields)> ReadRecords(TextReader reader, string source)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool inQuotes = false, fieldWasQuoted = false, recordHasContent = false;

        while (true)
        {
            var c = reader.Read();
            if (c == -1)
            {
                if (inQuotes) throw new InvalidDataException($"{source} line {recordLine}: a quoted field is not closed before the end of the file.");
                if (recordHasContent || field.Length > 0 || fields.Count > 0)
                {
                    fields.Add(field.ToString());
                    yield return (recordLine, fields.ToArray());
                }
                yield break;
            }
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !fieldWasQuoted:
                    inQuotes = fieldWasQuoted = recordHasContent = true;
                    break;
                case '"':
                    throw new InvalidDataException($"{source} line {line}: unexpected quote inside field '{field}'; quote the whole field and double inner quotes.");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    recordHasContent = true;
                    break;
                case '\r':
                    break; // accept CRLF files
                case '\n':
                    if (recordHasContent || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return (recordLine, fields.ToArray());
                    }
                    fields.Clear();
                    field.Clear();
                    fieldWasQuoted = recordHasContent = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    if (fieldWasQuoted)
                        throw new InvalidDataException($"{source} line {line}: text after the closing quote of a field.");
                    field.Append(ch);
                    recordHasContent = true;
                    break;
            }
        }
    }
}
