namespace Stitching.Platform.Security;

/// <summary>The principals <c>infra/main.bicep</c> assigns roles to.</summary>
public enum AzureIdentity
{
    /// <summary>The Function app's user-assigned identity (API, timer, host).</summary>
    Api,
    /// <summary>The runner job's container identity.</summary>
    Runner,
    /// <summary>The identity KEDA uses for the job's scale rule; not available to the container (lifecycle None).</summary>
    Scaler,
    /// <summary>The person or pipeline running azd (principalId).</summary>
    Deployer,
}
