// Stitching on Azure: HTTP API (Functions, Flex Consumption) enqueues stitch jobs on Service Bus;
// an event-triggered Container Apps job on a serverless GPU runs one job per execution and writes
// checkpoints (blob) and rows (tables) to Storage. Everything authenticates with managed identities.
targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------
// Parameters (azd fills the first three from the environment; see main.parameters.json)
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name; used in resource names and the azd-env-name tag.')
param environmentName string

// Regions with both the Flex Consumption plan and Container Apps serverless GPUs (T4), as of 2025-06:
// - serverless GPUs: learn.microsoft.com/azure/container-apps/gpu-serverless-overview#supported-regions
//   (page dated 2025-06-02); A100 only in australiaeast, eastus and swedencentral of these.
// - Flex Consumption: the @allowed list of Azure-Samples/functions-quickstart-dotnet-azd infra/main.bicep;
//   `az functionapp list-flexconsumption-locations` gives today's list.
// Both lists grow: add a region here once it is in both.
@minLength(1)
@description('Region for all resources: one with Flex Consumption and serverless GPUs (A100: australiaeast, eastus, swedencentral).')
@allowed([
  'australiaeast'
  'centralindia'
  'eastus'
  'francecentral'
  'northcentralus'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'westeurope'
  'westus2'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person or pipeline running azd; gets data roles for debugging. Empty: none.')
param principalId string = ''

@description('Kind of principal behind principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Also give principalId read/write data access to all storage and Service Bus (debugging only; off by default). Without it, principalId may only upload datasets.')
param grantDeployerDataAccess bool = false

@description('Serverless GPU for the runner: T4 (16 GB, cheaper) or A100 (80 GB).')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Runner image; empty until azd deploy has pushed one (azd sets SERVICE_RUNNER_IMAGE_NAME).')
param runnerImageName string = ''

@description('Seconds one runner execution may take before it is stopped (the job\'s replicaTimeout). The API gets it too (Stitching__Limits__ReplicaTimeoutSeconds): it sizes every job to half of it and refuses a sweep whose single model or stitch cannot fit.')
@minValue(600)
@maxValue(86400)
param replicaTimeoutSeconds int = 7200

@description('Messages one runner execution takes before it exits (worker --max-jobs); it also exits at the first empty receive and takes no new job once less than one job budget is left of replicaTimeoutSeconds. docs/platform.md, "Jobs per execution", says why 8.')
@minValue(1)
@maxValue(1000)
param runnerMaxJobs int = 8

@description('Times Container Apps retries a failed execution. 0: rely on Service Bus redelivery instead.')
@minValue(0)
@maxValue(10)
param replicaRetryLimit int = 0

@description('Most runner executions (GPUs) at once. A new subscription\'s serverless GPU quota is often one GPU; raise this after a quota increase.')
@minValue(1)
@maxValue(100)
param maxRunnerExecutions int = 1

@description('Deliveries of a job message before it is dead-lettered; the queue and the apps (Stitching__Queue__MaxDeliveries) both get it.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 5

@description('Seconds a received job stays locked between renewals; the queue and the apps (Stitching__Queue__LockDuration) both get it. Service Bus allows at most 5 minutes.')
@minValue(30)
@maxValue(300)
param queueLockSeconds int = 300

@description('Duplicate detection window of the job queue (ISO 8601); a re-submitted job id inside it is dropped.')
param duplicateDetectionWindow string = 'PT1H'

@description('How long a job may wait in the queue before it is dead-lettered (ISO 8601).')
param jobMessageTimeToLive string = 'P7D'

@description('Use Storage queues instead of Service Bus for jobs: the apps, the scale rule and the queue roles follow.')
param enableStorageQueueBackend bool = false

@description('Email told of failed runner executions (the alert fires in Azure Monitor either way); empty: no action group.')
param alertEmail string = ''

// ---------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var queueName = 'stitch-jobs'
var checkpointsContainerName = 'checkpoints'
var datasetsContainerName = 'datasets'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var tableNames = [
  'sweeps'
  'jobs'
  'results'
  'models'
  'analyses'
]

var gpuProfiles = {
  'Consumption-GPU-NC8as-T4': {
    profileName: 'gpu-t4'
    cpu: '8'
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    profileName: 'gpu-a100'
    cpu: '24'
    memory: '220Gi'
  }
}
// The (region, GPU profile) pairs Azure offers, from the same page as the location list above: T4 in every allowed
// location, A100 in three of them. A pair outside this map fails the deployment at once with a message that says
// what to change, instead of a late "workload profile not supported" from the Container Apps environment.
var gpuRegions = {
  'Consumption-GPU-NC8as-T4': [
    'australiaeast'
    'centralindia'
    'eastus'
    'francecentral'
    'northcentralus'
    'southcentralus'
    'southeastasia'
    'swedencentral'
    'westeurope'
    'westus2'
  ]
  'Consumption-GPU-NC24-A100': [
    'australiaeast'
    'eastus'
    'swedencentral'
  ]
}
var gpu = contains(gpuRegions[gpuProfileType], location)
  ? gpuProfiles[gpuProfileType]
  : fail('GPU profile ${gpuProfileType} (STITCHING_GPU_PROFILE) has no serverless GPUs in ${location} (AZURE_LOCATION); it is offered in: ${join(gpuRegions[gpuProfileType], ', ')}. Change one of the two with azd env set.')

// Public placeholder until azd deploy pushes the real image to the registry.
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart-jobs:latest'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles)
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataReader: '19e7f393-937e-4f77-808e-94535e297925'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    containerNames: [
      checkpointsContainerName
      datasetsContainerName
      deploymentContainerName
    ]
    tableNames: tableNames
    // The job queue and its dead-letter queue, so KEDA's azure-queue rule finds them before the API starts.
    queueNames: enableStorageQueueBackend ? [queueName, '${queueName}-poison'] : []
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    namespaceName: '${abbrs.serviceBusNamespaces}${resourceToken}'
    queueName: queueName
    maxDeliveryCount: maxDeliveryCount
    lockDuration: 'PT${queueLockSeconds}S'
    duplicateDetectionWindow: duplicateDetectionWindow
    messageTimeToLive: jobMessageTimeToLive
  }
}

module registry 'modules/registry.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.containerRegistryRegistries}${resourceToken}'
  }
}

// One identity per workload, plus one for the KEDA scaler so that the Data Owner role it needs
// to read queue counts is not held by code that processes jobs.
module apiIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  }
}

module runnerIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}runner-${resourceToken}'
  }
}

module scalerIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.managedIdentityUserAssignedIdentities}scaler-${resourceToken}'
  }
}

// --- Role assignments ------------------------------------------------------------------------
// Exactly the roles of src/Platform/Security/PlatformRoles.cs (what each component's code does), per identity;
// tests/Stitching.Reliability.Tests/RoleAssignmentTests.cs fails when they differ. The API identity also runs
// the timer function and the Functions host, so it holds their roles too. One module per role scope and queue
// backend, no conditional lists, so that the test can read them.

// API + timer + Functions host. Storage Blob Data Owner is what the Flex Consumption samples give the host
// (AzureWebJobsStorage keys and timer leases, the deployment package); it covers the API's own use of blobs
// (creating the checkpoints container), so Blob Data Contributor is not assigned as well.
module apiStorageRoles 'modules/roles/storage-roles.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: apiIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageBlobDataOwner
      roles.storageTableDataContributor
    ]
  }
}

// The API sends jobs, the timer re-sends them and reads the dead-letter subqueue.
module apiServiceBusRoles 'modules/roles/servicebus-roles.bicep' = if (!enableStorageQueueBackend) {
  scope: rg
  params: {
    namespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    principalId: apiIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.serviceBusDataSender
      roles.serviceBusDataReceiver
    ]
  }
}

module apiQueueRoles 'modules/roles/storage-roles.bicep' = if (enableStorageQueueBackend) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: apiIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageQueueDataContributor
    ]
  }
}

module apiMonitoringRoles 'modules/roles/monitoring-roles.bicep' = {
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: apiIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.monitoringMetricsPublisher
    ]
  }
}

// Runner: receives its job and sends the stitch jobs a finished model unlocks (OnModelDoneAsync). Its blob roles are
// on two containers, not the account: checkpoints read and written, datasets only read, and nothing on the
// deployment package or the Functions host's containers, which a runner never touches.
module runnerStorageRoles 'modules/roles/storage-roles.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageTableDataContributor
    ]
  }
}

module runnerCheckpointRoles 'modules/roles/blob-container-roles.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    containerName: checkpointsContainerName
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageBlobDataContributor
    ]
  }
}

module runnerDatasetRoles 'modules/roles/blob-container-roles.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    containerName: datasetsContainerName
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageBlobDataReader
    ]
  }
}

module runnerServiceBusRoles 'modules/roles/servicebus-roles.bicep' = if (!enableStorageQueueBackend) {
  scope: rg
  params: {
    namespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.serviceBusDataSender
      roles.serviceBusDataReceiver
    ]
  }
}

// Renewing and abandoning change a message's visibility, which Message Processor does not allow.
module runnerQueueRoles 'modules/roles/storage-roles.bicep' = if (enableStorageQueueBackend) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageQueueDataContributor
    ]
  }
}

module runnerRegistryRoles 'modules/roles/registry-roles.bicep' = {
  scope: rg
  params: {
    registryName: registry.outputs.name
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.acrPull
    ]
  }
}

module runnerMonitoringRoles 'modules/roles/monitoring-roles.bicep' = {
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: runnerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.monitoringMetricsPublisher
    ]
  }
}

// Scaler: KEDA's azure-servicebus scaler reads the queue's message count through the management
// (Manage claim) API, which only Data Owner grants; scoped to the one queue, and the identity is not
// available to the container (identitySettings lifecycle None in runner-job.bicep).
module scalerServiceBusRoles 'modules/roles/servicebus-roles.bicep' = if (!enableStorageQueueBackend) {
  scope: rg
  params: {
    namespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    principalId: scalerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.serviceBusDataOwner
    ]
  }
}

// KEDA's azure-queue scaler peeks the queue's length.
module scalerQueueRoles 'modules/roles/storage-roles.bicep' = if (enableStorageQueueBackend) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: scalerIdentity.outputs.principalId
    roleDefinitionIds: [
      roles.storageQueueDataReader
    ]
  }
}

// Deployer: `datasets upload` (the azd postprovision hook) writes the datasets container, and only it.
module deployerDatasetRoles 'modules/roles/blob-container-roles.bicep' = if (!empty(principalId)) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    containerName: datasetsContainerName
    principalId: principalId
    principalType: principalType
    roleDefinitionIds: [
      roles.storageBlobDataContributor
    ]
  }
}

// --- Deployer debugging access (optional, off by default; not part of the role table) ----------

var grantDeployer = !empty(principalId) && grantDeployerDataAccess

module deployerStorageRoles 'modules/roles/storage-roles.bicep' = if (grantDeployer) {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: principalId
    principalType: principalType
    roleDefinitionIds: [
      roles.storageBlobDataContributor
      roles.storageTableDataContributor
      roles.storageQueueDataContributor
    ]
  }
}

module deployerServiceBusRoles 'modules/roles/servicebus-roles.bicep' = if (grantDeployer) {
  scope: rg
  params: {
    namespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    principalId: principalId
    principalType: principalType
    roleDefinitionIds: [
      roles.serviceBusDataOwner
    ]
  }
}

// --- Compute ---------------------------------------------------------------------------------

var stitchingSettings = {
  Stitching__Storage__BlobServiceUri: storage.outputs.blobServiceUri
  Stitching__Storage__TableServiceUri: storage.outputs.tableServiceUri
  Stitching__Storage__QueueServiceUri: storage.outputs.queueServiceUri
  Stitching__Queue__Backend: enableStorageQueueBackend ? 'storage' : 'servicebus'
  Stitching__Queue__ServiceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
  Stitching__Queue__QueueName: serviceBus.outputs.queueName
  // The same parameters as the queue itself, so the apps' lock renewal and delivery count match it.
  // TimeSpan format (hh:mm:ss), which .NET configuration binds; the queue gets the ISO 8601 form.
  Stitching__Queue__LockDuration: '00:${padLeft(string(queueLockSeconds / 60), 2, '0')}:${padLeft(string(queueLockSeconds % 60), 2, '0')}'
  Stitching__Queue__MaxDeliveries: string(maxDeliveryCount)
  // The runner job's replicaTimeout, from the same parameter: the API sizes every job to fit it (JobFit) and a runner in
  // job mode takes no job that could outlive it (WorkerService).
  Stitching__Limits__ReplicaTimeoutSeconds: string(replicaTimeoutSeconds)
}

module api 'modules/functionapp.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    appTags: union(tags, { 'azd-service-name': 'api' })
    planName: '${abbrs.webServerFarms}${resourceToken}'
    name: '${abbrs.webSitesFunctions}api-${resourceToken}'
    identityId: apiIdentity.outputs.id
    identityClientId: apiIdentity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    // Submission limits count GPU hours on the GPU profile deployed here (SweepLimitOptions.DeviceClass).
    appSettings: union(stitchingSettings, { Stitching__Limits__DeviceClass: gpuProfileType })
  }
  // The host reads its storage with these roles as soon as the app starts.
  dependsOn: [
    apiStorageRoles
  ]
}

module containerAppsEnvironment 'modules/containerapps-env.bicep' = {
  scope: rg
  params: {
    location: location
    tags: tags
    name: '${abbrs.appManagedEnvironments}${resourceToken}'
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    gpuProfileType: gpuProfileType
    gpuProfileName: gpu.profileName
  }
}

module runner 'modules/runner-job.bicep' = {
  scope: rg
  params: {
    location: location
    tags: union(tags, { 'azd-service-name': 'runner' })
    name: '${abbrs.appContainerAppsJobs}runner-${resourceToken}'
    environmentId: containerAppsEnvironment.outputs.id
    workloadProfileName: containerAppsEnvironment.outputs.gpuProfileName
    image: empty(runnerImageName) ? placeholderImage : runnerImageName
    registryLoginServer: registry.outputs.loginServer
    runnerIdentityId: runnerIdentity.outputs.id
    scalerIdentityId: scalerIdentity.outputs.id
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    storageQueueAccountName: enableStorageQueueBackend ? storage.outputs.name : ''
    cpu: gpu.cpu
    memory: gpu.memory
    replicaTimeout: replicaTimeoutSeconds
    replicaRetryLimit: replicaRetryLimit
    maxJobs: runnerMaxJobs
    maxExecutions: maxRunnerExecutions
    env: concat(
      map(items(stitchingSettings), setting => { name: setting.key, value: setting.value }),
      [
        { name: 'AZURE_CLIENT_ID', value: runnerIdentity.outputs.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.applicationInsightsConnectionString }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${runnerIdentity.outputs.clientId};Authorization=AAD'
        }
      ]
    )
  }
  // Pulling the image and scaling on the queue both need their roles in place first.
  dependsOn: [
    runnerRegistryRoles
    scalerServiceBusRoles
    scalerQueueRoles
  ]
}

// Failed executions (a runner that cannot start exits with 4, a failed job with 1) raise an Azure Monitor alert.
module runnerAlert 'modules/runner-alert.bicep' = {
  scope: rg
  params: {
    tags: tags
    name: 'alert-runner-failed-${resourceToken}'
    jobId: runner.outputs.id
    alertEmail: alertEmail
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs (azd writes these into .azure/<env>/.env)
// ---------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = containerAppsEnvironment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name

output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output SERVICE_RUNNER_NAME string = runner.outputs.name

output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output STITCHING_STORAGE_BLOB_SERVICE_URI string = storage.outputs.blobServiceUri
output STITCHING_STORAGE_TABLE_SERVICE_URI string = storage.outputs.tableServiceUri
output STITCHING_STORAGE_QUEUE_SERVICE_URI string = storage.outputs.queueServiceUri
output STITCHING_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output STITCHING_QUEUE_NAME string = serviceBus.outputs.queueName
output STITCHING_GPU_PROFILE string = gpuProfileType

output AZURE_API_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output AZURE_RUNNER_IDENTITY_CLIENT_ID string = runnerIdentity.outputs.clientId
