'use strict';
// `serverless package` asks CloudFormation for the deployed stack's layer hashes (to reuse an unchanged
// layer). With no AWS credentials (CI, a laptop) that request fails and so would packaging. For the
// `package` command only, "no credentials" is answered as "no stack deployed yet": every layer is packaged.
// A deploy, or a package run with credentials, is unchanged.

class OfflinePackagePlugin {
  constructor(serverless) {
    const provider = serverless.getProvider('aws');
    const [command] = serverless.processedInput.commands;
    if (command !== 'package') return;
    const request = provider.request.bind(provider);
    provider.request = async (service, method, params, options) => {
      try {
        return await request(service, method, params, options);
      } catch (error) {
        if (service === 'CloudFormation' && method === 'describeStacks'
            && error.code === 'AWS_CREDENTIALS_NOT_FOUND') {
          throw new Error(`Stack ${params.StackName} does not exist (no AWS credentials: packaging offline)`);
        }
        throw error;
      }
    };
  }
}

module.exports = OfflinePackagePlugin;
