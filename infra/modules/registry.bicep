// Container registry for the runner image. No admin user and no anonymous pull: the runner job
// pulls with its managed identity (AcrPull) and azd builds remotely with the deployer's rights.

@description('Location for the registry.')
param location string

@description('Tags applied to the registry.')
param tags object

@description('Name of the registry (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Registry tier; Basic is enough for one image pulled by one job.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Basic'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
