using System.Text.RegularExpressions;

namespace Stitching.Reliability.Tests;

/// <summary>Reads infra/*.bicep as text: keys off, TLS 1.2, nothing public, identities with data-plane roles only.</summary>
public sealed partial class BicepTests
{
    /// <summary>
    /// Built-in roles the templates may assign: data-plane access only (no Owner, Contributor or User Access
    /// Administrator). https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
    /// </summary>
    private static readonly Dictionary<string, string> AllowedRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"] = "Storage Blob Data Reader",
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Storage Table Data Contributor",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner (KEDA scaler, one queue)",
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "AcrPull",
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Monitoring Metrics Publisher",
    };

    private static readonly string[] ForbiddenRoles =
    [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
        "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
        "17d1049b-9a84-46fb-8f53-869881c3d3ab", // Storage Account Contributor
        "81a9662b-bebf-436f-a333-f67b29880f12", // Storage Account Key Operator Service Role
    ];

    private static string Infra(string relative) => File.ReadAllText(Path.Combine(Repo.Root, "infra", relative));
    private static IEnumerable<string> AllBicep() => Directory.GetFiles(Path.Combine(Repo.Root, "infra"), "*.bicep", SearchOption.AllDirectories);

    [Fact]
    public void Storage_refuses_shared_keys_old_tls_and_public_blobs()
    {
        var storage = Infra("modules/storage.bicep");
        Assert.Contains("allowSharedKeyAccess: false", storage);
        Assert.Contains("minimumTlsVersion: 'TLS1_2'", storage);
        Assert.Contains("allowBlobPublicAccess: false", storage);
        Assert.Contains("supportsHttpsTrafficOnly: true", storage);
        var containers = Regex.Matches(storage, @"publicAccess:\s*'(\w+)'");
        Assert.NotEmpty(containers);
        Assert.All(containers, m => Assert.Equal("None", m.Groups[1].Value));
    }

    [Fact]
    public void Service_bus_has_local_auth_off_and_the_registry_no_admin_user()
    {
        Assert.Contains("disableLocalAuth: true", Infra("modules/servicebus.bicep"));
        Assert.Contains("adminUserEnabled: false", Infra("modules/registry.bicep"));
        foreach (var file in AllBicep())
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("disableLocalAuth: false", text);
            Assert.DoesNotContain("adminUserEnabled: true", text);
            Assert.DoesNotContain("allowSharedKeyAccess: true", text);
            // No key is read out of a resource into settings or outputs. The one exception is the Log Analytics
            // workspace key that a Container Apps environment's log configuration requires (Azure offers no identity there).
            Assert.DoesNotContain("listKeys(", text.Replace("logAnalytics.listKeys()", ""));
            Assert.DoesNotContain("AccountKey=", text);
        }
    }

    [Fact]
    public void Workloads_run_as_user_assigned_identities_with_role_assignments()
    {
        foreach (var module in new[] { "modules/functionapp.bicep", "modules/runner-job.bicep" })
            Assert.Matches(@"identity:\s*\{\s*type:\s*'UserAssigned'", Infra(module));
        var main = Infra("main.bicep");
        foreach (var roles in new[] { "storage-roles.bicep", "servicebus-roles.bicep", "registry-roles.bicep" })
            Assert.Contains(roles, main);
        Assert.All(Directory.GetFiles(Path.Combine(Repo.Root, "infra", "modules", "roles"), "*.bicep"), f =>
            Assert.Contains("Microsoft.Authorization/roleAssignments", File.ReadAllText(f)));
    }

    [Fact]
    public void Every_role_definition_id_in_the_templates_is_an_allowed_data_plane_role()
    {
        var guids = AllBicep().SelectMany(f => Guid().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Id: m.Value))).ToList();
        Assert.NotEmpty(guids);
        Assert.All(guids, g => Assert.True(AllowedRoles.ContainsKey(g.Id), $"{g.File} uses role or id {g.Id}, which is not an allowed data-plane role"));
        Assert.All(guids, g => Assert.DoesNotContain(g.Id, ForbiddenRoles));
        foreach (var file in AllBicep())
            Assert.DoesNotMatch(@"roleDefinitions'\s*,\s*'(Owner|Contributor)'", File.ReadAllText(file));
    }

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();
}
