namespace Stitching.Platform.Security;

/// <summary>
/// A piece of the platform that touches storage or the queue with its own rights. Offline each gets its own SAS;
/// in Azure each runs as a managed identity (<see cref="PlatformRoles.IdentityOf"/>).
/// </summary>
public enum PlatformComponent
{
    /// <summary>The HTTP API's code (submit, status, results, report, cancel).</summary>
    Api,
    /// <summary>The timer-triggered function: requeues expired leases, finishes planning, reconciles dead letters.</summary>
    Timer,
    /// <summary>A GPU runner: one job per execution in Azure.</summary>
    Runner,
    /// <summary>KEDA's scale rule on the Container Apps job: reads the queue's length.</summary>
    Scaler,
    /// <summary>The Azure Functions host itself (AzureWebJobsStorage: keys, timer leases, the deployment package).</summary>
    FunctionsHost,
    /// <summary>The <c>datasets upload</c> command, run by the deployer (azd postprovision).</summary>
    DatasetUploader,
}
