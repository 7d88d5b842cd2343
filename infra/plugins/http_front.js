'use strict';
// The front door of the HTTP functions (every function with `url:` in serverless.yml), chosen per stage by
// custom.httpFront.front (stage param httpFront):
//   function_url  each function its own Lambda function URL (what serverless.yml says; nothing changes here);
//   http_api      one API Gateway HTTP API instead: routes `ANY /<function>` and `ANY /<function>/{proxy+}`
//                 (the paths of the local gateway, local/gateway.py) to the function with payload format 2.0,
//                 the `$default` stage with throttling per route and JSON access logs to CloudWatch Logs, the
//                 API's CORS from custom.httpFront.corsOrigins, and (when a domain is given) a custom domain
//                 with its ACM certificate and an API mapping under the base path. The function URLs are left
//                 out. The functions take the HTTP API event as is: diancan.front_door strips the route
//                 prefix and the base path (DIANCAN_HTTP_BASE_PATH), and the console is served under
//                 <base path>/admin (DIANCAN_CONSOLE_BASE_PATH).
// docs/operations.md ("The front door") says how to choose and what to register with WeChat.

const FRONTS = ['function_url', 'http_api'];
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId', ip: '$context.identity.sourceIp', requestTime: '$context.requestTime',
  method: '$context.httpMethod', routeKey: '$context.routeKey', path: '$context.path', status: '$context.status',
  protocol: '$context.protocol', responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency', integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage', domain: '$context.domainName',
});

const throttle = (limits) => ({ ThrottlingBurstLimit: Number(limits.burst), ThrottlingRateLimit: Number(limits.rate) });
const partitionArn = (...parts) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...parts]] });

class HttpFrontPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      properties: { httpFront: { type: 'object' } },
    });
    this.hooks = {
      'before:package:initialize': () => this.config(),  // a wrong setting fails before anything is built
      'before:package:compileFunctions': () => this.prepareFunctions(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addHttpApi(),
    };
  }

  config() {
    const config = this.serverless.service.custom.httpFront || {};
    if (!FRONTS.includes(config.front)) {
      throw new Error(`custom.httpFront.front (stage param httpFront) is "${config.front}": one of ${FRONTS.join(', ')}`);
    }
    const basePath = String(config.basePath || '').replace(/^\/+|\/+$/g, '');
    if (Boolean(config.domain) !== Boolean(config.certificateArn)) {
      throw new Error('httpDomain and httpCertificateArn go together: a custom domain needs its ACM certificate');
    }
    if (basePath && !config.domain) {
      throw new Error('httpBasePath is the API mapping key of the custom domain: set httpDomain too');
    }
    return { ...config, basePath };
  }

  prepareFunctions() {
    const config = this.config();
    if (config.front !== 'http_api') return;
    const service = this.serverless.service;
    this.routedNames = new Set(service.getAllFunctions().filter((name) => service.getFunction(name).url));
    const base = config.basePath ? `/${config.basePath}` : '';
    for (const name of this.routedNames) {
      const fn = service.getFunction(name);
      delete fn.url;  // no function URL: the HTTP API is the only door
      fn.environment = { ...(fn.environment || {}), DIANCAN_HTTP_BASE_PATH: base };
      if (name === 'admin') fn.environment.DIANCAN_CONSOLE_BASE_PATH = `${base}/admin`;
    }
  }

  addHttpApi() {
    const config = this.config();
    if (config.front !== 'http_api') return;
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    const naming = provider.naming;
    const template = service.provider.compiledCloudFormationTemplate;
    const resources = template.Resources;
    const outputs = (template.Outputs = template.Outputs || {});
    const stackName = `${service.service}-${provider.getStage()}`;
    const origins = [].concat(config.corsOrigins || []);
    const routeThrottle = config.routeThrottle || {};

    resources.HttpApi = { Type: 'AWS::ApiGatewayV2::Api', Properties: {
      Name: stackName, ProtocolType: 'HTTP',
      Description: `${stackName}: one route prefix per HTTP function (infra/plugins/http_front.js)`,
      DisableExecuteApiEndpoint: Boolean(config.domain),  // with a domain, the only way in is the filed domain
      CorsConfiguration: {  // the mini-program ignores CORS; a browser page on another origin needs it
        AllowOrigins: origins, AllowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        AllowMethods: ['*'], MaxAge: 600,
      },
    } };
    resources.HttpApiAccessLogGroup = { Type: 'AWS::Logs::LogGroup', Properties: {
      LogGroupName: `/aws/http-api/${stackName}`, RetentionInDays: Number(config.logRetentionDays),
    } };
    const routeSettings = {};
    for (const name of this.routedNames) {  // set by prepareFunctions, which took their `url` away
      const fnId = naming.getLambdaLogicalId(name);
      const base = naming.getNormalizedFunctionName(name);
      const integration = `${base}HttpApiIntegration`;
      resources[integration] = { Type: 'AWS::ApiGatewayV2::Integration', Properties: {
        ApiId: { Ref: 'HttpApi' }, IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnId, 'Arn'] }, TimeoutInMillis: 30000,
      } };
      for (const [suffix, routeKey] of [['Root', `ANY /${name}`], ['Proxy', `ANY /${name}/{proxy+}`]]) {
        resources[`${base}HttpApiRoute${suffix}`] = { Type: 'AWS::ApiGatewayV2::Route', Properties: {
          ApiId: { Ref: 'HttpApi' }, RouteKey: routeKey, Target: { 'Fn::Join': ['/', ['integrations', { Ref: integration }]] },
        } };
        routeSettings[routeKey] = throttle({ ...config.throttle, ...(routeThrottle[name] || {}) });
      }
      resources[`${base}HttpApiPermission`] = { Type: 'AWS::Lambda::Permission', Properties: {
        Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: partitionArn(':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':',
          { Ref: 'HttpApi' }, '/*'),
      } };
    }
    resources.HttpApiStage = { Type: 'AWS::ApiGatewayV2::Stage',
      DependsOn: Object.keys(resources).filter((id) => resources[id].Type === 'AWS::ApiGatewayV2::Route'),
      Properties: {
        ApiId: { Ref: 'HttpApi' }, StageName: '$default', AutoDeploy: true,
        DefaultRouteSettings: throttle(config.throttle), RouteSettings: routeSettings,
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': ['HttpApiAccessLogGroup', 'Arn'] }, Format: ACCESS_LOG_FORMAT },
      } };
    outputs.HttpApiEndpoint = { Description: 'the API\'s own endpoint (disabled when a custom domain is set)',
      Value: { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] } };
    if (!config.domain) return;
    resources.HttpApiDomainName = { Type: 'AWS::ApiGatewayV2::DomainName', Properties: {
      DomainName: config.domain,
      DomainNameConfigurations: [{ CertificateArn: config.certificateArn, EndpointType: 'REGIONAL',
        SecurityPolicy: 'TLS_1_2' }],
    } };
    resources.HttpApiMapping = { Type: 'AWS::ApiGatewayV2::ApiMapping', DependsOn: ['HttpApiStage'], Properties: {
      ApiId: { Ref: 'HttpApi' }, DomainName: { Ref: 'HttpApiDomainName' }, Stage: '$default',
      ...(config.basePath ? { ApiMappingKey: config.basePath } : {}),
    } };
    outputs.HttpApiBaseUrl = { Description: 'the base URL of every HTTP function: <this>/<function>/...',
      Value: `https://${config.domain}${config.basePath ? `/${config.basePath}` : ''}` };
    outputs.HttpApiDomainTarget = { Description: 'point the domain\'s DNS (CNAME) here',
      Value: { 'Fn::GetAtt': ['HttpApiDomainName', 'RegionalDomainName'] } };
  }
}

module.exports = HttpFrontPlugin;
