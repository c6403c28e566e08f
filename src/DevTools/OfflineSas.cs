using System.Text;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Sas;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Platform.Queues;
using Stitching.Platform.Security;
using Stitching.Platform.Storage;
using static Stitching.Platform.Security.DataOperations;

namespace Stitching.DevTools;

/// <summary>
/// Offline least privilege: each component's storage settings as SAS-bearing service URIs signed with Azurite's account
/// key, granting exactly what <see cref="PlatformRoles"/> gives that component, so a component that does more than the
/// role table says is refused by Azurite (403) as it would be by Azure.
/// </summary>
/// <remarks>
/// One account SAS per service (<c>ss</c> = that service), with the union of the component's operations on that
/// service's containers, tables or queues: Azure assigns the storage roles on the account, so this is Azure's own
/// granularity (a service SAS per container, table or queue would need a URI per resource). Resource types follow the
/// operations: <c>o</c> (blobs, entities, messages) when any object operation is granted; <c>c</c> (containers, tables,
/// queues) when the component creates them (<see cref="PlatformRoles.CreatesResources"/>: 'c', or 'w' for tables) or lists a
/// container, and where Azurite checks an object operation against the container type (querying entities, deleting
/// or updating a message); never <c>s</c>. A component that does not create resources gets neither 'c' nor 'w' on
/// containers, so its CreateIfNotExists is refused (403). A service the component never touches gets no URI at all.
/// No component is granted deleting a table, container or queue.
/// </remarks>
public static class OfflineSas
{
    public const string ConnectionStringKey = "Stitching__Storage__ConnectionString";
    public const string BlobServiceUriKey = "Stitching__Storage__BlobServiceUri";
    public const string TableServiceUriKey = "Stitching__Storage__TableServiceUri";
    public const string QueueServiceUriKey = "Stitching__Storage__QueueServiceUri";
    public const string QueueBackendKey = "Stitching__Queue__Backend";

    /// <summary>
    /// The environment variables that configure <paramref name="component"/> with only its own rights: the service URIs
    /// carrying their SAS, an empty <c>Stitching__Storage__ConnectionString</c> (so an exported one does not override them:
    /// a connection string holds the account key, i.e. every right) and, for a component that uses the job queue,
    /// <c>Stitching__Queue__Backend</c>. With the Service Bus backend no queue URI is given (the emulator's connection
    /// string is the caller's).
    /// </summary>
    /// <param name="azuriteConnectionString"><c>UseDevelopmentStorage=true</c> or an explicit Azurite connection string with its account key.</param>
    /// <exception cref="ArgumentException">The connection string holds no account key (e.g. it is itself a SAS).</exception>
    public static IReadOnlyDictionary<string, string> EnvironmentFor(PlatformComponent component, string azuriteConnectionString, QueueBackend backend, TimeSpan lifetime)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(azuriteConnectionString);
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "A SAS lifetime must be positive.");
        var expires = DateTimeOffset.UtcNow + lifetime;
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal) { [ConnectionStringKey] = "" };
        if (PlatformRoles.For(component, backend).Any(a => a.Service is PlatformService.Queue or PlatformService.ServiceBus))
            env[QueueBackendKey] = backend == QueueBackend.Storage ? "storage" : "servicebus";

        if (Grant(component, PlatformService.Blob, backend) is { } blob)
        {
            var service = new BlobServiceClient(azuriteConnectionString);
            if (!service.CanGenerateAccountSasUri) throw NoKey(azuriteConnectionString);
            var sas = new AccountSasBuilder { Services = AccountSasServices.Blobs, ResourceTypes = blob.Types, ExpiresOn = expires, Protocol = SasProtocol.HttpsAndHttp };
            sas.SetPermissions(blob.Permissions);
            env[BlobServiceUriKey] = service.GenerateAccountSasUri(sas).ToString();
        }
        if (Grant(component, PlatformService.Table, backend) is { } table)
        {
            var service = new TableServiceClient(azuriteConnectionString);
            var sas = new TableAccountSasBuilder(table.Permissions, ToTable(table.Types), expires) { Protocol = TableSasProtocol.HttpsAndHttp };
            try
            {
                env[TableServiceUriKey] = service.GenerateSasUri(sas).ToString();
            }
            catch (InvalidOperationException e)
            {
                throw NoKey(azuriteConnectionString, e);
            }
        }
        if (backend == QueueBackend.Storage && Grant(component, PlatformService.Queue, backend) is { } queue)
        {
            var service = new QueueServiceClient(azuriteConnectionString);
            if (!service.CanGenerateAccountSasUri) throw NoKey(azuriteConnectionString);
            var sas = new AccountSasBuilder { Services = AccountSasServices.Queues, ResourceTypes = queue.Types, ExpiresOn = expires, Protocol = SasProtocol.HttpsAndHttp };
            sas.SetPermissions(queue.Permissions);
            env[QueueServiceUriKey] = service.GenerateAccountSasUri(sas).ToString();
        }
        return env;
    }

    /// <summary>
    /// The account SAS a component gets on one service: its permission letters (in the order that service's account SAS
    /// writes them) and resource types; null when it never touches the service.
    /// </summary>
    public static (string Permissions, AccountSasResourceTypes Types)? Grant(PlatformComponent component, PlatformService service, QueueBackend backend = QueueBackend.Storage)
    {
        var ops = PlatformRoles.OperationsOf(component, service, backend);
        if (ops == None) return null;
        // Account SAS letters, in each service's order. Creating a container or a queue is 'c'; creating a table is 'w'
        // (the table account SAS has no 'c'; Azurite's Create Table accepts 'c' or 'w').
        (DataOperations Op, char Letter)[] letters = service switch
        {
            PlatformService.Blob => [(Read, 'r'), (Add, 'a'), (Create | CreateResource, 'c'), (Write, 'w'), (Delete, 'd'), (List, 'l')],
            PlatformService.Table => [(Read, 'r'), (CreateResource, 'w'), (Delete, 'd'), (Add, 'a'), (Update, 'u')],
            PlatformService.Queue => [(Read, 'r'), (Add, 'a'), (CreateResource, 'c'), (Update, 'u'), (Process, 'p')],
            _ => throw new ArgumentException($"{service} has no storage SAS.", nameof(service)),
        };
        var permissions = new StringBuilder();
        foreach (var (op, letter) in letters)
            if ((ops & op) != 0) permissions.Append(letter);
        var types = default(AccountSasResourceTypes);
        if ((ops & (Read | Add | Create | Write | Delete | Update | Process)) != 0) types |= AccountSasResourceTypes.Object;
        // Container-level: creating and listing; and where Azurite checks an object operation against the container type
        // (querying entities; deleting a message and updating its visibility). No granted letter lets a container be deleted.
        if ((ops & (CreateResource | List)) != 0
            || service == PlatformService.Table && (ops & Read) != 0
            || service == PlatformService.Queue && (ops & (Process | Update)) != 0)
            types |= AccountSasResourceTypes.Container;
        return (permissions.ToString(), types);
    }

    private static TableAccountSasResourceTypes ToTable(AccountSasResourceTypes types) =>
        (types.HasFlag(AccountSasResourceTypes.Object) ? TableAccountSasResourceTypes.Object : 0)
        | (types.HasFlag(AccountSasResourceTypes.Container) ? TableAccountSasResourceTypes.Container : 0);

    private static ArgumentException NoKey(string connectionString, Exception? inner = null) => new(
        "The connection string holds no account key to sign a SAS with: give UseDevelopmentStorage=true or Azurite's full connection string "
        + $"(AccountName=devstoreaccount1;AccountKey=...), not '{Redact(connectionString)}'.", nameof(connectionString), inner);

    private static string Redact(string connectionString) =>
        string.Join(';', connectionString.Split(';').Select(p => p.StartsWith("AccountKey=", StringComparison.OrdinalIgnoreCase)
            || p.StartsWith("SharedAccessSignature=", StringComparison.OrdinalIgnoreCase) ? p[..(p.IndexOf('=') + 1)] + "***" : p));

    /// <summary>The component named on the command line: api, runner, timer or uploader.</summary>
    public static bool TryParseComponent(string name, out PlatformComponent component)
    {
        (bool, PlatformComponent) r = name.ToLowerInvariant() switch
        {
            "api" => (true, PlatformComponent.Api),
            "runner" => (true, PlatformComponent.Runner),
            "timer" => (true, PlatformComponent.Timer),
            "uploader" => (true, PlatformComponent.DatasetUploader),
            _ => (false, default),
        };
        component = r.Item2;
        return r.Item1;
    }

    /// <summary>The queue backend named by <see cref="JobQueueOptions.Backend"/>.</summary>
    public static QueueBackend BackendOf(JobQueueOptions queue) => queue.UsesServiceBus ? QueueBackend.ServiceBus : QueueBackend.Storage;

    /// <summary>Whether a service URI carries a SAS (a <c>sig</c> query parameter).</summary>
    public static bool HasSas(Uri uri) => StorageClients.HasSas(uri);
}
