using System.Text;
using static Stitching.Platform.Security.DataOperations;

namespace Stitching.Platform.Security;

/// <summary>
/// The role table: for each component, the data-plane operations its code performs on each resource, and the
/// Azure built-in role that grants them. <c>infra/main.bicep</c> assigns exactly these roles (a test in
/// Stitching.Reliability.Tests compares them), and the offline stack gives each component a SAS with exactly its
/// rights (<see cref="OfflineSas.EnvironmentFor"/>: an account SAS per service, the union of <see cref="SasPermissions"/>
/// over that service's resources, as Azure assigns storage roles on the account), so a component that does more than
/// this table says fails offline first.
/// </summary>
/// <remarks>
/// Azure identities: the API, the timer and the Functions host share the Function app's identity
/// (<see cref="IdentityOf"/>); a Function app's code sees one AZURE_CLIENT_ID, so a timer in the same app cannot
/// run as another identity. Offline they get separate SAS tokens, so the table keeps them apart.
/// Storage roles are assigned on the account, except the runner's blob roles (Contributor on <c>checkpoints</c>, Reader
/// on <c>datasets</c>, so it sees neither the deployment package nor the host's containers) and the dataset uploader's
/// (<c>datasets</c> only); Service Bus roles on the one queue (its dead-letter subqueue included). The API's Blob Data
/// Owner stays on the account: the Functions host creates its own containers (azure-webjobs-hosts, -secrets) at start.
/// Offline, SAS tokens are per account and service, so the container scopes are checked against the template only.
/// </remarks>
public static class PlatformRoles
{
    public const string CheckpointsContainer = "checkpoints";
    public const string DatasetsContainer = "datasets";
    public const string JobQueue = "stitch-jobs";
    public const string PoisonQueue = "stitch-jobs-poison";
    /// <summary>The Function app's host storage: its keys and timer leases, and the Flex deployment package container.</summary>
    public const string HostContainers = "azure-webjobs-hosts, azure-webjobs-secrets, app-package-*";

    private const DataOperations Upsert = Add | Update;

    /// <summary>The scope of a role on the whole storage account.</summary>
    public const string StorageAccountScope = "storage account";

    /// <summary>The scope of a role on one blob container.</summary>
    public static string ContainerScope(string container) => $"container {container}";

    public static IReadOnlyList<DataAccess> Table { get; } =
    [
        // ---- API: submit, status, results, matrix, report, cancel; creates what it uses at start-up (PlatformInitializer)
        new(PlatformComponent.Api, PlatformService.Table, "sweeps", CreateResource | Read | Add | Update, BuiltInRole.StorageTableDataContributor,
            "SubmitAsync adds the sweep, TryActivateSweepAsync and CancelAsync update it, status and lists read it"),
        new(PlatformComponent.Api, PlatformService.Table, "jobs", CreateResource | Read | Upsert, BuiltInRole.StorageTableDataContributor,
            "AddJobsAsync upserts the plan's rows, MarkSentAsync and CancelAsync update them, GetStatusAsync reads them"),
        new(PlatformComponent.Api, PlatformService.Table, "results", CreateResource | Read, BuiltInRole.StorageTableDataContributor,
            "ResultsQuery and GetResult read result rows (results, a row, matrix, report)"),
        new(PlatformComponent.Api, PlatformService.Table, "analyses", CreateResource | Read, BuiltInRole.StorageTableDataContributor,
            "ResultsQuery reads analysis rows (results?kind=analysis, report)"),
        new(PlatformComponent.Api, PlatformService.Table, "models", CreateResource | Read, BuiltInRole.StorageTableDataContributor,
            "FanOutAsync, the status (near-chance warnings) and the report read model rows; the result endpoint reads the provenance record a row refers to"),
        new(PlatformComponent.Api, PlatformService.Blob, CheckpointsContainer, CreateResource, BuiltInRole.StorageBlobDataContributor,
            "PlatformInitializer creates the container; no API route reads or writes a blob (a result row names its stitch checkpoint blob, the API does not serve it)"),
        new(PlatformComponent.Api, PlatformService.ServiceBus, JobQueue, Send, BuiltInRole.ServiceBusDataSender,
            "FanOutAsync sends the model jobs (and stitch jobs whose models exist)", QueueBackend.ServiceBus),
        new(PlatformComponent.Api, PlatformService.Queue, JobQueue, CreateResource | Add, BuiltInRole.StorageQueueDataContributor,
            "FanOutAsync sends; PlatformInitializer creates the queue", QueueBackend.Storage),
        new(PlatformComponent.Api, PlatformService.Queue, PoisonQueue, CreateResource, BuiltInRole.StorageQueueDataContributor,
            "PlatformInitializer creates the dead-letter queue", QueueBackend.Storage),
        new(PlatformComponent.Api, PlatformService.Monitoring, "application insights", Publish, BuiltInRole.MonitoringMetricsPublisher,
            "telemetry with Entra ID (local auth is off)"),

        // ---- Timer: requeues expired leases, finishes planning, reconciles dead letters into Failed rows
        new(PlatformComponent.Timer, PlatformService.Table, "sweeps", Read | Update, BuiltInRole.StorageTableDataContributor,
            "RequeueExpiredAsync lists sweeps; PlanAsync activates, CancelAsync cancels"),
        new(PlatformComponent.Timer, PlatformService.Table, "jobs", Read | Upsert, BuiltInRole.StorageTableDataContributor,
            "PlanAsync upserts rows, requeue and dead-letter reconciliation update them"),
        new(PlatformComponent.Timer, PlatformService.Table, "models", Read, BuiltInRole.StorageTableDataReader,
            "FanOutAsync checks which models exist"),
        new(PlatformComponent.Timer, PlatformService.ServiceBus, JobQueue, Send, BuiltInRole.ServiceBusDataSender,
            "re-sends expired and planned jobs", QueueBackend.ServiceBus),
        new(PlatformComponent.Timer, PlatformService.ServiceBus, JobQueue + "/$deadletterqueue", Receive, BuiltInRole.ServiceBusDataReceiver,
            "receives and completes dead-lettered messages to record their reason", QueueBackend.ServiceBus),
        new(PlatformComponent.Timer, PlatformService.Queue, JobQueue, Add, BuiltInRole.StorageQueueDataMessageSender,
            "re-sends expired and planned jobs", QueueBackend.Storage),
        new(PlatformComponent.Timer, PlatformService.Queue, PoisonQueue, Read | Process, BuiltInRole.StorageQueueDataMessageProcessor,
            "reads and deletes dead-lettered envelopes to record their reason", QueueBackend.Storage),

        // ---- Runner: one job; sends the stitch jobs a finished model unlocks (OnModelDoneAsync)
        new(PlatformComponent.Runner, PlatformService.Table, "sweeps", CreateResource | Read, BuiltInRole.StorageTableDataContributor,
            "JobProcessor reads the sweep (spec, cancelled?); WorkerService creates the tables at start"),
        new(PlatformComponent.Runner, PlatformService.Table, "jobs", CreateResource | Read | Update, BuiltInRole.StorageTableDataContributor,
            "claims, renews and finishes its job by ETag; MarkSentAsync and FailDependentsAsync update other rows"),
        new(PlatformComponent.Runner, PlatformService.Table, "results", CreateResource | Read | Upsert, BuiltInRole.StorageTableDataContributor,
            "UpsertResultAsync, HasResultAsync"),
        new(PlatformComponent.Runner, PlatformService.Table, "analyses", CreateResource | Upsert, BuiltInRole.StorageTableDataContributor,
            "UpsertAnalysisAsync: a stitch job's analysis rows"),
        new(PlatformComponent.Runner, PlatformService.Table, "models", CreateResource | Read | Upsert, BuiltInRole.StorageTableDataContributor,
            "UpsertModelAsync, GetModelAsync; UpsertProvenanceAsync writes its run's provenance once"),
        new(PlatformComponent.Runner, PlatformService.Blob, CheckpointsContainer, CreateResource | Read | Create | Write, BuiltInRole.StorageBlobDataContributor,
            "downloads and uploads model and stitch checkpoints (uploads overwrite); WorkerService creates the container at start (it exists: the template makes it)",
            Scope: ContainerScope(CheckpointsContainer)),
        new(PlatformComponent.Runner, PlatformService.Blob, DatasetsContainer, Read | List, BuiltInRole.StorageBlobDataReader,
            "lists the dataset's blobs with their SHA-256 metadata, then fetches and verifies the files", Scope: ContainerScope(DatasetsContainer)),
        new(PlatformComponent.Runner, PlatformService.ServiceBus, JobQueue, Send, BuiltInRole.ServiceBusDataSender,
            "OnModelDoneAsync sends the stitch jobs a finished model unlocks", QueueBackend.ServiceBus),
        new(PlatformComponent.Runner, PlatformService.ServiceBus, JobQueue, Receive, BuiltInRole.ServiceBusDataReceiver,
            "receives, renews, completes, abandons and dead-letters its job", QueueBackend.ServiceBus),
        new(PlatformComponent.Runner, PlatformService.Queue, JobQueue, CreateResource | Read | Add | Update | Process, BuiltInRole.StorageQueueDataContributor,
            "receives, renews and abandons (update visibility), completes (delete), sends unlocked stitch jobs", QueueBackend.Storage),
        new(PlatformComponent.Runner, PlatformService.Queue, PoisonQueue, CreateResource | Add, BuiltInRole.StorageQueueDataContributor,
            "DeadLetterAsync puts the envelope", QueueBackend.Storage),
        new(PlatformComponent.Runner, PlatformService.Registry, "runner image", Pull, BuiltInRole.AcrPull,
            "Container Apps pulls the image with the runner's identity"),
        new(PlatformComponent.Runner, PlatformService.Monitoring, "application insights", Publish, BuiltInRole.MonitoringMetricsPublisher,
            "telemetry with Entra ID (local auth is off)"),

        // ---- Scaler: KEDA reads the queue length to start one execution per message
        new(PlatformComponent.Scaler, PlatformService.ServiceBus, JobQueue, Manage, BuiltInRole.ServiceBusDataOwner,
            "the azure-servicebus scaler reads message counts through the management API (Manage claim)", QueueBackend.ServiceBus),
        new(PlatformComponent.Scaler, PlatformService.Queue, JobQueue, Read, BuiltInRole.StorageQueueDataReader,
            "the azure-queue scaler peeks the queue's length", QueueBackend.Storage),

        // ---- Functions host: AzureWebJobsStorage and the deployment package, as the Flex Consumption samples grant it
        new(PlatformComponent.FunctionsHost, PlatformService.Blob, HostContainers, CreateResource | Read | List | Create | Write | Delete, BuiltInRole.StorageBlobDataOwner,
            "host keys, timer-trigger leases, the deployment package (the samples' Storage Blob Data Owner)"),

        // ---- The `datasets upload` command (azd postprovision, as the deployer)
        new(PlatformComponent.DatasetUploader, PlatformService.Blob, DatasetsContainer, CreateResource | Read | List | Create | Write, BuiltInRole.StorageBlobDataContributor,
            "uploads the dataset files with their SHA-256 metadata, skipping those already there", Scope: ContainerScope(DatasetsContainer)),
    ];

    /// <summary>Where a component's rights live in Azure: the managed identity (or person) that holds its roles.</summary>
    public static AzureIdentity IdentityOf(PlatformComponent component) => component switch
    {
        PlatformComponent.Api or PlatformComponent.Timer or PlatformComponent.FunctionsHost => AzureIdentity.Api,
        PlatformComponent.Runner => AzureIdentity.Runner,
        PlatformComponent.Scaler => AzureIdentity.Scaler,
        PlatformComponent.DatasetUploader => AzureIdentity.Deployer,
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, null),
    };

    public static IEnumerable<DataAccess> For(PlatformComponent component, QueueBackend backend) =>
        Table.Where(a => a.Component == component && a.AppliesTo(backend));

    /// <summary>Where a row's role is assigned: its own <see cref="DataAccess.Scope"/>, or the service's default.</summary>
    public static string ScopeOf(DataAccess access) => access.Scope ?? access.Service switch
    {
        PlatformService.Blob or PlatformService.Table or PlatformService.Queue => StorageAccountScope,
        PlatformService.ServiceBus => $"queue {JobQueue}",
        PlatformService.Registry => "registry",
        PlatformService.Monitoring => "application insights",
        _ => throw new ArgumentOutOfRangeException(nameof(access), access.Service, null),
    };

    /// <summary>
    /// The role assignments one Azure identity must hold, each with its scope: those of every component it runs, less
    /// any covered by an assignment of the same or a stronger role on the same or a wider scope (the account covers its
    /// containers; Blob Data Owner covers Blob Data Contributor).
    /// </summary>
    public static IReadOnlySet<(BuiltInRole Role, string Scope)> AssignmentsOf(AzureIdentity identity, QueueBackend backend)
    {
        var all = Table.Where(a => IdentityOf(a.Component) == identity && a.AppliesTo(backend)).Select(a => (a.Role, Scope: ScopeOf(a))).ToHashSet();
        all.RemoveWhere(x => all.Any(y => y != x && (y.Role == x.Role || y.Role.Includes(x.Role))
                                                 && (y.Scope == x.Scope || y.Scope == StorageAccountScope && x.Scope.StartsWith("container ", StringComparison.Ordinal))));
        return all;
    }

    /// <summary>
    /// The roles one Azure identity must hold: those of every component it runs, less any implied by a stronger role
    /// of the same service that it also holds (Blob Data Owner covers Blob Data Contributor).
    /// </summary>
    public static IReadOnlySet<BuiltInRole> RolesOf(AzureIdentity identity, QueueBackend backend)
    {
        var roles = Table.Where(a => IdentityOf(a.Component) == identity && a.AppliesTo(backend)).Select(a => a.Role).ToHashSet();
        roles.RemoveWhere(r => roles.Any(s => s.Includes(r)));
        return roles;
    }

    /// <summary>What a component does on one service: on one resource (a table, container or queue), or on all of them when null.</summary>
    public static DataOperations OperationsOf(PlatformComponent component, PlatformService service, QueueBackend backend, string? resource = null) =>
        For(component, backend).Where(a => a.Service == service && (resource is null || a.Resource == resource)).Aggregate(None, (all, a) => all | a.Operations);

    /// <summary>
    /// The storage SAS permissions a component gets offline on <paramref name="service"/> (Blob, Table or Queue): on one
    /// container, table or queue (a service SAS is issued per resource), or on all of them together when
    /// <paramref name="resource"/> is null (an account SAS). Letters in the order each service's SAS writes them:
    /// blob <c>racwdl</c>, table <c>raud</c>, queue <c>raup</c>; empty when the component never touches it.
    /// Creating the container, table or queue itself is not a permission on its objects: see <see cref="CreatesResources"/>.
    /// </summary>
    public static string SasPermissions(PlatformComponent component, PlatformService service, string? resource = null, QueueBackend backend = QueueBackend.Storage)
    {
        var ops = OperationsOf(component, service, backend, resource);
        (DataOperations Op, char Letter)[] letters = service switch
        {
            PlatformService.Blob => [(Read, 'r'), (Add, 'a'), (Create, 'c'), (Write, 'w'), (Delete, 'd'), (List, 'l')],
            PlatformService.Table => [(Read, 'r'), (Add, 'a'), (Update, 'u'), (Delete, 'd')],
            // Getting messages and deleting them both need 'p' (process) on a queue SAS.
            PlatformService.Queue => [(Read, 'r'), (Add, 'a'), (Update, 'u'), (Process, 'p')],
            _ => throw new ArgumentException($"{service} has no storage SAS.", nameof(service)),
        };
        var sas = new StringBuilder();
        foreach (var (op, letter) in letters)
            if ((ops & op) != 0) sas.Append(letter);
        return sas.ToString();
    }

    /// <summary>Whether the component's code creates a container, table or queue of this service if it is missing.</summary>
    public static bool CreatesResources(PlatformComponent component, PlatformService service, QueueBackend backend = QueueBackend.Storage) =>
        (OperationsOf(component, service, backend) & CreateResource) != 0;
}
