// Role assignments on one Application Insights component for one principal.

@description('Name of the Application Insights component in this resource group.')
param applicationInsightsName string

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

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in roleDefinitionIds: {
    scope: applicationInsights
    name: guid(applicationInsights.id, principalId, roleId)
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]
