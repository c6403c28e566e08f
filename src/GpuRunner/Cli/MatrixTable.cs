using Spectre.Console;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>A similarity matrix as a console table: rows = sender layers, columns = receiver layers, cells shaded by accuracy (or signed, for differences).</summary>
public static class MatrixTable
{
    /// <param name="differences">Values are differences (e.g. one sweep minus another): signed, green above 0 and red below, marked cells bold with an asterisk.</param>
    public static Table Render(SimilarityMatrix m, bool differences = false)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{Markup.Escape(m.Title)}: {Markup.Escape(m.SenderArch)} (rows) -> {Markup.Escape(m.ReceiverArch)} (columns)");
        table.AddColumn("sender \\ receiver");
        foreach (var r in m.ReceiverLayers) table.AddColumn(new TableColumn(Markup.Escape(r)).RightAligned());
        for (var i = 0; i < m.SenderLayers.Count; i++)
        {
            var cells = new List<string> { Markup.Escape(m.SenderLayers[i]) };
            cells.AddRange(m.Values[i].Select((v, j) => v is not { } a ? "[grey]-[/]"
                : !differences ? $"[{Colour(a)}]{a:0.00}[/]"
                : m.Marks?[i][j] == true ? $"[bold {(a > 0 ? "green" : "red")}]{a:+0.00;-0.00;0.00}*[/]"
                : $"{a:+0.00;-0.00;0.00}"));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    private static string Colour(double accuracy) => accuracy switch
    {
        >= 0.8 => "green",
        >= 0.5 => "yellow",
        >= 0.2 => "orange1",
        _ => "red",
    };
}
