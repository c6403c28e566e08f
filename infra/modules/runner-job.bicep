// GPU runner: an event-triggered Container Apps job. KEDA polls the Service Bus queue and starts
// one execution per waiting message; each execution runs `worker --max-jobs N`, takes up to N jobs one
// after the other and exits at the first empty receive, so a GPU is only billed while jobs run and a
// cold start (image pull, GPU allocation) is paid once for up to N jobs.

@description('Location for the job.')
param location string

@description('Tags applied to the job (include azd-service-name).')
param tags object

@description('Name of the job (2-32 lowercase letters, digits and dashes).')
@minLength(2)
@maxLength(32)
param name string

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Workload profile (in that environment) the job runs on.')
param workloadProfileName string

@description('Image to run; azd deploy replaces it with the image it built.')
param image string

@description('Login server of the registry the image is pulled from.')
param registryLoginServer string

@description('Resource id of the identity the container runs as (data access and AcrPull).')
param runnerIdentityId string

@description('Resource id of the identity KEDA uses to read the queue length.')
param scalerIdentityId string

@description('Service Bus namespace name (without the domain) for the KEDA scaler.')
param serviceBusNamespaceName string

@description('Queue the scaler watches.')
param queueName string

@description('Storage account of the job queue when the Storage-queue backend is used; empty for Service Bus.')
param storageQueueAccountName string = ''

@description('vCPUs per replica; must fit the GPU profile.')
param cpu string

@description('Memory per replica, e.g. 56Gi; must fit the GPU profile.')
param memory string

@description('Seconds an execution may run before it is killed; above the longest stitch.')
@minValue(60)
param replicaTimeout int

@description('Messages one execution takes before it exits (worker --max-jobs).')
@minValue(1)
param maxJobs int

@description('Retries of a failed execution by Container Apps (Service Bus redelivery is separate).')
@minValue(0)
@maxValue(10)
param replicaRetryLimit int

@description('Most executions running at once (GPU quota and budget bound this).')
@minValue(1)
@maxValue(100)
param maxExecutions int

@description('Seconds between KEDA polls of the queue.')
@minValue(10)
param pollingInterval int = 30

@description('Environment variables for the container: array of { name, value }.')
param env array

// One KEDA rule: on the Service Bus queue, or on the Storage queue with the Storage-queue backend.
var scaleRule = empty(storageQueueAccountName)
  ? {
      name: 'stitch-jobs-queue'
      type: 'azure-servicebus'
      metadata: {
        queueName: queueName
        namespace: serviceBusNamespaceName
        messageCount: '1'
      }
      // KEDA authenticates with this managed identity instead of a connection string.
      identity: scalerIdentityId
    }
  : {
      name: 'stitch-jobs-queue'
      type: 'azure-queue'
      metadata: {
        accountName: storageQueueAccountName
        queueName: queueName
        queueLength: '1'
        // Visible messages only: a deferred copy waits invisible (a delayed send) and would otherwise start an execution
        // that finds nothing. KEDA falls back to counting all at 32 or more (keda.sh/docs/scalers/azure-storage-queue).
        // Service Bus needs no such option: its scaler counts active messages, and a deferred copy is scheduled, not active.
        queueLengthStrategy: 'visibleonly'
      }
      identity: scalerIdentityId
    }

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${runnerIdentityId}': {}
      '${scalerIdentityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      triggerType: 'Event'
      // The scaler's identity (Service Bus Data Owner on the queue) is for KEDA only: lifecycle None keeps it
      // out of the container, whose code could otherwise ask for its token. The runner's identity stays
      // available to the container (the default, All).
      identitySettings: [
        {
          identity: scalerIdentityId
          lifecycle: 'None'
        }
      ]
      replicaTimeout: replicaTimeout
      replicaRetryLimit: replicaRetryLimit
      registries: [
        {
          server: registryLoginServer
          identity: runnerIdentityId
        }
      ]
      eventTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
        scale: {
          minExecutions: 0
          maxExecutions: maxExecutions
          pollingInterval: pollingInterval
          rules: [
            scaleRule
          ]
        }
      }
    }
    template: {
      containers: [
        {
          name: 'runner'
          image: image
          // Appended to the image's ENTRYPOINT (dotnet Stitching.GpuRunner.dll): up to maxJobs jobs per execution, and
          // on the GPU or not at all (a runner without CUDA fails at start instead of training on the CPU).
          args: [
            'worker'
            '--max-jobs'
            string(maxJobs)
            '--device'
            'cuda'
          ]
          env: env
          resources: {
            cpu: json(cpu)
            memory: memory
          }
        }
      ]
    }
  }
}

output name string = job.name
output id string = job.id
