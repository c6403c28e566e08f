using System.Globalization;
using System.Net;
using System.Text;
using Stitching.Core.Contracts;
using Stitching.Core.Results;

namespace Stitching.Core.Rendering;

/// <summary>
/// The sweep report: progress, base-model accuracies, the matrices side by side, a link to the CSV.
/// Every string that came from a user or from storage is HTML-encoded; images are inline SVG data URIs
/// (an SVG in an img element runs no script), or tables when no renderer is registered.
/// No function key ever goes into the page: the CSV link is relative and keyless (a key in a link lands in the
/// browser's history, in logs and, through Referer, wherever the page links to), and the page sends no Referer,
/// since the address it was opened with may carry <c>?code=</c> itself.
/// </summary>
public static class SweepReportPage
{
    public static string Html(SweepRecord sweep, SweepStatus status, IReadOnlyList<SimilarityMatrix> matrices,
        IReadOnlyList<(string Key, ModelResult? Result)> models, IMatrixRenderer? renderer, string csvHref)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>Sweep ").Append(E(sweep.Name ?? sweep.Id)).Append("</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}.grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}td,th{padding:2px 6px;text-align:right}</style></head><body>");
        html.Append("<h1>").Append(E(sweep.Name ?? "Sweep")).Append("</h1><p>Sweep <code>").Append(E(sweep.Id)).Append("</code>, created ")
            .Append(E(sweep.CreatedAt.ToString("u", inv))).Append(", state ").Append(E(status.State.ToString())).Append("</p>");
        html.Append(inv, $"<p>Progress {status.Progress:P0}: {status.Done} done, {status.Running} running, {status.Queued} queued, {status.Failed} failed, {status.Cancelled} cancelled of {status.Total}.</p>");
        html.Append("<p><a href=\"").Append(E(WithoutKey(csvHref))).Append("\">Results as CSV</a> (in Azure: with your function key, as the ")
            .Append("<code>x-functions-key</code> header or <code>&amp;code=</code>)</p>");

        html.Append("<h2>Base models</h2><table><tr><th>model</th><th>accuracy</th></tr>");
        foreach (var (key, result) in models)
            html.Append("<tr><td>").Append(E(key)).Append("</td><td>").Append(result is null ? "pending" : E(result.Accuracy.ToString("P2", inv))).Append("</td></tr>");
        html.Append("</table>");

        html.Append("<h2>Matrices</h2><div class=\"grid\">");
        foreach (var m in matrices)
        {
            html.Append("<figure><figcaption>").Append(E(m.Title)).Append("</figcaption>");
            if (renderer is not null)
                html.Append("<img alt=\"").Append(E(m.Title)).Append("\" src=\"data:image/svg+xml;base64,")
                    .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(renderer.RenderSvg(m)))).Append("\">");
            else
                AppendTable(html, m, E);
            html.Append("</figure>");
        }
        html.Append("</div>");
        if (status.Failures.Count > 0)
        {
            html.Append("<h2>Failures</h2><ul>");
            foreach (var f in status.Failures) html.Append("<li><code>").Append(E(f.JobId)).Append("</code>: ").Append(E(f.Error)).Append("</li>");
            html.Append("</ul>");
        }
        return html.Append("</body></html>").ToString();
    }

    /// <summary><paramref name="href"/> without any <c>code</c> query parameter (a function key).</summary>
    public static string WithoutKey(string href)
    {
        var q = href.IndexOf('?');
        if (q < 0) return href;
        var kept = href[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.Split('=')[0].Equals("code", StringComparison.OrdinalIgnoreCase));
        var query = string.Join('&', kept);
        return query.Length == 0 ? href[..q] : $"{href[..q]}?{query}";
    }

    private static void AppendTable(StringBuilder html, SimilarityMatrix m, Func<string?, string> e)
    {
        html.Append("<table><tr><th></th>");
        foreach (var r in m.ReceiverLayers) html.Append("<th>").Append(e(r)).Append("</th>");
        html.Append("</tr>");
        for (var i = 0; i < m.SenderLayers.Count; i++)
        {
            html.Append("<tr><th>").Append(e(m.SenderLayers[i])).Append("</th>");
            foreach (var v in m.Values[i]) html.Append("<td>").Append(v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "&middot;").Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");
    }
}
