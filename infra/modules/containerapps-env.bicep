// Container Apps environment with workload profiles: the default Consumption profile plus one
// serverless GPU profile. Serverless GPUs scale to zero, bill per second of use, need a GPU
// quota on the subscription and exist only in some regions.

@description('Location for the environment.')
param location string

@description('Tags applied to the environment.')
param tags object

@description('Name of the environment.')
param name string

@description('Name of the Log Analytics workspace that receives container logs.')
param logAnalyticsName string

@description('Serverless GPU workload profile type.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string

@description('Name given to the GPU workload profile inside the environment.')
param gpuProfileName string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuProfileName
        workloadProfileType: gpuProfileType
      }
    ]
    zoneRedundant: false
  }
}

output id string = environment.id
output name string = environment.name
output gpuProfileName string = gpuProfileName
