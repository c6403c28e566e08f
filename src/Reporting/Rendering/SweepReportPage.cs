using System.Globalization;
using System.Net;
using System.Text;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// The sweep report: progress, base-model accuracies, the matrices side by side, the analyses' summary when the sweep
/// asked for analyses (per variant, a table per metric of the cells' means), failures, a link to the CSV.
/// Every string that came from a user or from storage is HTML-encoded; images are inline SVG data URIs
/// (an SVG in an img element runs no script), or tables alone when pictures are not asked for.
/// No function key ever goes into the page: the CSV link is relative and keyless (a key in a link lands in the
/// browser's history, in logs and, through Referer, wherever the page links to), and the page sends no Referer,
/// since the address it was opened with may carry <c>?code=</c> itself.
/// </summary>
/// <remarks>
/// Live while the sweep runs: everything that changes is in one element, <c>#live</c>, which the endpoint also serves
/// alone (<see cref="Live"/>, <c>report?part=live</c>). A small script fetches it every <see cref="PollSeconds"/> and swaps
/// it in, until its <c>data-finished</c> says the sweep is finished; the server renders both, so there is one renderer
/// and one place that escapes. The script sends the key from the page's own address as the <c>x-functions-key</c>
/// header, so it never appears in a URL it requests. Matrix cells link to their result row
/// (<see cref="StitchResultPage"/>); the script opens it in <c>#cell</c> instead of navigating. Without script the
/// server-rendered page is complete, and reloads itself every <see cref="NoScriptRefreshSeconds"/> while the sweep runs.
/// </remarks>
public static class SweepReportPage
{
    public const int PollSeconds = 3;
    public const int NoScriptRefreshSeconds = 15;
    public const string LivePart = "live";
    /// <summary>The relative, keyless link to the analysis rows as CSV (analysis.csv's columns).</summary>
    public const string AnalysisCsvHref = "results?kind=analysis&format=csv";

    public static string Html(SweepRecord sweep, SweepStatus status, IReadOnlyList<SimilarityMatrix> matrices,
        IReadOnlyList<(string Key, ModelResult? Result)> models, bool pictures, string csvHref, IReadOnlyList<AnalysisResult>? analyses = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>Sweep ").Append(E(sweep.Name ?? sweep.Id)).Append("</title>");
        if (!status.Finished) html.Append(inv, $"<noscript><meta http-equiv=\"refresh\" content=\"{NoScriptRefreshSeconds}\"></noscript>");
        html.Append("<style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>").Append(E(sweep.Name ?? "Sweep")).Append("</h1><p>Sweep <code>").Append(E(sweep.Id)).Append("</code>, created ")
            .Append(E(sweep.CreatedAt.ToString("u", inv))).Append("</p>");
        html.Append("<p><a href=\"").Append(E(WithoutKey(csvHref))).Append("\">Results as CSV</a> (in Azure: with your function key, as the ")
            .Append("<code>x-functions-key</code> header or <code>&amp;code=</code>)");
        if (analyses is { Count: > 0 }) html.Append("; <a href=\"").Append(E(AnalysisCsvHref)).Append("\">analyses as CSV</a>");
        html.Append("</p>");
        AppendLive(html, status, matrices, models, pictures, analyses ?? []);
        html.Append("<section id=\"cell\"></section>");
        html.Append("<script>").Append(Script.Replace("{poll}", (PollSeconds * 1000).ToString(inv)).Replace("{part}", LivePart)).Append("</script>");
        return html.Append("</body></html>").ToString();
    }

    /// <summary>The part of the page that changes while the sweep runs: the <c>#live</c> element alone.</summary>
    public static string Live(SweepStatus status, IReadOnlyList<SimilarityMatrix> matrices,
        IReadOnlyList<(string Key, ModelResult? Result)> models, bool pictures, IReadOnlyList<AnalysisResult>? analyses = null)
    {
        var html = new StringBuilder();
        AppendLive(html, status, matrices, models, pictures, analyses ?? []);
        return html.ToString();
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

    /// <summary>The relative link from the report to one result row's page.</summary>
    public static string CellHref(string stitchId) => $"results/{Uri.EscapeDataString(stitchId)}?format=html";

    internal static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    internal const string Style =
        "body{font-family:sans-serif;margin:2em}.grid{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}td,th{padding:2px 6px;text-align:right}" +
        "td a{color:inherit}#cell td,#cell th{text-align:left}#cell:not(:empty){border-top:1px solid #ccc;margin-top:1em}pre{white-space:pre-wrap;max-width:60em}";

    private static void AppendLive(StringBuilder html, SweepStatus status, IReadOnlyList<SimilarityMatrix> matrices,
        IReadOnlyList<(string Key, ModelResult? Result)> models, bool pictures, IReadOnlyList<AnalysisResult> analyses)
    {
        var inv = CultureInfo.InvariantCulture;
        var cells = matrices.Sum(m => m.Values.Sum(r => r.Length));
        var filled = matrices.Sum(m => m.Values.Sum(r => r.Count(v => v is not null)));
        html.Append("<div id=\"live\" data-finished=\"").Append(status.Finished ? "true" : "false").Append("\">");
        html.Append("<p id=\"progress\">").Append(inv, $"State {E(status.State.ToString())}. Progress {status.Progress:P0}: {status.Done} done, {status.Running} running, ")
            .Append(inv, $"{status.Queued} queued, {status.Failed} failed, {status.Cancelled} cancelled of {status.Total} jobs; {filled} of {cells} matrix cells filled.</p>");

        html.Append("<h2>Base models</h2><table><tr><th>model</th><th>accuracy</th></tr>");
        foreach (var (key, result) in models)
            html.Append("<tr><td>").Append(E(key)).Append("</td><td>").Append(result is null ? "pending" : E(result.Accuracy.ToString("P2", inv))).Append("</td></tr>");
        html.Append("</table>");

        // Beside the matrices, not in a log: a matrix of a network that learned next to nothing measures nothing.
        if (status.Warnings.Count > 0)
        {
            html.Append("<ul id=\"warnings\">");
            foreach (var w in status.Warnings) html.Append("<li><strong>Warning:</strong> ").Append(E(w)).Append("</li>");
            html.Append("</ul>");
        }
        html.Append("<h2>Matrices</h2><div class=\"grid\">");
        foreach (var m in matrices)
        {
            html.Append("<figure><figcaption>").Append(E(m.Title)).Append("</figcaption>");
            if (pictures)
            {
                html.Append("<img alt=\"").Append(E(m.Title)).Append("\" src=\"data:image/svg+xml;base64,")
                    .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(MatrixRenderer.RenderSvg(m)))).Append("\">");
                // An image has no links: the numbers behind it, each opening its row, are one click away.
                html.Append("<details><summary>cells</summary>");
                AppendTable(html, m);
                html.Append("</details>");
            }
            else
                AppendTable(html, m);
            html.Append("</figure>");
        }
        html.Append("</div>");
        AppendAnalyses(html, analyses);
        if (status.Failures.Count > 0)
        {
            html.Append("<h2>Failures</h2><ul id=\"failures\">");
            foreach (var f in status.Failures)
            {
                // The last error is a whole exception text: its first line says what happened, the rest is there on request.
                var firstLine = f.Error.Split('\n', 2)[0].TrimEnd();
                html.Append("<li><code>").Append(E(f.JobId)).Append("</code> (").Append(E(f.Kind)).Append(inv, $", {f.Attempts} attempts): ")
                    .Append("<details><summary>").Append(E(firstLine)).Append("</summary><pre>").Append(E(f.Error)).Append("</pre></details></li>");
            }
            html.Append("</ul>");
        }
        html.Append("</div>");
    }

    /// <summary>Metrics of the analysis summary, as analysis.csv names them; one shown only when some row has it.</summary>
    public static IReadOnlyList<(string Column, string Title)> AnalysisMetrics { get; } =
    [
        ("task_accuracy", "task accuracy"), ("copy_accuracy", "copy accuracy"), ("ls_accuracy", "least-squares accuracy"), ("cka", "linear CKA"),
        ("cka_debiased", "debiased CKA"), ("probe_accuracy", "linear probe"), ("pixel_baseline_accuracy", "pixel baseline"), ("penalty", "penalty"),
    ];

    /// <summary>
    /// Per variant, a sender x receiver layer table per metric, each cell the mean over model-seed pairs and stitch seeds
    /// (rows come in plan order, so layers keep the plan's order).
    /// </summary>
    private static void AppendAnalyses(StringBuilder html, IReadOnlyList<AnalysisResult> analyses)
    {
        if (analyses.Count == 0) return;
        var inv = CultureInfo.InvariantCulture;
        html.Append("<h2>Analyses</h2><div id=\"analyses\" class=\"grid\">");
        foreach (var variant in analyses.GroupBy(a => a.Variant))
        {
            var senders = variant.Select(a => a.SenderLayer).Distinct().ToList();
            var receivers = variant.Select(a => a.ReceiverLayer).Distinct().ToList();
            foreach (var (column, title) in AnalysisMetrics.Where(m => variant.Any(a => !double.IsNaN(AnalysisCsv.Metric(a, m.Column)))))
            {
                html.Append("<figure><figcaption>").Append(E($"{variant.Key}: {title}")).Append("</figcaption><table><tr><th></th>");
                foreach (var r in receivers) html.Append("<th>").Append(E(r)).Append("</th>");
                html.Append("</tr>");
                foreach (var sender in senders)
                {
                    html.Append("<tr><th>").Append(E(sender)).Append("</th>");
                    foreach (var receiver in receivers)
                    {
                        var values = variant.Where(a => a.SenderLayer == sender && a.ReceiverLayer == receiver)
                            .Select(a => AnalysisCsv.Metric(a, column)).Where(v => !double.IsNaN(v)).ToList();
                        html.Append("<td>").Append(values.Count == 0 ? "&middot;" : values.Average().ToString("0.000", inv)).Append("</td>");
                    }
                    html.Append("</tr>");
                }
                html.Append("</table></figure>");
            }
        }
        html.Append("</div>");
    }

    private static void AppendTable(StringBuilder html, SimilarityMatrix m)
    {
        html.Append("<table><tr><th></th>");
        foreach (var r in m.ReceiverLayers) html.Append("<th>").Append(E(r)).Append("</th>");
        html.Append("</tr>");
        for (var i = 0; i < m.SenderLayers.Count; i++)
        {
            html.Append("<tr><th>").Append(E(m.SenderLayers[i])).Append("</th>");
            for (var j = 0; j < m.Values[i].Length; j++)
            {
                html.Append("<td>");
                if (m.Values[i][j] is not { } x) html.Append("&middot;");
                else if (m.StitchIds?[i][j] is { } id)
                    html.Append("<a data-cell href=\"").Append(E(CellHref(id))).Append("\">").Append(x.ToString("0.000", CultureInfo.InvariantCulture)).Append("</a>");
                else html.Append(x.ToString("0.000", CultureInfo.InvariantCulture));
                html.Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</table>");
    }

    // Fetches with the page's key as a header (never in a URL), parses the answer with DOMParser (its scripts never run;
    // the server escaped it anyway) and swaps the element in. A failed poll is retried at the next tick; a failed cell
    // fetch falls back to following the link.
    private const string Script = """
        (() => {
          const key = new URLSearchParams(location.search).get('code');
          const get = async (href, id) => {
            const r = await fetch(href, { headers: key ? { 'x-functions-key': key } : {}, cache: 'no-store' });
            if (!r.ok) throw new Error(r.status);
            return new DOMParser().parseFromString(await r.text(), 'text/html').getElementById(id);
          };
          const poll = async () => {
            if (document.getElementById('live').dataset.finished === 'true') return;
            try {
              const next = await get('report?part={part}', 'live');
              if (next) {
                // Keep a cell table the reader opened open across the swap.
                const open = [...document.querySelectorAll('#live details')].map(d => d.open);
                next.querySelectorAll('details').forEach((d, i) => { if (open[i]) d.open = true; });
                document.getElementById('live').replaceWith(document.adoptNode(next));
              }
            } catch { }
            setTimeout(poll, {poll});
          };
          setTimeout(poll, {poll});
          document.addEventListener('click', async e => {
            const a = e.target.closest && e.target.closest('a[data-cell]');
            if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
            e.preventDefault();
            try {
              const cell = await get(a.getAttribute('href'), 'cell');
              if (cell) { document.getElementById('cell').replaceWith(document.adoptNode(cell)); document.getElementById('cell').scrollIntoView(); }
            } catch { location.href = a.href; }
          });
        })();
        """;
}
