// Data-plane role assignments on one Service Bus queue (not the namespace) for one principal.

@description('Name of the Service Bus namespace in this resource group.')
param namespaceName string

@description('Name of the queue the roles are scoped to.')
param queueName string

@description('Object id of the principal that receives the roles.')
param principalId string

@description('Kind of principal: ServicePrincipal for managed identities, User or Group for people.')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string = 'ServicePrincipal'

@description('Built-in role definition GUIDs to assign.')
param roleDefinitionIds array

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: namespaceName
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: namespace
  name: queueName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleDefinitionIds: {
    scope: queue
    name: guid(queue.id, principalId, roleId)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]
