using System.Globalization;
using System.Text;
using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// One result row behind a matrix cell, as the report opens it: what was trained, how it ended, where and on what it
/// ran, the sweep's settings, and the held-out curve drawn as inline SVG polylines. Everything is in <c>#cell</c>, which
/// the report's script lifts into its own page; the rest is a standalone page for a reader without script, whose
/// <c>base</c> is the report's address, so the section's relative links mean the same in both.
/// The SVG holds only numbers this code formats, never a string from storage.
/// </summary>
public static class StitchResultPage
{
    private const int Width = 320, Height = 120, Pad = 4;

    /// <param name="cell">Every row of the row's matrix cell (one per stitch seed; the cell shows their mean), the row included.</param>
    public static string Html(SweepRecord sweep, StoredResult row, IReadOnlyList<StoredResult> cell)
    {
        var r = row.Result;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>")
            .Append(E(Title(r))).Append("</title><base href=\"../report\"><style>").Append(SweepReportPage.Style).Append("</style></head><body>");
        html.Append("<p><a href=\"report\">Report of sweep ").Append(E(sweep.Name ?? sweep.Id)).Append("</a></p>");
        html.Append("<section id=\"cell\"><h2>").Append(E(Title(r))).Append("</h2>");
        var inv = CultureInfo.InvariantCulture;
        if (cell.Count > 1)
        {
            html.Append(inv, $"<p>The matrix cell is the mean of {cell.Count} rows (model-seed pairs x stitch seeds), {cell.Average(c => c.Result.Accuracy).ToString("P2", inv)}; this row is one of them:");
            foreach (var c in cell)
            {
                var seed = string.Create(inv, $" sender {c.Result.SenderSeed}, receiver {c.Result.ReceiverSeed}, stitch {c.Result.StitchSeed};");
                if (c.StitchId == row.StitchId) html.Append(" <b>").Append(seed).Append("</b>");
                else html.Append(" <a data-cell href=\"").Append(E(SweepReportPage.CellHref(c.StitchId))).Append("\">").Append(seed).Append("</a>");
            }
            html.Append("</p>");
        }
        html.Append("<table>");
        Row(html, "stitch id", row.StitchId);
        Row(html, "stitch", $"{r.StitchKind}, {r.StitchParams.ToString("N0", inv)} parameters");
        Row(html, "test accuracy", double.IsNaN(r.AccuracyLow)
            ? r.Accuracy.ToString("P2", inv)
            : $"{r.Accuracy.ToString("P2", inv)} (95% interval {r.AccuracyLow.ToString("P2", inv)} to {r.AccuracyHigh.ToString("P2", inv)}, {r.TestImages} images)");
        Row(html, "test loss", r.Loss.ToString("0.0000", inv));
        Row(html, "epochs", r.Epochs.ToString("0.###", inv));
        Row(html, "converged", r.Converged ? "yes: the held-out stopping rule ended training" : "no: it ran to the epoch cap, or nothing was held out");
        if (r.HeadOnly) Row(html, "head only", "yes: the receiver layer is the last, so this is a linear readout of the sender's features");
        Row(html, "train images", r.TrainImages.ToString(inv));
        Row(html, "seconds", r.Seconds.ToString("0.00", inv));
        Row(html, "seeds", string.Create(inv, $"sender {r.SenderSeed}, receiver {r.ReceiverSeed}, stitch {r.StitchSeed}"));
        Row(html, "device", r.Device);
        Row(html, "hardware", r.Hardware);
        Row(html, "precision", r.Precision);
        Row(html, "layout", r.Layout);
        Row(html, "runner", row.Runner);
        Row(html, "checkpoint", row.Checkpoint is { } blob ? $"blob {blob}" : "not stored");
        if (row.Provenance is { } p)
        {
            Row(html, "provenance", p.Id);
            Row(html, "commit", p.Dirty ? p.Commit + " (uncommitted changes)" : p.Commit);
            Row(html, "TorchSharp / libtorch", $"{p.TorchSharp} / {p.LibTorch}");
            Row(html, "runtime", p.Runtime);
        }
        else if (r.ProvenanceId.Length > 0) Row(html, "provenance", r.ProvenanceId + " (record not found)");
        html.Append("</table>");

        if (r.Curve is { Count: > 0 } curve)
        {
            html.Append("<h3>Held-out curve</h3><div class=\"grid\">");
            AppendCurve(html, "held-out accuracy", curve, p => p.Accuracy, "P1");
            AppendCurve(html, "held-out loss", curve, p => p.Loss, "0.000");
            html.Append("</div>");
        }
        else
            html.Append("<p>No held-out curve: nothing was held out, or the row was stored before curves were recorded.</p>");

        html.Append("<details><summary>sweep settings</summary><pre>")
            .Append(E(JsonSerializer.Serialize(sweep.Spec, PlatformJsonContext.Default.SweepSpec))).Append("</pre></details>");
        return html.Append("</section></body></html>").ToString();
    }

    /// <summary>The curve's points in SVG user units, x by epoch, y by value (the top is the highest), as "x,y x,y".</summary>
    public static string Points(IReadOnlyList<CurvePoint> curve, Func<CurvePoint, double> value)
    {
        var inv = CultureInfo.InvariantCulture;
        double xMax = Math.Max(curve.Max(p => p.Epoch), 1e-9), yMin = curve.Min(value), yMax = curve.Max(value);
        var ySpan = yMax - yMin > 1e-12 ? yMax - yMin : 1;
        return string.Join(' ', curve.Select(p =>
            $"{(Pad + p.Epoch / xMax * (Width - 2 * Pad)).ToString("0.#", inv)},{(Height - Pad - (value(p) - yMin) / ySpan * (Height - 2 * Pad)).ToString("0.#", inv)}"));
    }

    private static void AppendCurve(StringBuilder html, string title, IReadOnlyList<CurvePoint> curve, Func<CurvePoint, double> value, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var last = curve[^1];
        html.Append("<figure><figcaption>").Append(title).Append(inv, $": {curve.Min(value).ToString(format, inv)} to {curve.Max(value).ToString(format, inv)} ")
            .Append(inv, $"over {last.Epoch:0.##} epochs, {curve.Count} checks</figcaption>")
            .Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">")
            .Append(inv, $"<rect x=\"0.5\" y=\"0.5\" width=\"{Width - 1}\" height=\"{Height - 1}\" fill=\"none\" stroke=\"#ccc\"/>")
            .Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"").Append(Points(curve, value)).Append("\"/></svg></figure>");
    }

    private static string Title(StitchResult r) => $"{r.Variant}: {r.SenderArch} {r.SenderLayer} -> {r.ReceiverArch} {r.ReceiverLayer}";

    // Rows stored before a field was recorded (and fakes) leave it empty.
    private static void Row(StringBuilder html, string name, string? value) =>
        html.Append("<tr><th>").Append(name).Append("</th><td>").Append(value is { Length: > 0 } ? E(value) : "not recorded").Append("</td></tr>");

    private static string E(string? s) => SweepReportPage.E(s);
}
