'use strict';
// Writes the CloudWatch alarms described by custom.alarms (infra/alarms.yml) into the compiled template:
// error rate and throttles for every function, not-empty for every dead-letter queue, p99 latency for the
// functions listed. It runs after the resources of infra/*.yml are merged, so it sees every queue.

const lambda = (name, logicalId) => ({ Namespace: 'AWS/Lambda', MetricName: name,
  Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }] });

class AlarmsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { alarms: { type: 'object' } },
    });
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addAlarms(),
    };
  }

  addAlarms() {
    const service = this.serverless.service;
    const config = service.custom.alarms;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const prefix = `${service.service}-${this.serverless.getProvider('aws').getStage()}`;
    const notify = { AlarmActions: [{ Ref: config.topic }], OKActions: [{ Ref: config.topic }],
      TreatMissingData: 'notBreaching' };
    const alarm = (properties) => ({ Type: 'AWS::CloudWatch::Alarm', Properties: { ...notify, ...properties } });

    for (const name of service.getAllFunctions()) {
      const id = naming.getLambdaLogicalId(name);
      const base = naming.getNormalizedFunctionName(name);
      const rate = config.functionErrorRate;
      resources[`${base}ErrorRateAlarm`] = alarm({
        AlarmName: `${prefix}-${name}-error-rate`,
        AlarmDescription: `${name}: more than ${rate.percent}% of invocations failed`,
        ComparisonOperator: 'GreaterThanThreshold', Threshold: rate.percent,
        EvaluationPeriods: rate.evaluationPeriods,
        Metrics: [
          { Id: 'errors', ReturnData: false,
            MetricStat: { Metric: lambda('Errors', id), Period: rate.periodSeconds, Stat: 'Sum' } },
          { Id: 'invocations', ReturnData: false,
            MetricStat: { Metric: lambda('Invocations', id), Period: rate.periodSeconds, Stat: 'Sum' } },
          { Id: 'rate', ReturnData: true, Label: 'error rate (%)',
            Expression: `IF(invocations >= ${rate.minInvocations}, 100 * errors / invocations, 0)` },
        ],
      });
      const throttles = config.functionThrottles;
      resources[`${base}ThrottlesAlarm`] = alarm({
        AlarmName: `${prefix}-${name}-throttles`,
        AlarmDescription: `${name}: invocations throttled (concurrency limit reached)`,
        ...lambda('Throttles', id), Statistic: 'Sum', Period: throttles.periodSeconds, EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold', Threshold: throttles.threshold,
      });
    }

    for (const [name, ms] of Object.entries(config.latencyP99Ms || {})) {
      if (!service.getAllFunctions().includes(name)) continue;  // listed ahead of the function being added
      const latency = config.latency;
      resources[`${naming.getNormalizedFunctionName(name)}LatencyP99Alarm`] = alarm({
        AlarmName: `${prefix}-${name}-p99-latency`,
        AlarmDescription: `${name}: p99 duration above ${ms} ms`,
        ...lambda('Duration', naming.getLambdaLogicalId(name)), ExtendedStatistic: 'p99',
        Period: latency.periodSeconds, EvaluationPeriods: latency.evaluationPeriods,
        DatapointsToAlarm: latency.datapointsToAlarm, ComparisonOperator: 'GreaterThanThreshold', Threshold: ms,
      });
    }

    // Business metrics (Powertools: namespace diancan, dimension service = the function) that need someone now.
    for (const [metric, settings] of Object.entries(config.metricAlarms || {})) {
      for (const name of settings.services.filter((f) => service.getAllFunctions().includes(f))) {
        resources[`${naming.getNormalizedFunctionName(name)}${metric}Alarm`] = alarm({
          AlarmName: `${prefix}-${name}-${metric}`,
          AlarmDescription: `${name}: ${settings.description}`,
          Namespace: 'diancan', MetricName: metric, Dimensions: [{ Name: 'service', Value: name }],
          Statistic: 'Sum', Period: settings.periodSeconds, EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold', Threshold: settings.threshold,
        });
      }
    }

    // Who is told: e-mail addresses and phone numbers (SMS) of the stage, from params alertEmails / alertPhones.
    for (const [protocol, endpoints] of [['email', config.emails || []], ['sms', config.phones || []]]) {
      endpoints.filter(Boolean).forEach((endpoint, index) => {
        resources[`AlertTopic${protocol === 'email' ? 'Email' : 'Sms'}Subscription${index + 1}`] = {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: { Ref: config.topic }, Protocol: protocol, Endpoint: endpoint },
        };
      });
    }

    const deadLetterQueues = new Set(Object.values(resources)
      .filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties && r.Properties.RedrivePolicy)
      .map((r) => r.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]));
    for (const dlq of deadLetterQueues) {
      const settings = config.deadLetterQueue;
      resources[`${dlq}NotEmptyAlarm`] = alarm({
        AlarmName: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [dlq, 'QueueName'] }, '-not-empty']] },
        AlarmDescription: `${dlq} holds messages a consumer gave up on: read, fix, re-drive (docs/operations.md)`,
        Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Statistic: 'Maximum', Period: settings.periodSeconds, EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold', Threshold: settings.threshold,
      });
    }
  }
}

module.exports = AlarmsPlugin;
