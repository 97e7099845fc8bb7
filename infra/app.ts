import { App } from 'aws-cdk-lib';
import { gitBuildVersion } from './build-version.js';
import { DEPLOY_STAGES, stageConfig } from './config/stages.js';
import { RiskGateStage } from './stage.js';

/**
 * The CDK app: one Stage per environment from one typed config. `-c stage=prod` builds
 * only that stage (what `cdk deploy` uses); with no stage every stage is synthesised, which
 * is what `npm run synth` and the tests do. BUILD_VERSION is `-c buildVersion` or, by
 * default, the git revision (infra/build-version.ts), so no deploy goes out unstamped.
 */
export function buildApp(app: App = new App()): App {
  const only = app.node.tryGetContext('stage') as string | undefined;
  const account = (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
  const buildVersion = (app.node.tryGetContext('buildVersion') as string | undefined) ?? gitBuildVersion();
  for (const stage of only ? [only] : DEPLOY_STAGES) {
    const config = stageConfig(stage);
    new RiskGateStage(app, `risk-gate-${config.stage}`, {
      stageConfig: config,
      buildVersion,
      env: { account, region: config.region },
    });
  }
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().synth();
}
