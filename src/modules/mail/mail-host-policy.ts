import { Injectable } from '@nestjs/common';
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { AddressClass, AddressNotAllowedError, AddressPolicy, AllowList } from 'src/common/net/address-policy';
import { AppConfigService } from 'src/config/app-config.service';
import { MailError, MailErrorCode } from './mail.errors';

export type HostField = 'imap.host' | 'smtp.host';

const WHAT: Record<AddressClass, string> = {
  [AddressClass.Public]: 'a public address',
  [AddressClass.Private]: 'a private-network address',
  [AddressClass.Loopback]: 'a loopback address (this machine)',
  [AddressClass.LinkLocal]: 'a link-local address',
  [AddressClass.Metadata]: 'a cloud metadata address',
  [AddressClass.Unspecified]: 'an unspecified address',
  [AddressClass.Multicast]: 'a multicast address',
  [AddressClass.Reserved]: 'a reserved address',
};

const REMEDY: Partial<Record<AddressClass, string>> = {
  [AddressClass.Private]: 'allowed only with MAIL_ALLOW_PRIVATE_HOSTS=true or when listed in MAIL_ALLOWED_HOSTS',
  [AddressClass.Loopback]: 'allowed only when listed in MAIL_ALLOWED_HOSTS',
};

/** 400 naming the field and why, never the address a name resolved to. */
export function hostNotAllowed(field: HostField, host: string, cls: AddressClass): MailError {
  const verb = isIP(host) ? 'is' : 'resolves to';
  const remedy = REMEDY[cls] ?? 'never allowed for mail servers';
  return new MailError(MailErrorCode.HostNotAllowed, `${field} "${host}" ${verb} ${WHAT[cls]}: ${remedy}`, {
    field,
    reason: cls,
  });
}

/**
 * Where users' IMAP and SMTP settings may point: public addresses; private networks with MAIL_ALLOW_PRIVATE_HOSTS;
 * loopback and private addresses of the hosts and ranges in MAIL_ALLOWED_HOSTS; link-local, cloud metadata,
 * unspecified, multicast and reserved addresses never. Every connection is checked before it is opened
 * (`resolve`), and again by the socket's own lookup (imapflow) or by connecting to the verified address (nodemailer).
 */
@Injectable()
export class MailHostPolicy {
  private readonly policy: AddressPolicy;

  constructor(config: AppConfigService) {
    const { allowPrivateHosts, allowedHosts } = config.mailAccounts;
    this.policy = new AddressPolicy({
      allow: allowPrivateHosts ? [AddressClass.Private] : [],
      allowList: new AllowList(allowedHosts),
    });
  }

  /** For socket options: answers only allowed addresses, so the address connected to is the one checked. */
  get lookup(): LookupFunction {
    return this.policy.lookup;
  }

  /**
   * The allowed addresses of `host`. A host with none is a MailError (400 MAIL_HOST_NOT_ALLOWED naming `field`);
   * a name that does not resolve rejects with the resolver's error (ENOTFOUND…).
   */
  async resolve(host: string, field: HostField): Promise<LookupAddress[]> {
    try {
      return await this.policy.resolve(host);
    } catch (error) {
      if (error instanceof AddressNotAllowedError) {
        throw hostNotAllowed(field, host, error.addressClass);
      }
      throw error;
    }
  }
}
