using System.Text.RegularExpressions;
using Stitching.DevTools;
using Stitching.Platform.Security;

namespace Stitching.Reliability.Tests;

/// <summary>Reads infra/*.bicep as text: keys off, TLS 1.2, nothing public, identities with data-plane roles only.</summary>
public sealed partial class BicepTests
{
    /// <summary>
    /// Built-in roles the templates may assign: the data-plane roles of the role table's catalogue
    /// (<see cref="BuiltInRole.All"/>), no Owner, Contributor or User Access Administrator.
    /// </summary>
    private static readonly Dictionary<string, string> AllowedRoles =
        BuiltInRole.All.ToDictionary(r => r.Id.ToString(), r => r.Name, StringComparer.OrdinalIgnoreCase);

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

    [Fact]
    public void The_scaler_identity_is_kept_out_of_the_job_container()
    {
        // The scaler holds Service Bus Data Owner for KEDA; the runner's code must not be able to get its token.
        var job = Infra("modules/runner-job.bicep");
        Assert.Matches(@"identitySettings:\s*\[\s*\{\s*identity:\s*scalerIdentityId\s*lifecycle:\s*'None'", job);
    }

    [Fact]
    public void The_function_app_refuses_basic_publishing_credentials()
    {
        var app = Infra("modules/functionapp.bicep");
        foreach (var name in new[] { "ftp", "scm" })
            Assert.Matches($@"basicPublishingCredentialsPolicies@[\w-]+' = \{{\s*parent: functionApp\s*name: '{name}'\s*properties: \{{\s*allow: false", app);
    }

    [Fact]
    public void Queue_lock_and_max_deliveries_reach_the_queue_and_the_apps_from_the_same_parameters()
    {
        var main = Infra("main.bicep");
        // The queue
        Assert.Contains("maxDeliveryCount: maxDeliveryCount", main);
        Assert.Contains("lockDuration: 'PT${queueLockSeconds}S'", main);
        Assert.Contains("lockDuration: lockDuration", Infra("modules/servicebus.bicep"));
        Assert.DoesNotMatch(@"lockDuration:\s*'PT", Infra("modules/servicebus.bicep"));
        // The apps (both get stitchingSettings), in a form .NET configuration binds to TimeSpan and int
        Assert.Contains("Stitching__Queue__MaxDeliveries: string(maxDeliveryCount)", main);
        Assert.Matches(@"Stitching__Queue__LockDuration: '00:\$\{padLeft\(string\(queueLockSeconds / 60\), 2, '0'\)\}:\$\{padLeft\(string\(queueLockSeconds % 60\), 2, '0'\)\}'", main);
        Assert.Matches(@"@maxValue\(300\)\s*param queueLockSeconds int", main); // so the minutes never pass 59
        Assert.Matches(@"appSettings: (stitchingSettings\b|union\(stitchingSettings,)", main);
        Assert.Contains("map(items(stitchingSettings)", main);
    }

    [Fact]
    public void Failed_runner_executions_raise_an_alert_whose_description_names_the_cannot_start_exit_code()
    {
        var alert = Infra("modules/runner-alert.bicep");
        var main = Infra("main.bicep");
        // On the runner job's failed executions, wired to the job, with the email optional
        Assert.Contains("metricName: 'Executions'", alert);
        Assert.Matches(@"name: 'state'\s+operator: 'Include'\s+values: \[\s+'Failed'", alert);
        Assert.Contains("targetResourceType: 'Microsoft.App/jobs'", alert);
        Assert.Contains("jobId: runner.outputs.id", main);
        Assert.Contains("param alertEmail string = ''", main);
        Assert.Contains("resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail))", alert);
        // and its description names the exit code the runner uses when it cannot start
        var description = Regex.Match(alert, @"description: '((?:[^'\\]|\\.)*)'\n").Groups[1].Value;
        Assert.Contains($"Exit code {Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode} ", description);
        Assert.Contains("could not start", description);
    }

    /// <summary>The job's arguments, a Bicep expression (<c>string(maxJobs)</c>) written as <c>{maxJobs}</c>.</summary>
    private static List<string> JobArguments()
    {
        var block = Regex.Match(Infra("modules/runner-job.bicep"), @"args:\s*\[(?<items>[^\]]*)\]");
        Assert.True(block.Success, "runner-job.bicep has no args array");
        return Regex.Matches(block.Groups["items"].Value, @"'([^']*)'|string\((\w+)\)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : "{" + m.Groups[2].Value + "}").ToList();
    }

    [Fact]
    public void The_runner_job_takes_up_to_max_jobs_on_the_gpu_with_the_offline_scalers_default()
    {
        Assert.Equal(["worker", "--max-jobs", "{maxJobs}", "--device", "cuda"], JobArguments());
        var main = Infra("main.bicep");
        Assert.Contains("maxJobs: runnerMaxJobs", main);
        // One default for both: the Bicep parameter, the azd parameter file and the offline scaler (RunnerJob.DefaultMaxJobs)
        Assert.Contains($"param runnerMaxJobs int = {Stitching.Domain.Jobs.RunnerJob.DefaultMaxJobs}\n", main);
        Assert.Contains($"${{STITCHING_RUNNER_MAX_JOBS={Stitching.Domain.Jobs.RunnerJob.DefaultMaxJobs}}}", Infra("main.parameters.json"));
    }

    [Fact]
    public void The_storage_queue_scale_rule_counts_only_visible_messages_as_the_offline_scaler_does()
    {
        // A deferred copy is an invisible message until its delay ends; counting it would start an execution for nothing.
        Assert.Contains("queueLengthStrategy: 'visibleonly'", Infra("modules/runner-job.bicep"));
    }

    [Fact]
    public void The_api_and_the_runner_know_the_jobs_replica_timeout_from_the_same_parameter()
    {
        var main = Infra("main.bicep");
        Assert.Contains("replicaTimeout: replicaTimeoutSeconds", main);
        Assert.Contains("replicaTimeout: replicaTimeout\n", Infra("modules/runner-job.bicep"));
        // stitchingSettings reach both apps (Queue_lock_and_max_deliveries_... checks that), so JobFit and WorkerService read the job's value
        Assert.Contains("Stitching__Limits__ReplicaTimeoutSeconds: string(replicaTimeoutSeconds)", main);
        Assert.Contains($"param replicaTimeoutSeconds int = {new Stitching.Domain.Sweeps.SweepLimitOptions().ReplicaTimeoutSeconds}\n", main);
    }

    [Fact]
    public void Location_is_limited_to_regions_with_flex_consumption_and_serverless_gpus_and_one_gpu_by_default()
    {
        var main = Infra("main.bicep");
        var location = Regex.Match(main, @"@allowed\(\[([^\]]*)\]\)\s*@metadata\(\{\s*azd: \{\s*type: 'location'\s*\}\s*\}\)\s*param location string");
        Assert.True(location.Success, "location needs @allowed regions and azd location metadata");
        Assert.Contains("'swedencentral'", location.Groups[1].Value);
        Assert.Contains("param maxRunnerExecutions int = 1", main);
    }

    [Fact]
    public void Each_gpu_profile_lists_the_regions_that_offer_it_and_any_other_pair_fails_with_what_to_change()
    {
        var main = Infra("main.bicep");
        var allowed = Quoted(Regex.Match(main, @"@allowed\(\[([^\]]*)\]\)\s*@metadata\(\{\s*azd: \{\s*type: 'location'").Groups[1].Value);
        var profiles = Quoted(Regex.Match(main, @"@allowed\(\[([^\]]*)\]\)\s*param gpuProfileType string").Groups[1].Value);
        var map = Regex.Match(main, @"^var gpuRegions = \{(.*?)^\}", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(map.Success, "main.bicep has no gpuRegions map");
        var regions = Regex.Matches(map.Groups[1].Value, @"'(?<profile>[\w-]+)': \[(?<regions>[^\]]*)\]")
            .ToDictionary(m => m.Groups["profile"].Value, m => Quoted(m.Groups["regions"].Value));

        // Every profile has its regions, all of them allowed locations; T4 is offered in every allowed location, A100 in three
        Assert.Equal(profiles.Order(), regions.Keys.Order());
        Assert.All(regions.Values, r => Assert.Subset(allowed.ToHashSet(), r.ToHashSet()));
        Assert.Equal(allowed.Order(), regions["Consumption-GPU-NC8as-T4"].Order());
        Assert.Equal(["australiaeast", "eastus", "swedencentral"], regions["Consumption-GPU-NC24-A100"].Order());

        // and the profile the runner gets goes through the check, whose failure names both settings and the regions to pick from
        Assert.Matches(@"var gpu = contains\(gpuRegions\[gpuProfileType\], location\)\s*\? gpuProfiles\[gpuProfileType\]\s*: fail\('", main);
        var message = Regex.Match(main, @"fail\('(.*)'\)$", RegexOptions.Multiline).Groups[1].Value; // the whole line: the join inside quotes ', 
        Assert.Contains("STITCHING_GPU_PROFILE", message);
        Assert.Contains("AZURE_LOCATION", message);
        Assert.Contains("${join(gpuRegions[gpuProfileType], ', ')}", message);

        static List<string> Quoted(string text) => Regex.Matches(text, @"'([\w-]+)'").Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void The_azd_hooks_use_only_values_that_main_bicep_outputs()
    {
        // azd hands the template's outputs to hooks as environment variables; a renamed output would leave a hook
        // with an empty value (an upload to nowhere, a URL without a host).
        var yaml = File.ReadAllText(Path.Combine(Repo.Root, "azure.yaml"));
        var outputs = Regex.Matches(Infra("main.bicep"), @"^output (\w+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var used = Regex.Matches(yaml, @"\$(?:env:)?\{?([A-Z][A-Z0-9_]+)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("STITCHING_STORAGE_BLOB_SERVICE_URI", used);
        Assert.Contains("SERVICE_API_URI", used);
        // Not template outputs: a folder the deployer sets with `azd env set` (documented in azure.yaml), and PowerShell's exit code.
        string[] notOutputs = ["STITCHING_FASHION_MNIST_DIR", "LASTEXITCODE"];
        Assert.All(used.Except(notOutputs), name => Assert.True(outputs.Contains(name), $"azure.yaml uses ${name}, which main.bicep does not output"));
        Assert.Contains("postprovision:", yaml);
        Assert.Contains("postdeploy:", yaml);
        Assert.Contains("az functionapp keys list", yaml);
    }

    [Fact]
    public void The_runner_image_runs_on_the_dotnet_runtime_with_libtorch_cudas_own_libraries()
    {
        // A CUDA base image doubled the image (~10 GB) past what a 2-vCPU remote build pushes in azd's 20 minutes.
        var dockerfile = File.ReadAllText(Path.Combine(Repo.Root, "src", "GpuRunner", "Dockerfile"));
        var stages = Regex.Matches(dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        // The cuda-lock stage (scratch, for exporting the lock files) is not last: a plain build's target stays the runtime image
        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0", "scratch", "mcr.microsoft.com/dotnet/runtime:10.0-noble"], stages);
        Assert.DoesNotContain("nvidia/cuda", dockerfile);
        Assert.Contains("ARG TORCH_BACKEND=cuda\n", dockerfile);
        Assert.Contains("-p:TorchBackend=$TORCH_BACKEND", dockerfile);
        // The CUDA graph restores --locked-mode against packages.cuda.lock.json, the file a cuda restore reads and writes
        Assert.Contains("$restore --locked-mode", dockerfile);
        Assert.Contains("<NuGetLockFilePath Condition=\"'$(TorchBackend)' == 'cuda'\">packages.cuda.lock.json</NuGetLockFilePath>",
            File.ReadAllText(Path.Combine(Repo.Root, "Directory.Build.props")));
        foreach (var project in new[] { "Domain", "Platform", "Reporting", "DevTools", "Engine", "GpuRunner" })
            Assert.Contains($"COPY --from=build /src/src/{project}/packages.cuda.lock.json src/{project}/", dockerfile);
        Assert.Matches(@"(?m)^USER \$APP_UID", dockerfile);
    }

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [Fact]
    public void The_runner_job_runs_the_same_arguments_as_the_offline_scaler()
    {
        // The offline scaler starts RunnerJob.Arguments("cpu", N); the Container Apps job must run the same with cuda.
        Assert.Equal(Stitching.Domain.Jobs.RunnerJob.Arguments("cuda", maxJobs: 17).Select(a => a == "17" ? "{maxJobs}" : a), JobArguments());
    }
}
