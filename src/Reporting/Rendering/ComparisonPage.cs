using System.Globalization;
using System.Net;
using System.Text;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// A <see cref="SweepComparison"/> as one HTML page: the B − A matrix (inline SVG data URI, as the sweep report draws
/// matrices, or a table alone when no picture is asked for), the rule that marks cells, the layers left out, the settings that differ,
/// and every cell's means and spreads. Every string from a user or from storage is HTML-encoded.
/// </summary>
public static class ComparisonPage
{
    public const string ColorBarLabel = "accuracy B − A";

    public static string Html(SweepComparison c, bool picture = true)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        static string P(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("0.0000", CultureInfo.InvariantCulture) : "&middot;";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>")
            .Append(E($"{c.SweepB} − {c.SweepA}")).Append("</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 6px;text-align:right}.out{font-weight:bold}</style></head><body>");
        html.Append("<h1>").Append(E(c.Variant)).Append(": B − A</h1><p>A = <code>").Append(E(c.SweepA)).Append("</code>, B = <code>").Append(E(c.SweepB))
            .Append("</code>; ").Append(E($"{c.SenderArch} -> {c.ReceiverArch} on {c.Dataset}")).Append(".</p><p>").Append(E(SweepComparison.Rule)).Append("</p>");
        if (picture)
            html.Append("<img alt=\"").Append(E(c.Difference.Title)).Append("\" src=\"data:image/svg+xml;base64,")
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(MatrixRenderer.RenderDifferenceSvg(c.Difference, ColorBarLabel)))).Append("\">");

        html.Append("<h2>Settings that differ</h2>");
        if (c.SettingDifferences.Count == 0) html.Append("<p>None.</p>");
        else
        {
            html.Append("<table><tr><th>setting</th><th>A</th><th>B</th></tr>");
            foreach (var d in c.SettingDifferences) html.Append("<tr><td>").Append(E(d.Setting)).Append("</td><td>").Append(E(d.A)).Append("</td><td>").Append(E(d.B)).Append("</td></tr>");
            html.Append("</table>");
        }
        if (c.Dropped.Count > 0)
        {
            html.Append("<h2>Layers left out</h2><ul>");
            foreach (var d in c.Dropped) html.Append("<li>").Append(E($"{d.Side} layer {d.Layer}: only in {d.OnlyIn}")).Append("</li>");
            html.Append("</ul>");
        }

        html.Append("<h2>Cells</h2><table><tr><th>sender</th><th>receiver</th><th>A mean</th><th>A spread</th><th>B mean</th><th>B spread</th><th>B − A</th><th>outside</th></tr>");
        foreach (var cell in c.Cells)
        {
            html.Append(cell.Outside ? "<tr class=\"out\">" : "<tr>").Append("<td>").Append(E(cell.SenderLayer)).Append("</td><td>").Append(E(cell.ReceiverLayer)).Append("</td>");
            foreach (var s in new[] { cell.A, cell.B })
                html.Append("<td>").Append(P(s?.Mean)).Append("</td><td>").Append(s is null ? "" : $"{P(s.Low)}..{P(s.High)} ({E(s.Kind)}, {s.Replicates})").Append("</td>");
            html.Append("<td>").Append(P(cell.Difference)).Append("</td><td>").Append(cell.Outside ? "*" : "").Append("</td></tr>");
        }
        return html.Append("</table></body></html>").ToString();
    }
}
