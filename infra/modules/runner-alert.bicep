// Alert on failed runner executions. Every failed execution is worth a look: a job that failed in code is retried
// and then dead-lettered with its reason (visible in the sweep's status), but an execution that fails before any job
// (exit code 4: no CUDA, libtorch that does not load, a wrong image) fails on every message, so nothing runs at all.
// An image that cannot be pulled never starts a process and shows as a failed execution too.

@description('Tags applied to the alert and the action group.')
param tags object

@description('Name of the metric alert.')
param name string

@description('Resource id of the runner Container Apps job.')
param jobId string

@description('Email address told of failed executions; empty: the alert fires in Azure Monitor with no action group.')
param alertEmail string = ''

@description('Failed executions within the window that fire the alert.')
@minValue(1)
param failedExecutions int = 1

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${name}-ag'
  location: 'global'
  tags: tags
  properties: {
    // An action group's short name holds at most 12 characters.
    groupShortName: 'stitching'
    enabled: true
    emailReceivers: [
      {
        name: 'runner-failures'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    description: 'Runner executions failed. Exit code 4 in the execution\'s console log (ContainerAppConsoleLogs) means the runner could not start: no CUDA for --device cuda or libtorch not loadable (check the image and the GPU workload profile); then no job runs. Exit code 1 means a job failed (retried, then dead-lettered with its reason in the sweep status). See the README, Reliability.'
    severity: 2
    enabled: true
    scopes: [
      jobId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    targetResourceType: 'Microsoft.App/jobs'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'failed-executions'
          metricNamespace: 'Microsoft.App/jobs'
          metricName: 'Executions'
          dimensions: [
            {
              name: 'state'
              operator: 'Include'
              values: [
                'Failed'
              ]
            }
          ]
          operator: 'GreaterThanOrEqual'
          threshold: failedExecutions
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: empty(alertEmail) ? [] : [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output alertId string = alert.id
