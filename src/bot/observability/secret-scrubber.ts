// The last line of defence against secrets in logs: runs over every serialized log line, after
// pino's key-based redaction, and masks known secret values and anything shaped like a token,
// wherever it sits (an error message, a URL, a nested object pino's paths cannot reach).

export const REDACTED = '[Redacted]';

/** Environment variables whose values must never appear in a log line. */
export const SECRET_ENV_VARS = [
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'HF_TOKEN',
  'REDIS_URL',
] as const;

/** Shorter values are too likely to match ordinary text; the token patterns still cover them. */
const MIN_SECRET_LENGTH = 6;

interface Rule {
  readonly pattern: RegExp;
  readonly replacement: string;
}

const TOKEN_RULES: readonly Rule[] = [
  // user:password@ in any URL (redis://, rediss://, https://).
  { pattern: /([a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@/"]+@/gi, replacement: `$1${REDACTED}@` },
  // Authorization header values; 20+ characters so prose such as "Bot connected" stays readable.
  { pattern: /\b(Bot|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{20,}/g, replacement: `$1 ${REDACTED}` },
  // Slack bot/user/app tokens.
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]+/g, replacement: REDACTED },
  { pattern: /\bxapp-[A-Za-z0-9-]+/g, replacement: REDACTED },
  // Hugging Face access tokens.
  { pattern: /\bhf_[A-Za-z0-9]{16,}/g, replacement: REDACTED },
  // Discord interaction tokens sit in webhook and callback URLs: /webhooks/<app id>/<token>/…
  { pattern: /(\/(?:webhooks|interactions)\/\d+\/)[A-Za-z0-9_.-]{20,}/g, replacement: `$1${REDACTED}` },
  // Tokens in a URL query (the playground's start-up URL, signed links).
  { pattern: /([?&](?:token|access_token|code)=)[^&\s"#]+/gi, replacement: `$1${REDACTED}` },
  // Discord bot tokens: base64 user id, timestamp and HMAC, dot-separated.
  { pattern: /\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}/g, replacement: REDACTED },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The password inside a URL such as redis://:secret@host:6379, if any. */
function urlPassword(value: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(value).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/** The secret values present in `env`: the variables above, and the password of REDIS_URL. */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const name of SECRET_ENV_VARS) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    values.push(value);
    const password = urlPassword(value);
    if (password !== undefined) values.push(password);
  }
  return values;
}

/**
 * A function that masks `secrets` (as written and as JSON-escaped) and token-shaped text.
 * Longer secrets are replaced first so a secret that contains another is masked whole.
 */
export function createSecretScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  const known = ordered.length > 0 ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    let out = known ? text.replace(known, REDACTED) : text;
    for (const rule of TOKEN_RULES) out = out.replace(rule.pattern, rule.replacement);
    return out;
  };
}
