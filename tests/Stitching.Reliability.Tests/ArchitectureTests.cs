using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Stitching.Reliability.Tests;

/// <summary>
/// The house as docs/architecture.md draws it: which project may point at which, which packages each may use, and that
/// every file lives in its project's namespace. A new arrow or package fails here before it spreads.
/// </summary>
public sealed partial class ArchitectureTests
{
    // Project -> the projects it may reference, and the packages it may use beyond Microsoft.Extensions.* and the SDK's.
    private static readonly Dictionary<string, (string[] Projects, string[] Packages)> Allowed = new()
    {
        ["Domain"] = ([], []),
        ["Execution"] = (["Domain"], []),
        ["Reporting"] = (["Domain"], ["ScottPlot", "Parquet.Net"]),
        ["Platform"] = (["Domain", "Execution"], ["Azure.Storage.Blobs", "Azure.Data.Tables", "Azure.Storage.Queues", "Azure.Messaging.ServiceBus", "Azure.Identity"]),
        ["Engine"] = (["Domain", "Execution", "Reporting"], ["TorchSharp", "SkiaSharp"]),
        ["DevTools"] = (["Platform", "Reporting"], []),
        ["Functions"] = (["Platform", "Reporting"], ["Microsoft.Azure.Functions.Worker", "Microsoft.Azure.Functions.Worker.Sdk",
            "Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore", "Microsoft.Azure.Functions.Worker.Extensions.Timer",
            "Microsoft.Azure.Functions.Worker.OpenTelemetry", "OpenTelemetry.Extensions.Hosting", "Azure.Monitor.OpenTelemetry.Exporter"]),
        ["GpuRunner"] = (["Engine", "Platform", "DevTools"], ["Spectre.Console", "Spectre.Console.Cli", "Azure.Monitor.OpenTelemetry.Exporter"]),
    };

    public static TheoryData<string> Projects => [.. Allowed.Keys];

    [Fact]
    public void Every_project_under_src_is_in_the_drawing()
    {
        var found = Directory.GetDirectories(Path.Combine(Repo.Root, "src")).Select(Path.GetFileName).Order();
        Assert.Equal(Allowed.Keys.Order(), found);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_project_references_only_the_projects_and_packages_its_layer_allows(string project)
    {
        var csproj = XDocument.Load(Path.Combine(Repo.Root, "src", project, Path.GetFileName(ProjectFile(project))));
        var references = csproj.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value).Replace("Stitching.", "", StringComparison.Ordinal));
        var packages = csproj.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value)
            .Where(p => !p.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || project == "Domain");

        Assert.Equal(Allowed[project].Projects.Order(), references.Order());
        Assert.Empty(packages.Except(Allowed[project].Packages));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_file_declares_its_projects_namespace_and_its_folders(string project)
    {
        var root = Path.Combine(Repo.Root, "src", project);
        var rootNamespace = XDocument.Load(ProjectFile(project)).Descendants("RootNamespace").Single().Value;
        var wrong = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(root, f), Namespace: NamespaceOf().Match(File.ReadAllText(f)).Groups[1].Value))
            // Program.cs holds a host's top-level statements, which have no namespace.
            .Where(f => f.File != "Program.cs" && f.Namespace != Expected(rootNamespace, f.File))
            .Select(f => $"{f.File}: {f.Namespace}, expected {Expected(rootNamespace, f.File)}");

        Assert.Empty(wrong);
    }

    [Fact]
    public void A_folder_name_repeats_across_libraries_only_for_the_same_subject_at_another_layer()
    {
        // Sweeps: the plan and its rules (Domain), running one with TorchSharp (Engine), its HTTP functions (Functions).
        // Stitches: a stitch's shape (Domain), its TorchSharp module and trainer (Engine).
        string[] sameSubject = ["Sweeps", "Stitches"];
        var repeated = Allowed.Keys
            .SelectMany(p => Directory.GetDirectories(Path.Combine(Repo.Root, "src", p)).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Select(d => (Project: p, Folder: d!)))
            .GroupBy(x => x.Folder).Where(g => g.Count() > 1 && !sameSubject.Contains(g.Key))
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Project))}");

        Assert.Empty(repeated);
    }

    private static string ProjectFile(string project) => Directory.GetFiles(Path.Combine(Repo.Root, "src", project), "*.csproj").Single();

    private static string Expected(string rootNamespace, string relativeFile) =>
        string.Join('.', new[] { rootNamespace }.Concat(Path.GetDirectoryName(relativeFile)!.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)));

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceOf();
}
