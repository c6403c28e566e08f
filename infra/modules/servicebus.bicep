// Service Bus namespace and the job queue. Standard tier is the cheapest with duplicate detection.
// Local (SAS) auth is disabled: senders and receivers use Entra ID roles scoped to the queue.

@description('Location for the resources.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Service Bus namespace.')
param namespaceName string

@description('Name of the job queue.')
param queueName string

@description('Deliveries before a message is dead-lettered; a poisoned stitch should not burn GPU hours forever.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int

@description('How long a received message stays locked between renewals (ISO 8601 duration, 5 minutes at most); the apps get the same value.')
param lockDuration string

@description('Window in which a re-sent message with the same MessageId is dropped (ISO 8601 duration).')
param duplicateDetectionWindow string

@description('Time a job may wait in the queue before it is dead-lettered (ISO 8601 duration).')
param messageTimeToLive string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // The runner renews the lock every third of it while a stitch trains (Stitching__Queue__LockDuration).
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: messageTimeToLive
    requiresSession: false
    enablePartitioning: false
    maxSizeInMegabytes: 1024
  }
}

output namespaceName string = namespace.name
output queueName string = queue.name
// serviceBusEndpoint is 'https://<name>.servicebus.windows.net:443/'; clients want the bare host.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
