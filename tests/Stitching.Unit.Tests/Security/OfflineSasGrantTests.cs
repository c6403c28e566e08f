using Azure.Storage.Sas;
using Stitching.DevTools;
using Stitching.Platform.Security;

namespace Stitching.Unit.Tests.Security;

/// <summary>The account SAS each offline component gets per service (<see cref="OfflineSas.Grant"/>); Azurite's enforcement is tested in Stitching.Platform.Tests.</summary>
public sealed class OfflineSasGrantTests
{
    private const AccountSasResourceTypes Both = AccountSasResourceTypes.Container | AccountSasResourceTypes.Object;

    [Fact]
    public void Creators_get_create_letters_and_the_others_do_not()
    {
        // Runner and API create their tables ('w': the table account SAS has no 'c'), container and queues ('c')
        Assert.Equal(("rwau", Both), OfflineSas.Grant(PlatformComponent.Runner, PlatformService.Table));
        Assert.Equal(("racup", Both), OfflineSas.Grant(PlatformComponent.Runner, PlatformService.Queue));
        Assert.Equal(("rcwl", Both), OfflineSas.Grant(PlatformComponent.Runner, PlatformService.Blob));
        Assert.Equal(("c", AccountSasResourceTypes.Container), OfflineSas.Grant(PlatformComponent.Api, PlatformService.Blob)); // the container, no blob
        Assert.Equal(("ac", Both), OfflineSas.Grant(PlatformComponent.Api, PlatformService.Queue));
        // The timer creates nothing and never touches a blob
        Assert.Equal(("rau", Both), OfflineSas.Grant(PlatformComponent.Timer, PlatformService.Table));
        Assert.Equal(("rap", Both), OfflineSas.Grant(PlatformComponent.Timer, PlatformService.Queue));
        Assert.Null(OfflineSas.Grant(PlatformComponent.Timer, PlatformService.Blob));
        // The uploader: the datasets container only, nothing else
        Assert.Equal(("rcwl", Both), OfflineSas.Grant(PlatformComponent.DatasetUploader, PlatformService.Blob));
        Assert.Null(OfflineSas.Grant(PlatformComponent.DatasetUploader, PlatformService.Table));
    }

    [Fact]
    public void No_component_may_delete_anything_or_reach_service_properties()
    {
        foreach (var component in new[] { PlatformComponent.Api, PlatformComponent.Runner, PlatformComponent.Timer, PlatformComponent.DatasetUploader })
        foreach (var service in new[] { PlatformService.Blob, PlatformService.Table, PlatformService.Queue })
            if (OfflineSas.Grant(component, service) is { } grant)
            {
                Assert.DoesNotContain('d', grant.Permissions);
                Assert.False(grant.Types.HasFlag(AccountSasResourceTypes.Service), $"{component} {service}");
            }
    }

    [Fact]
    public void Components_are_named_as_on_the_command_line()
    {
        Assert.True(OfflineSas.TryParseComponent("uploader", out var c) && c == PlatformComponent.DatasetUploader);
        Assert.True(OfflineSas.TryParseComponent("Runner", out c) && c == PlatformComponent.Runner);
        Assert.False(OfflineSas.TryParseComponent("scaler", out _));
    }
}
