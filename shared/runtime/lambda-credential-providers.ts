/**
 * Stands in, inside every Lambda bundle, for the AWS SDK credential providers that only the
 * default chain's later links load: SSO, INI profiles, console login, credential_process,
 * web identity token files and container (HTTP) credentials. infra/constructs/
 * function-with-log-group.ts aliases those packages to this file when it bundles.
 *
 * In Lambda the chain's first link answers: the runtime puts the function role's credentials
 * in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so these
 * are never called there. Were one called, it says it does not apply and lets the chain go on
 * (`tryNextLink`), as a provider without its configuration does. Left out, the real ones and
 * the SSO, OIDC, STS and sign-in clients they load are about 120 kB each cold start no longer
 * parses (docs/cold-start.md). Lambda bundles only: the Fargate services' bundles
 * (shared/runtime/container-bundle.ts) keep the real chain, whose container credentials come
 * through fromHttp.
 */
type ProviderFactory = (init?: unknown) => () => Promise<never>;

const notInLambda =
  (name: string): ProviderFactory =>
  () =>
  async () => {
    throw Object.assign(
      new Error(`${name} is not bundled: a Lambda function takes its credentials from its environment`),
      { name: 'CredentialsProviderError', tryNextLink: true },
    );
  };

export const fromHttp = notInLambda('fromHttp');
export const fromIni = notInLambda('fromIni');
export const fromLoginCredentials = notInLambda('fromLoginCredentials');
export const fromProcess = notInLambda('fromProcess');
export const fromSSO = notInLambda('fromSSO');
export const fromTokenFile = notInLambda('fromTokenFile');
export const fromWebToken = notInLambda('fromWebToken');
