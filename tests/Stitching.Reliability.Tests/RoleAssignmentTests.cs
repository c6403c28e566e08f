using System.Text.RegularExpressions;
using Stitching.DevTools;
using Stitching.Platform.Security;

namespace Stitching.Reliability.Tests;

/// <summary>
/// infra/main.bicep's role assignments, read from the template, against the role table in
/// <see cref="PlatformRoles"/>: every identity holds exactly the roles its components' code needs, each on the scope the
/// table says (the account, one container, the queue), for both queue backends, with the template's defaults
/// (deployer debugging access off).
/// </summary>
public sealed partial class RoleAssignmentTests
{
    public static TheoryData<QueueBackend> Backends => [QueueBackend.ServiceBus, QueueBackend.Storage];

    private static readonly string Main = File.ReadAllText(Path.Combine(Repo.Root, "infra", "main.bicep"));

    [Theory]
    [MemberData(nameof(Backends))]
    public void Every_identity_holds_exactly_the_roles_of_the_role_table_on_its_scopes(QueueBackend backend)
    {
        // Given the template with its defaults and a deployer principal (azd always passes one)
        var assigned = Assignments(backend);

        // Then each identity's roles and their scopes are the table's, no more and no fewer
        foreach (var identity in Enum.GetValues<AzureIdentity>())
        {
            var expected = PlatformRoles.AssignmentsOf(identity, backend).Select(r => $"{r.Role.Name} @ {r.Scope}").Order().ToList();
            var actual = assigned.Where(a => a.Identity == identity).Select(a => $"{a.Role.Name} @ {a.Scope}").Order().ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"{identity} ({backend}): the table needs [{string.Join(", ", expected)}], main.bicep assigns [{string.Join(", ", actual)}]");
        }
    }

    [Fact]
    public void The_deployer_may_only_write_the_datasets_container_unless_debugging_access_is_asked_for()
    {
        Assert.Matches(@"param grantDeployerDataAccess bool = false\b", Main);
        var deployer = Assignments(QueueBackend.ServiceBus).Where(a => a.Identity == AzureIdentity.Deployer).ToList();
        var upload = Assert.Single(deployer);
        Assert.Equal("blob-container-roles", upload.Module);
        Assert.Contains("containerName: datasetsContainerName", upload.Body);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void The_runner_writes_only_checkpoints_reads_only_datasets_and_has_no_blob_role_on_the_account(QueueBackend backend)
    {
        var blob = Assignments(backend).Where(a => a.Identity == AzureIdentity.Runner && a.Role.Service == PlatformService.Blob)
            .Select(a => $"{a.Role.Name} @ {a.Scope}").Order();
        Assert.Equal(["Storage Blob Data Contributor @ container checkpoints", "Storage Blob Data Reader @ container datasets"], blob);
    }

    [Fact]
    public void The_role_reader_sees_every_role_module_in_the_template()
    {
        // A module written in a shape this reader does not understand must not slip past the comparison.
        var modules = Regex.Count(Main, @"^module \w+ 'modules/roles/", RegexOptions.Multiline);
        Assert.Equal(modules, RoleModules().Count());
        Assert.True(modules >= 10);
    }

    private sealed record Assignment(AzureIdentity Identity, BuiltInRole Role, string Scope, string Module, string Body);

    /// <summary>The role assignments main.bicep makes for one backend, with its parameter defaults.</summary>
    private static List<Assignment> Assignments(QueueBackend backend)
    {
        var roleIds = RolesVariable();
        var containers = Regex.Matches(Main, @"^var (\w+ContainerName) = '([\w-]+)'", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var list = new List<Assignment>();
        foreach (var (name, file, condition, body) in RoleModules())
        {
            if (!Applies(condition, backend)) continue;
            var identity = Principal().Match(body) is { Success: true } m ? IdentityNamed(m.Groups[1].Value, name) : throw new InvalidOperationException($"Module {name}: no principalId.");
            var scope = Scope(name, file, body, containers);
            var ids = Regex.Match(body, @"roleDefinitionIds:\s*\[(.*?)\]", RegexOptions.Singleline);
            Assert.True(ids.Success, $"Module {name}: roleDefinitionIds must be a plain list of roles.<name>.");
            foreach (Match role in Regex.Matches(ids.Groups[1].Value, @"roles\.(\w+)"))
            {
                Assert.True(roleIds.TryGetValue(role.Groups[1].Value, out var id), $"Module {name}: roles.{role.Groups[1].Value} is not in the roles variable.");
                var builtIn = BuiltInRole.All.SingleOrDefault(r => r.Id == id) ?? throw new InvalidOperationException($"Module {name}: role {id} is not a known built-in role.");
                list.Add(new Assignment(identity, builtIn, scope, file, body));
            }
        }
        return list;
    }

    /// <summary>Where a role module assigns, in the role table's words (<see cref="PlatformRoles.ScopeOf"/>).</summary>
    private static string Scope(string module, string file, string body, Dictionary<string, string> containers) => file switch
    {
        "storage-roles" => PlatformRoles.StorageAccountScope,
        "blob-container-roles" => Regex.Match(body, @"containerName:\s*(\w+)") is { Success: true } c && containers.TryGetValue(c.Groups[1].Value, out var name)
            ? PlatformRoles.ContainerScope(name) : throw new InvalidOperationException($"Module {module}: containerName must be one of the template's *ContainerName variables."),
        "servicebus-roles" => body.Contains("queueName: serviceBus.outputs.queueName", StringComparison.Ordinal)
            ? $"queue {PlatformRoles.JobQueue}" : throw new InvalidOperationException($"Module {module}: not on the job queue."),
        "registry-roles" => "registry",
        "monitoring-roles" => "application insights",
        _ => throw new InvalidOperationException($"Module {module}: unknown role module {file}: teach RoleAssignmentTests its scope."),
    };

    private static IEnumerable<(string Name, string File, string? Condition, string Body)> RoleModules() =>
        RoleModule().Matches(Main).Select(m => (m.Groups["name"].Value, m.Groups["file"].Value,
            m.Groups["cond"].Success ? m.Groups["cond"].Value : null, m.Groups["body"].Value));

    private static Dictionary<string, Guid> RolesVariable()
    {
        var block = Regex.Match(Main, @"^var roles = \{(.*?)^\}", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(block.Success, "main.bicep has no `var roles = { ... }` block.");
        return Regex.Matches(block.Groups[1].Value, @"(\w+):\s*'([0-9a-fA-F-]{36})'").ToDictionary(m => m.Groups[1].Value, m => Guid.Parse(m.Groups[2].Value));
    }

    /// <summary>The module conditions the template uses, evaluated with its defaults and a deployer principal.</summary>
    private static bool Applies(string? condition, QueueBackend backend) => condition switch
    {
        null => true,
        "enableStorageQueueBackend" => backend == QueueBackend.Storage,
        "!enableStorageQueueBackend" => backend == QueueBackend.ServiceBus,
        "!empty(principalId)" => true,
        "grantDeployer" => false, // grantDeployerDataAccess defaults to false (checked above)
        _ => throw new InvalidOperationException($"Unknown role module condition '{condition}': teach RoleAssignmentTests how to evaluate it."),
    };

    private static AzureIdentity IdentityNamed(string principal, string module) => principal switch
    {
        "apiIdentity.outputs.principalId" => AzureIdentity.Api,
        "runnerIdentity.outputs.principalId" => AzureIdentity.Runner,
        "scalerIdentity.outputs.principalId" => AzureIdentity.Scaler,
        "principalId" => AzureIdentity.Deployer,
        _ => throw new InvalidOperationException($"Module {module}: unknown principal {principal}."),
    };

    [GeneratedRegex(@"^module (?<name>\w+) 'modules/roles/(?<file>[\w-]+)\.bicep' = (?:if \((?<cond>[^\n]+?)\) )?\{\n(?<body>.*?)^\}", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex RoleModule();

    [GeneratedRegex(@"^\s*principalId:\s*([\w.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Principal();
}
