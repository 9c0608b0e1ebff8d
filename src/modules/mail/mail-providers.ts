import { MailSecurity } from './mail-account.entity';

export interface ServerGuess {
  host: string;
  port: number;
  security: MailSecurity;
}

export interface ProviderSettings {
  provider: string;
  imap: ServerGuess;
  smtp: ServerGuess;
  /** Needs an app password (2-step verification on, IMAP enabled) rather than the account password. */
  appPassword: boolean;
  notes?: string;
}

const tls = (host: string, port = 993): ServerGuess => ({ host, port, security: MailSecurity.Tls });
const starttls = (host: string, port = 587): ServerGuess => ({ host, port, security: MailSecurity.StartTls });

/** Well-known providers by the domain of the address. OAuth2 is not offered yet: app passwords work with these. */
const PROVIDERS: { domains: string[]; settings: ProviderSettings }[] = [
  {
    domains: ['gmail.com', 'googlemail.com'],
    settings: {
      provider: 'Gmail',
      imap: tls('imap.gmail.com'),
      smtp: tls('smtp.gmail.com', 465),
      appPassword: true,
      notes: 'Turn on 2-Step Verification, then create an app password at myaccount.google.com/apppasswords',
    },
  },
  {
    domains: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'outlook.fr', 'hotmail.fr', 'hotmail.co.uk'],
    settings: {
      provider: 'Outlook.com',
      imap: tls('outlook.office365.com'),
      smtp: starttls('smtp-mail.outlook.com'),
      appPassword: true,
      notes: 'Create an app password under Security > Advanced security options (2-step verification on)',
    },
  },
  {
    domains: ['yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com'],
    settings: {
      provider: 'Yahoo Mail',
      imap: tls('imap.mail.yahoo.com'),
      smtp: tls('smtp.mail.yahoo.com', 465),
      appPassword: true,
    },
  },
  {
    domains: ['icloud.com', 'me.com', 'mac.com'],
    settings: {
      provider: 'iCloud Mail',
      imap: tls('imap.mail.me.com'),
      smtp: starttls('smtp.mail.me.com'),
      appPassword: true,
      notes: 'Use an app-specific password from appleid.apple.com; the IMAP user is the part before @',
    },
  },
  {
    domains: ['fastmail.com', 'fastmail.fm'],
    settings: {
      provider: 'Fastmail',
      imap: tls('imap.fastmail.com'),
      smtp: tls('smtp.fastmail.com', 465),
      appPassword: true,
    },
  },
  {
    domains: ['aol.com'],
    settings: { provider: 'AOL', imap: tls('imap.aol.com'), smtp: tls('smtp.aol.com', 465), appPassword: true },
  },
  {
    domains: ['zoho.com', 'zohomail.com'],
    settings: { provider: 'Zoho Mail', imap: tls('imap.zoho.com'), smtp: tls('smtp.zoho.com', 465), appPassword: true },
  },
  {
    domains: ['gmx.com', 'gmx.net', 'gmx.de'],
    settings: { provider: 'GMX', imap: tls('imap.gmx.net'), smtp: starttls('mail.gmx.net'), appPassword: false },
  },
  {
    domains: ['yandex.com', 'yandex.ru'],
    settings: {
      provider: 'Yandex Mail',
      imap: tls('imap.yandex.com'),
      smtp: tls('smtp.yandex.com', 465),
      appPassword: true,
    },
  },
  {
    domains: ['mail.ru'],
    settings: { provider: 'Mail.ru', imap: tls('imap.mail.ru'), smtp: tls('smtp.mail.ru', 465), appPassword: true },
  },
];

/** MX hosts that reveal a hosted provider for custom domains (Google Workspace, Microsoft 365). */
const MX_PROVIDERS: { suffix: string; settings: ProviderSettings }[] = [
  { suffix: '.google.com', settings: { ...PROVIDERS[0].settings, provider: 'Google Workspace' } },
  { suffix: '.googlemail.com', settings: { ...PROVIDERS[0].settings, provider: 'Google Workspace' } },
  {
    suffix: '.mail.protection.outlook.com',
    settings: {
      provider: 'Microsoft 365',
      imap: tls('outlook.office365.com'),
      smtp: starttls('smtp.office365.com'),
      appPassword: true,
    },
  },
];

export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function knownProvider(domain: string): ProviderSettings | undefined {
  return PROVIDERS.find((p) => p.domains.includes(domain))?.settings;
}

export function providerFromMx(mxHosts: string[]): ProviderSettings | undefined {
  for (const host of mxHosts) {
    const found = MX_PROVIDERS.find((p) => host.toLowerCase().endsWith(p.suffix));
    if (found) {
      return found.settings;
    }
  }
  return undefined;
}

/** The conventional guess for an unknown domain: imap.<domain>:993 and smtp.<domain>:587. */
export function conventionalGuess(domain: string): ProviderSettings {
  return { provider: domain, imap: tls(`imap.${domain}`), smtp: starttls(`smtp.${domain}`), appPassword: false };
}
