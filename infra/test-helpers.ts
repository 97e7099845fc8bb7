import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './app.js';
import type { DeployStage } from './config/stages.js';
import type { RiskGateStage } from './stage.js';

/**
 * Synthesises the whole app once per test worker and hands out stages, templates and cdk-nag
 * findings for assertions. Bundling (esbuild, every function of every stage) is most of the
 * time: a file that asserts on templates only passes `bundle: false`, and CDK stages a
 * placeholder asset instead, so only the test that inspects bundles pays for them.
 */
export function synthApp(context: Record<string, string> = {}, options: { bundle?: boolean | DeployStage } = {}): App {
  // The infra test project shares modules between its files (vitest `isolate: false`), so
  // files asking for the same synthesis get the one already built instead of paying ~30 s
  // each. Tests only read the synthesised app; none may mutate it.
  const key = JSON.stringify([context, options.bundle ?? true]);
  const cached = synthesised.get(key);
  if (cached) return cached;
  const app = synthesise(context, options.bundle ?? true);
  synthesised.set(key, app);
  return app;
}

const synthesised = new Map<string, App>();

function synthesise(context: Record<string, string>, bundle: boolean | DeployStage): App {
  // Stack paths are `risk-gate-<stage>/<Stack>`; a stage name bundles only that stage's stacks.
  const bundlingStacks = bundle === true ? ['**'] : bundle === false ? [] : [`risk-gate-${bundle}/**`];
  const app = new App({
    context: { account: '123456789012', buildVersion: 'test', ...context, 'aws:cdk:bundling-stacks': bundlingStacks },
  });
  buildApp(app);
  app.synth();
  return app;
}

export function stageOf(app: App, stage: DeployStage): RiskGateStage {
  return app.node.findChild(`risk-gate-${stage}`) as RiskGateStage;
}

export function stacksOf(app: App): Stack[] {
  return app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Unsuppressed cdk-nag findings (errors and warnings) of one stack, as "path: message". */
export function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`,
  );
}
