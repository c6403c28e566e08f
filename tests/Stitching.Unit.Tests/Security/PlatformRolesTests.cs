using Stitching.DevTools;
using Stitching.Platform.Security;

namespace Stitching.Unit.Tests.Security;

public sealed class PlatformRolesTests
{
    public static TheoryData<QueueBackend> Backends => [QueueBackend.ServiceBus, QueueBackend.Storage];

    [Fact]
    public void Every_row_is_granted_by_its_role_on_its_own_service()
    {
        Assert.All(PlatformRoles.Table, a =>
        {
            Assert.Equal(a.Service, a.Role.Service);
            Assert.True(a.Role.Grants(a.Operations), $"{a.Role.Name} does not grant {a.Component}'s {a.Operations} on {a.Resource}");
        });
    }

    [Fact]
    public void Every_row_names_the_weakest_built_in_role_that_grants_it()
    {
        // The Functions host's Blob Data Owner is what the Flex Consumption samples grant; Contributor would also do.
        foreach (var a in PlatformRoles.Table.Where(a => a.Component != PlatformComponent.FunctionsHost))
        {
            var weakest = BuiltInRole.All.First(r => r.Service == a.Service && r.Grants(a.Operations));
            Assert.True(weakest == a.Role, $"{a.Component} on {a.Resource}: {weakest.Name} is enough for {a.Operations}, the table says {a.Role.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void A_runner_sends_the_jobs_a_finished_model_unlocks_as_well_as_receiving(QueueBackend backend)
    {
        // Given OnModelDoneAsync runs inside the runner, the runner's identity must be able to send
        var roles = PlatformRoles.RolesOf(AzureIdentity.Runner, backend);
        if (backend == QueueBackend.ServiceBus)
        {
            Assert.Contains(BuiltInRole.ServiceBusDataSender, roles);
            Assert.Contains(BuiltInRole.ServiceBusDataReceiver, roles);
            Assert.DoesNotContain(BuiltInRole.ServiceBusDataOwner, roles);
        }
        else
        {
            Assert.Contains(BuiltInRole.StorageQueueDataContributor, roles);
            Assert.DoesNotContain(roles, r => r.Service == PlatformService.ServiceBus);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Only_the_scaler_may_manage_the_queue_and_it_touches_nothing_else(QueueBackend backend)
    {
        var scaler = PlatformRoles.For(PlatformComponent.Scaler, backend).ToList();
        Assert.Single(scaler);
        Assert.Equal(PlatformRoles.JobQueue, scaler[0].Resource);
        Assert.All(PlatformRoles.Table.Where(a => a.Component != PlatformComponent.Scaler),
            a => Assert.False(a.Operations.HasFlag(DataOperations.Manage), $"{a.Component} manages {a.Resource}"));
    }

    [Fact]
    public void The_api_timer_and_host_share_the_function_apps_identity_and_its_roles_collapse_to_the_strongest()
    {
        var roles = PlatformRoles.RolesOf(AzureIdentity.Api, QueueBackend.ServiceBus);
        Assert.Equal(
            new[] { BuiltInRole.StorageBlobDataOwner, BuiltInRole.StorageTableDataContributor, BuiltInRole.ServiceBusDataSender, BuiltInRole.ServiceBusDataReceiver, BuiltInRole.MonitoringMetricsPublisher }
                .Select(r => r.Name).Order(),
            roles.Select(r => r.Name).Order());
        var storage = PlatformRoles.RolesOf(AzureIdentity.Api, QueueBackend.Storage);
        Assert.Contains(BuiltInRole.StorageQueueDataContributor, storage);
        Assert.DoesNotContain(BuiltInRole.StorageQueueDataMessageSender, storage); // implied by Contributor
    }

    [Fact]
    public void Sas_permissions_per_component_follow_what_its_code_does()
    {
        // Runner: reads and upserts rows, never adds job rows or deletes anything
        Assert.Equal("rau", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Table));
        Assert.Equal("ru", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Table, "jobs"));
        Assert.Equal("rcw", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Blob, PlatformRoles.CheckpointsContainer));
        Assert.Equal("rl", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Blob, PlatformRoles.DatasetsContainer));
        Assert.Equal("raup", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Queue, PlatformRoles.JobQueue));
        Assert.Equal("a", PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.Queue, PlatformRoles.PoisonQueue));
        // API: no blob object access at all, sends only
        Assert.Equal("", PlatformRoles.SasPermissions(PlatformComponent.Api, PlatformService.Blob));
        Assert.True(PlatformRoles.CreatesResources(PlatformComponent.Api, PlatformService.Blob));
        Assert.Equal("a", PlatformRoles.SasPermissions(PlatformComponent.Api, PlatformService.Queue, PlatformRoles.JobQueue));
        Assert.Equal("r", PlatformRoles.SasPermissions(PlatformComponent.Api, PlatformService.Table, "results"));
        // Timer: re-sends jobs, drains the poison queue, never touches blobs
        Assert.Equal("a", PlatformRoles.SasPermissions(PlatformComponent.Timer, PlatformService.Queue, PlatformRoles.JobQueue));
        Assert.Equal("rp", PlatformRoles.SasPermissions(PlatformComponent.Timer, PlatformService.Queue, PlatformRoles.PoisonQueue));
        Assert.Equal("", PlatformRoles.SasPermissions(PlatformComponent.Timer, PlatformService.Blob));
        Assert.False(PlatformRoles.CreatesResources(PlatformComponent.Timer, PlatformService.Table));
        // Scaler: peeks the job queue only
        Assert.Equal("r", PlatformRoles.SasPermissions(PlatformComponent.Scaler, PlatformService.Queue, PlatformRoles.JobQueue));
        Assert.Equal("", PlatformRoles.SasPermissions(PlatformComponent.Scaler, PlatformService.Table));
    }

    [Fact]
    public void Sas_permissions_exist_only_for_storage_services()
    {
        Assert.Throws<ArgumentException>(() => PlatformRoles.SasPermissions(PlatformComponent.Runner, PlatformService.ServiceBus));
    }

    [Fact]
    public void No_component_but_the_functions_host_deletes_anything()
    {
        Assert.All(PlatformRoles.Table.Where(a => a.Component != PlatformComponent.FunctionsHost),
            a => Assert.False(a.Operations.HasFlag(DataOperations.Delete), $"{a.Component} deletes in {a.Resource}"));
    }
}
