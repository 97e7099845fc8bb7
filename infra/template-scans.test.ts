import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Stage } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_STAGES } from './config/stages.js';
import { stacksOf, synthApp } from './test-helpers.js';

/**
 * cfn-lint (every property against the current CloudFormation and service specs) and checkov
 * (insecure settings) over the synthesised templates of every stage. A finding fails the test
 * unless it is acknowledged on its resource with a reason (infra/scan-acknowledgements.ts) or
 * its rule is switched off, with a reason, in .cfnlintrc.yaml. The counts per tool and stage
 * are printed to the test output.
 *
 * The tools run as async child processes (a synchronous exec can deadlock a vitest worker),
 * both at once, each over all templates in one process: most of their time is start-up.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
type Tool = 'cfn-lint' | 'checkov';
const CANARY = 'canary';

/** The venv scripts/template-scanners.sh installs a tool into, from the same pin file. */
function scannerBinary(tool: Tool): string {
  const pins = readFileSync(path.join(ROOT, 'infra/template-scanners.txt'), 'utf8');
  const version = new RegExp(`^${tool}==([0-9.]+)$`, 'm').exec(pins)?.[1];
  if (!version) throw new Error(`infra/template-scanners.txt has no ${tool}==<version> pin`);
  const cache = process.env.RISK_GATE_CACHE ?? path.join(os.homedir(), '.cache', 'risk-gate');
  const binary = path.join(cache, `${tool}-${version}`, 'bin', tool);
  if (!existsSync(binary)) {
    throw new Error(`${tool} ${version} is not installed at ${binary}: run \`bash scripts/services.sh up\``);
  }
  return binary;
}

/** Runs a scanner; a non-zero exit with output is its way of reporting findings. */
async function run(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(binary, args, { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    if (failed.stdout?.trim()) return failed.stdout;
    throw new Error(`${path.basename(binary)} exited ${failed.code}: ${failed.stderr ?? String(error)}`);
  }
}

interface CfnLintMatch {
  Rule: { Id: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Location: { Path?: (string | number)[] };
}
interface Resource {
  Type?: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}
interface CheckovResult {
  check_id: string;
  check_name: string;
  file_path: string;
  resource: string;
}
interface CheckovReport {
  results: { passed_checks: CheckovResult[]; failed_checks: CheckovResult[]; skipped_checks: CheckovResult[] };
}

/** Which stage a template belongs to (files are named `<stage>-<stack>.template.json`). */
const stageOfFile = (file: string) => path.basename(file).split('-')[0] ?? '';

/**
 * Known-bad template scanned alongside the stages: it proves each tool runs and that its
 * findings are read (an unencrypted queue; an Aurora engine version AWS no longer allows).
 */
const canaryTemplate = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } },
    Cluster: {
      Type: 'AWS::RDS::DBCluster',
      Properties: { Engine: 'aurora-postgresql', EngineVersion: '16.6', StorageEncrypted: true },
    },
  },
};

describe('Template scans: cfn-lint and checkov over every stage', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'risk-gate-scans-'));
  const templates: Record<string, { Resources?: Record<string, Resource> }> = {};
  let lint: CfnLintMatch[] = [];
  const checkov: CheckovReport['results'] = { passed_checks: [], failed_checks: [], skipped_checks: [] };

  // A missing tool or a failed synth fails every test with its message (a throwing hook
  // would report the tests as skipped).
  let setupError: unknown;
  const scanned = () => {
    if (setupError) throw setupError;
  };

  beforeAll(async () => {
    try {
      await scanAll();
    } catch (error) {
      setupError = error;
    }
  }, 600_000);

  async function scanAll(): Promise<void> {
    // Prepare: resolve both tools first, so a missing one fails before a 30 s synth.
    const binaries = { cfnLint: scannerBinary('cfn-lint'), checkov: scannerBinary('checkov') };
    const app = synthApp({}, { bundle: false });
    for (const stack of stacksOf(app)) {
      const [stageId, stackId] = stack.node.path.split('/');
      const stage = stageId?.replace(/^risk-gate-/, '');
      const assembly = Stage.of(stack)?.synth();
      if (!stage || !stackId || !assembly) throw new Error(`unexpected stack path ${stack.node.path}`);
      const file = path.join(dir, `${stage}-${stackId}.template.json`);
      templates[file] = assembly.getStackArtifact(stack.artifactId).template;
      writeFileSync(file, JSON.stringify(templates[file], null, 1));
    }
    const canary = path.join(dir, `${CANARY}-Known-bad.template.json`);
    writeFileSync(canary, JSON.stringify(canaryTemplate));
    const files = [...Object.keys(templates), canary];

    // Act: both tools at once, over every template.
    const started = Date.now();
    const [lintOut, checkovOut] = await Promise.all([
      run(binaries.cfnLint, ['--config-file', '.cfnlintrc.yaml', '--format', 'json', ...files]),
      run(binaries.checkov, ['--config-file', '.checkov.yaml', '--output', 'json', ...files.flatMap((f) => ['-f', f])]),
    ]);
    lint = JSON.parse(lintOut) as CfnLintMatch[];
    const reports = [JSON.parse(checkovOut) as CheckovReport | CheckovReport[]].flat();
    for (const report of reports) {
      for (const key of ['passed_checks', 'failed_checks', 'skipped_checks'] as const) {
        checkov[key].push(...report.results[key]);
      }
    }
    printCounts(lint, checkov, Date.now() - started);
  }

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scans every stack of every stage, and the known-bad canary fails both tools', () => {
    scanned();
    // Assess: six templates, and each tool reported the canary's planted defects.
    expect(Object.keys(templates).map(stageOfFile).sort()).toEqual(
      DEPLOY_STAGES.flatMap((stage) => [stage, stage]).sort(),
    );
    const canaryLint = lint.filter((m) => stageOfFile(m.Filename) === CANARY).map((m) => m.Rule.Id);
    const canaryChecks = checkov.failed_checks.filter((r) => stageOfFile(r.file_path) === CANARY);
    expect(canaryLint).toContain('W3690');
    expect(canaryChecks.map((r) => r.check_id)).toContain('CKV_AWS_27');
    expect(checkov.passed_checks.filter((r) => stageOfFile(r.file_path) !== CANARY).length).toBeGreaterThan(100);
  });

  it('cfn-lint reports no error and no warning in any stage', () => {
    scanned();
    const findings = lint
      .filter((m) => stageOfFile(m.Filename) !== CANARY)
      .map((m) => `${path.basename(m.Filename)} ${(m.Location.Path ?? []).join('/')}: ${m.Rule.Id} ${m.Message}`);
    expect(findings).toEqual([]);
  });

  it('checkov fails no check in any stage', () => {
    scanned();
    const findings = checkov.failed_checks
      .filter((r) => stageOfFile(r.file_path) !== CANARY)
      .map((r) => `${path.basename(r.file_path)} ${r.resource}: ${r.check_id} ${r.check_name}`);
    expect(findings).toEqual([]);
  });

  it('no Lambda or container environment holds a secret (what lets env vars keep the AWS-managed key)', () => {
    scanned();
    // Prepare: every function's and container's environment, in every stage.
    const environments: [string, string, unknown][] = [];
    for (const [file, template] of Object.entries(templates)) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {}) as [string, Resource][]) {
        const where = `${path.basename(file)} ${logicalId}`;
        if (resource.Type === 'AWS::Lambda::Function') {
          const variables = (resource.Properties?.Environment as { Variables?: object } | undefined)?.Variables ?? {};
          for (const [name, value] of Object.entries(variables)) environments.push([where, name, value]);
        }
        if (resource.Type === 'AWS::ECS::TaskDefinition') {
          const containers = (resource.Properties?.ContainerDefinitions ?? []) as {
            Environment?: { Name: string; Value: unknown }[];
          }[];
          for (const env of containers.flatMap((c) => c.Environment ?? []))
            environments.push([where, env.Name, env.Value]);
        }
      }
    }

    // Act: a secret-sounding name must name a reference (id, ARN, name), and no value may
    // resolve a secret's content at deploy time.
    const secretName = /SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL/i;
    const reference = /_(ID|ARN|NAME)$/;
    const secretValue = /\{\{resolve:(secretsmanager|ssm-secure):|SecretString/;
    const offenders = environments
      .filter(
        ([, name, value]) =>
          (secretName.test(name) && !reference.test(name)) || secretValue.test(JSON.stringify(value)),
      )
      .map(([where, name]) => `${where} ${name}`);

    // Assess
    expect(environments.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });

  it('every checkov acknowledgement in the templates matches a check checkov skipped (none is stale)', () => {
    scanned();
    const skipped = new Set(
      checkov.skipped_checks.map((r) => `${stageOfFile(r.file_path)} ${r.resource} ${r.check_id}`),
    );
    const stale: string[] = [];
    for (const [file, template] of Object.entries(templates)) {
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        const skips = (resource.Metadata?.checkov as { skip?: { id: string }[] } | undefined)?.skip ?? [];
        for (const { id } of skips) {
          if (!skipped.has(`${stageOfFile(file)} ${resource.Type}.${logicalId} ${id}`))
            stale.push(`${path.basename(file)} ${logicalId} ${id}`);
        }
      }
    }
    expect(stale).toEqual([]);
  });
});

/** errors/warnings (cfn-lint) and failed/passed/skipped (checkov) per stage, to the test output. */
function printCounts(lint: CfnLintMatch[], checkov: CheckovReport['results'], elapsedMs: number): void {
  const lines = [
    `template scans, ${(elapsedMs / 1000).toFixed(1)} s (per stage: cfn-lint errors/warnings; checkov failed/passed/skipped)`,
  ];
  for (const stage of DEPLOY_STAGES) {
    const ofStage = <T>(items: T[], file: (item: T) => string) => items.filter((i) => stageOfFile(file(i)) === stage);
    const stageLint = ofStage(lint, (m) => m.Filename);
    const count = (key: keyof CheckovReport['results']) => ofStage(checkov[key], (r) => r.file_path).length;
    lines.push(
      `  ${stage.padEnd(8)} cfn-lint ${stageLint.filter((m) => m.Level === 'Error').length} errors, ` +
        `${stageLint.filter((m) => m.Level === 'Warning').length} warnings; checkov ${count('failed_checks')} failed, ` +
        `${count('passed_checks')} passed, ${count('skipped_checks')} skipped`,
    );
  }
  console.log(lines.join('\n'));
}
