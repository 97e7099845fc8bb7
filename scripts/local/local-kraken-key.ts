/**
 * The one Kraken key local mode's fake Kraken REST accepts besides the ones tests register:
 * fixed and public so the onboarding runbook (docs/runbooks/onboarding-an-account.md) can
 * store a key that passes the admin API's Balance check locally. It opens nothing anywhere
 * else: no real Kraken account has it.
 */
export const LOCAL_KRAKEN_KEY = {
  apiKey: 'local-desk-key-0001',
  apiSecret: '75Azh2EjXYCfSR44krqyv8eN1HGBcKC5YGtX16GpW00qKhB0ob6NReCVWqLjWrbw8b89/XlRkGIQV9tpHdqwvQ==',
} as const;
