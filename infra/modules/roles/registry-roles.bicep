// Role assignments on one container registry for one principal.

@description('Name of the container registry in this resource group.')
param registryName string

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

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleDefinitionIds: {
    scope: registry
    name: guid(registry.id, principalId, roleId)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]
