/// <reference lib="dom" />
import { startAccountsView } from './accounts.js';
import { AdminApiClient } from './api.js';
import { cognitoSession, loadConfig, localSession, type Session } from './auth.js';
import { startBreakerConfigView } from './breaker-config.js';
import { startChartsView } from './charts.js';
import { startDecisionsView } from './decisions.js';
import { byId } from './dom.js';
import { startKillSwitchView } from './kill-switch.js';
import { reportRefresh, startMarketView } from './market.js';

/**
 * The risk desk console: signs the user in (Cognito in a stage, a typed name locally),
 * then keeps each view fresh by polling the admin API, each at the pace it changes.
 */
async function main(): Promise<void> {
  const config = await loadConfig();
  const actorInput = byId<HTMLInputElement>('actor');
  let session: Session;
  if (config.auth === 'cognito') {
    session = await cognitoSession(config);
    actorInput.value = session.actor();
    actorInput.readOnly = true;
    byId('actor-hint').textContent = 'Signed in through the desk user pool (MFA).';
    const signOut = byId<HTMLButtonElement>('sign-out');
    signOut.hidden = false;
    signOut.addEventListener('click', () => session.signOut());
  } else {
    session = localSession(actorInput);
  }
  const api = new AdminApiClient(session);
  poll('Market', startMarketView(api), 1_000);
  poll('Breaker thresholds', startBreakerConfigView(api), 5_000);
  poll('Kill switch', startKillSwitchView(api), 2_000);
  poll('Accounts', startAccountsView(api), 5_000);
  poll('Decisions', startDecisionsView(api), 2_000);
  poll('Charts', startChartsView(api), 10_000);
  document.body.dataset.ready = 'true';
}

/** Runs a view's refresh now and then every `everyMs`, never two at once; a failure shows and the next try goes on. */
function poll(name: string, refresh: () => Promise<void>, everyMs: number): void {
  const run = async () => {
    try {
      await refresh();
      reportRefresh(name);
    } catch (error) {
      reportRefresh(name, error);
    }
    setTimeout(run, everyMs);
  };
  void run();
}

main().catch((error: unknown) => {
  byId('status').textContent = `The console could not start: ${String(error)}`;
});
